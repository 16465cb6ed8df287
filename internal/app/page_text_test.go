package app_test

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"linli/internal/apptest"
	"linli/internal/audit"
	"linli/internal/i18n"
)

// No page shows a catalogue key (registry.field.name: a text the catalogue
// lacks, or a key printed where its text was meant) or a raw audit action
// code (case.transition where 事项流转 was meant). Every page route is read
// as every account the matrix allows, on each object it may open, and its
// visible text and the attributes people read (title, placeholder,
// aria-label, alt, label, the value of a button) are searched; scripts,
// styles, and attributes nobody reads (href, name, id, value of fields and
// options) are not.
func TestNoCatalogueKeyReachesAPage(t *testing.T) {
	keys := map[string]string{}
	for _, k := range i18n.Keys() {
		keys[k] = "catalogue key"
	}
	for _, a := range audit.DeclaredActions() {
		if strings.ContainsAny(a, "._") {
			keys[a] = "audit action code"
		}
	}
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		w.AddWriteTargets(t) // more objects in more states: more pages
		srv := w.Server(t)
		clients := w.LoginAll(t, srv.URL)
		clients[""] = apptest.NewClient(t, srv.URL)
		pages := 0
		for _, rt := range w.Routes() {
			e, ok := matrix[rt.Method+" "+rt.Pattern]
			if rt.Method != "GET" || rt.API || !ok || e.skip != "" {
				continue
			}
			for _, cl := range e.calls(w, rt) {
				for _, user := range matrixUsers {
					if !e.allows(user) || cl.scoped && !e.reaches(user, cl.wh) {
						continue
					}
					resp, body := send(clients[user], cl)
					if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
						continue
					}
					pages++
					for _, leak := range pageLeaks(body, keys) {
						t.Errorf("GET %s as %q shows %s", cl.path, user, leak)
					}
				}
			}
		}
		// Forms sent empty: the pages that name what is missing (and the
		// refusals) are read too. After every GET, since some succeed.
		for _, rt := range w.Routes() {
			e, ok := matrix[rt.Method+" "+rt.Pattern]
			if rt.Method != "POST" || rt.API || !ok || e.skip != "" || len(e.allow) == 0 {
				continue
			}
			for _, cl := range e.calls(w, rt) {
				user := ""
				for _, u := range matrixUsers {
					if u != "" && e.allows(u) && (!cl.scoped || e.reaches(u, cl.wh)) {
						user = u
						break
					}
				}
				if user == "" {
					continue
				}
				cl.body, cl.fileName = "", ""
				resp, body := send(clients[user], cl)
				if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
					break
				}
				pages++
				for _, leak := range pageLeaks(body, keys) {
					t.Errorf("POST %s (empty) as %q shows %s", cl.path, user, leak)
				}
				break
			}
		}
		if pages < 100 {
			t.Fatalf("only %d pages read: the walk is broken", pages)
		}
		t.Logf("%d pages read", pages)
	})
}

// A dotted or underscored lower-case word: the shape of keys and codes.
var keyShaped = regexp.MustCompile(`[a-z][a-z0-9_]*(?:[._][a-z0-9_]+)+`)

// pageLeaks lists the keys (of keys: key → what it is) that the page shows.
func pageLeaks(body string, keys map[string]string) []string {
	found := map[string]string{}
	look := func(where, text string) {
		for _, m := range keyShaped.FindAllString(text, -1) {
			m = strings.TrimRight(m, "._")
			if what, ok := keys[m]; ok {
				found[fmt.Sprintf("%s %q (%s)", what, m, where)] = ""
			}
		}
	}
	z := html.NewTokenizer(strings.NewReader(body))
	skip := 0 // inside <script> or <style>
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				found["unreadable HTML: "+z.Err().Error()] = ""
			}
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			if tok.Data == "script" || tok.Data == "style" {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			button := false
			for _, a := range tok.Attr {
				if a.Key == "type" && (a.Val == "submit" || a.Val == "button" || a.Val == "reset") {
					button = true
				}
			}
			for _, a := range tok.Attr {
				switch a.Key {
				case "title", "placeholder", "aria-label", "alt", "label", "data-label", "data-confirm":
					look("<"+tok.Data+" "+a.Key+">", a.Val)
				case "value":
					if tok.Data == "input" && button {
						look("<input value>", a.Val)
					}
				}
			}
		case html.EndTagToken:
			if (tok.Data == "script" || tok.Data == "style") && skip > 0 {
				skip--
			}
		case html.TextToken:
			if skip == 0 {
				look("text", tok.Data)
			}
		}
	}
	out := make([]string, 0, len(found))
	for k := range found {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// The check finds a key in the text and in a title, and not in an href or
// a script.
func TestPageLeaksAreFound(t *testing.T) {
	keys := map[string]string{"registry.field.name": "catalogue key", "case.transition": "audit action code"}
	got := pageLeaks(`<p>姓名 registry.field.name</p><a href="/x?registry.field.name" title="case.transition">x</a><script>var a="case.transition"</script><option value="case.transition">事项流转</option>`, keys)
	want := []string{`audit action code "case.transition" (<a title>)`, `catalogue key "registry.field.name" (text)`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

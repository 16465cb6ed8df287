package web

import (
	"bytes"
	"html/template"
	"strings"
	"testing"

	"linli/internal/i18n"
)

// For every message of the catalogue, in every context where it is written
// into a template, the page is byte for byte what the escaped action gave.
func TestInlinedMessagesRenderAsTheActions(t *testing.T) {
	const page = `<title>{{t "KEY"}}</title><p title="{{t "KEY"}}" data-confirm="{{t "KEY"}}">{{t "KEY"}}</p>` +
		`<input placeholder="{{t "KEY"}}" aria-label="{{t "KEY"}}" value="x {{t "KEY"}}"><textarea>{{t "KEY"}}</textarea>` +
		`<a href="/x?q={{t "KEY"}}">{{t "KEY"}}</a><input value={{t "KEY"}}>`
	render := func(src string) string {
		tpl := template.Must(template.New("p").Funcs(Funcs()).Parse(src))
		var b bytes.Buffer
		if err := tpl.Execute(&b, nil); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	inlined := 0
	for _, key := range i18n.Keys() {
		src := strings.ReplaceAll(page, "KEY", key)
		got, want := render(inlineMessages(src)), render(src)
		if got != want {
			t.Fatalf("%s:\ninlined %s\nactions %s", key, got, want)
		}
		if inlineMessages(src) != src {
			inlined++
		}
	}
	if inlined < len(i18n.Keys())/2 {
		t.Fatalf("only %d of %d messages written in", inlined, len(i18n.Keys()))
	}
}

func TestInlineMessagesLeavesWhatNeedsEscaping(t *testing.T) {
	search, _ := i18n.Text("common.search")
	for src, want := range map[string]string{
		`<b>{{t "common.search"}}</b>`:                     `<b>` + search + `</b>`,
		`<input placeholder="{{t "common.search"}}">`:      `<input placeholder="` + search + `">`,
		`<a href="/q?{{t "common.search"}}">`:              `<a href="/q?{{t "common.search"}}">`,
		`<a onclick="{{t "common.search"}}">`:              `<a onclick="{{t "common.search"}}">`,
		`<input value={{t "common.search"}}>`:              `<input value={{t "common.search"}}>`,
		`<span>{{t "common.total"}}</span>`:                `<span>{{t "common.total"}}</span>`, // has {n}
		`<span>{{t "no.such.key"}}</span>`:                 `<span>{{t "no.such.key"}}</span>`,
		`<span>{{t "common.search" | printf "%s"}}</span>`: `<span>{{t "common.search" | printf "%s"}}</span>`,
	} {
		if got := inlineMessages(src); got != want {
			t.Errorf("%s\n got %s\nwant %s", src, got, want)
		}
	}
	for _, s := range []string{"a<b", "a&b", `a"b`, "a'b", "a+b", "a=b", "a`b", "{x}", "a\nb", ""} {
		if plainText(s) {
			t.Errorf("%q counted as plain", s)
		}
	}
}

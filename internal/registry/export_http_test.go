package registry_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/audit"
)

// A full-ID export is a POST with the CSRF token, from the list page's form; a
// GET never writes full values, whatever it asks for (a link on another site
// would carry the victim's cookie and the attacker's reason).
func TestUnmaskedExportOnlyByPost(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		cs := clients(t, w, "community_admin", "social_worker")
		leader := cs["community_admin"]
		headID := apptest.RegistryID("110105", 1950, 1)
		exports := func(outcome string) int {
			t.Helper()
			_, n, err := audit.Search(ctx, w.DB.Reader(), audit.Filter{Action: "person.export_unmasked", Outcome: outcome})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}

		// The attack of the issue: a GET with unmasked=1 and a reason.
		resp, body := leader.Get("/registry/export?format=csv&unmasked=1&reason=" + url.QueryEscape("攻击者的理由"))
		if resp.StatusCode != http.StatusMethodNotAllowed || strings.Contains(body, headID) || strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("GET unmasked export: %d %s\n%.500s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		mustContain(t, "refusal", body, "未导出", "居民列表页")
		if got := exports(audit.Success); got != 0 {
			t.Fatalf("a GET was audited as an unmasked export: %d", got)
		}
		if got := exports(audit.Denied); got != 1 {
			t.Fatalf("the refused GET is not audited as refused: %d", got)
		}
		// The masked export by GET stays.
		resp, body = leader.Get("/registry/export?format=csv")
		if resp.StatusCode != 200 || strings.Contains(body, headID) || !strings.Contains(body, "居民甲户主") {
			t.Fatalf("masked GET export: %d", resp.StatusCode)
		}

		// The list page offers the full export as a form that posts.
		list := page(t, leader, "/registry?q="+url.QueryEscape("居民甲"), 200)
		mustContain(t, "list page", list, `<form method="post" action="/registry/export" class="form" id="export-unmasked-form">`,
			`<input type="hidden" name="q" value="居民甲">`, `<input type="hidden" name="unmasked" value="1">`, `name="reason"`)

		// Without the CSRF token (a form on another site) the POST is refused.
		form := url.Values{"format": {"csv"}, "unmasked": {"1"}, "reason": {"攻击者的理由"}}
		req, _ := http.NewRequest("POST", leader.Base+"/registry/export", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r, err := leader.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 403 {
			t.Fatalf("POST without the token: %d", r.StatusCode)
		}
		// With the token but no reason: refused, naming the field.
		resp, body = leader.PostForm("/registry/export", url.Values{"format": {"csv"}, "unmasked": {"1"}, "reason": {" "}})
		if resp.StatusCode != 422 || strings.Contains(body, headID) {
			t.Fatalf("POST without a reason: %d", resp.StatusCode)
		}
		mustContain(t, "no reason", body, "原因")
		// The form as the page sends it: the file with full values, audited with its reason.
		resp, body = leader.PostForm("/registry/export", url.Values{"q": {"居民甲"}, "format": {"csv"}, "unmasked": {"1"}, "reason": {"报送民政局核对"}})
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(body, headID) || strings.Contains(body, "居民乙户主") {
			t.Fatalf("POST unmasked export: %d\n%.500s", resp.StatusCode, body)
		}
		entries, _, _ := audit.Search(ctx, w.DB.Reader(), audit.Filter{Action: "person.export_unmasked", Limit: 1})
		if len(entries) != 1 || entries[0].Outcome != audit.Success || !strings.Contains(entries[0].Detail, "报送民政局核对") {
			t.Fatalf("unmasked export audit: %+v", entries)
		}
		// A POST without unmasked is the masked export.
		resp, body = leader.PostForm("/registry/export", url.Values{"format": {"csv"}})
		if resp.StatusCode != 200 || strings.Contains(body, headID) || !strings.Contains(body, "居民甲户主") {
			t.Fatalf("masked POST export: %d", resp.StatusCode)
		}
	})
}

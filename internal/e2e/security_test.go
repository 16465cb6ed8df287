package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/identity"
	"linli/internal/places"
	"linli/internal/registry"
)

// An export with full ID numbers cannot be had by GET: a link on another site
// (a top-level navigation, which carries the session cookie; here opened
// directly) shows a refusal, not a file, and nothing is exported. The list
// page's own form posts, with the CSRF token, and gets the file.
func TestUnmaskedExportRefusedByGet(t *testing.T) {
	site := StartDemo(t, 50)
	ctx := Browser(t)
	c := context.Background()
	sys := auth.System("e2e")
	bs, _, err := site.App.Places.ListBuildings(c, sys, places.BuildingFilter{GridID: firstGrid(t, site).ID, Limit: 1})
	if err != nil || len(bs) == 0 {
		t.Fatalf("buildings: %v", err)
	}
	dws, err := site.App.Places.Dwellings(c, sys, bs[0].ID)
	if err != nil || len(dws) == 0 {
		t.Fatal(err)
	}
	headID := identity.MakeID("330106", born(1971, 9, 3), 33, identity.Male)
	if _, err := site.App.Registry.CreatePerson(c, sys, registry.PersonInput{Name: "司马远航", IDNumber: headID, Phone: "13905710077", DwellingID: dws[0].ID,
		NewHousehold: true, HouseholdNumber: "H-E2E-SEC", Since: "2015-01-01"}); err != nil {
		t.Fatal(err)
	}

	// The attacker's link, opened in the victim's logged-in browser.
	attack := site.URL + "/registry/export?format=csv&q=smyh&unmasked=1&reason=" + url.QueryEscape("攻击者的理由")
	Do(t, ctx, Login(site.URL, "community_admin", DemoPassword),
		chromedp.Navigate(attack),
		WaitSel(`main`),
	)
	if text := Text(t, ctx, "main"); !strings.Contains(text, "未导出") || strings.Contains(text, headID) {
		t.Fatalf("the GET export link was not refused:\n%s", text)
	}
	got := evalAwait(t, ctx, `fetch(`+jsString(attack)+`, {credentials: "same-origin"}).then(async r => r.status + " " + (r.headers.get("Content-Disposition") || "") + " " + await r.text())`)
	if !strings.HasPrefix(got, "405 ") || strings.Contains(got, "attachment") || strings.Contains(got, headID) {
		t.Fatalf("GET export answered: %.300s", got)
	}
	if _, n, _ := audit.Search(c, site.App.DB.Reader(), audit.Filter{Action: "person.export_unmasked", Outcome: audit.Success}); n != 0 {
		t.Fatalf("%d unmasked exports by GET", n)
	}

	// The list page's form: a POST, carrying the filter and the CSRF token.
	Do(t, ctx,
		chromedp.Navigate(site.URL+"/registry?q=smyh"),
		WaitSel(`#export-unmasked-form`),
	)
	form := Eval[string](t, ctx, `(f => f.method + " " + f.getAttribute("action") + " " + (f.querySelector("input[name=_csrf]") ? "csrf" : "-") + " " + f.querySelector("input[name=q]").value)(document.querySelector("#export-unmasked-form"))`)
	if form != "post /registry/export csrf smyh" {
		t.Fatalf("unmasked export form: %q", form)
	}
	// Sent as the browser would send it (as CSV, so that the test can read it).
	got = evalAwait(t, ctx, `(async () => {
		const f = document.querySelector("#export-unmasked-form");
		f.querySelector("input[name=reason]").value = "报送民政局核对";
		const body = new URLSearchParams(new FormData(f)); body.set("format", "csv");
		const r = await fetch(f.action, {method: "POST", body, credentials: "same-origin"});
		return r.status + " " + await r.text(); })()`)
	if !strings.HasPrefix(got, "200 ") || !strings.Contains(got, headID) || !strings.Contains(got, "司马远航") {
		t.Fatalf("the form's export: %.500s", got)
	}
	entries, _, _ := audit.Search(c, site.App.DB.Reader(), audit.Filter{Action: "person.export_unmasked", Outcome: audit.Success, Limit: 5})
	if len(entries) != 1 || !strings.Contains(entries[0].Detail, "报送民政局核对") {
		t.Fatalf("the unmasked export's audit: %+v", entries)
	}
}

// evalAwait evaluates a JavaScript expression whose value is a promise of a string.
func evalAwait(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %.200s: %v", js, err)
	}
	return v
}

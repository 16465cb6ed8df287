package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"linli/internal/auth"
)

// The street sets a community's target on the targets page; the
// community's leader, on a phone, sees it on their board with its traffic
// light, follows the ranking of their grids and goes down to a grid's board.
func TestGoalsFlow(t *testing.T) {
	site := StartDemo(t, 120)
	ctx := context.Background()
	leader, err := site.App.Auth.Login(ctx, "community_admin", DemoPassword, "e2e", "e2e", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	c1 := leader.Principal.Scope.Roots[0].ID
	b := Browser(t)
	Do(t, b, Login(site.URL, "street_admin", DemoPassword), chromedp.Navigate(site.URL+"/goals"), WaitSel(`#goals-board`))
	if s := Text(t, b, `#goals-board`); !strings.Contains(s, "受理量") || !strings.Contains(s, "医保参保率") {
		t.Fatalf("the street's board: %q", s)
	}
	Do(t, b, chromedp.Click(Sel(`#goals-set`)), WaitSel(`#target-form`),
		chromedp.SetValue(Sel(`#target-form select[name=org]`), fmt.Sprint(c1)),
		chromedp.SetValue(Sel(`#target-form select[name=code]`), "cases.received"),
		chromedp.SendKeys(Sel(`#target-form input[name=value]`), "3"),
		chromedp.Click(Sel(`#target-form button[type=submit]`)),
		WaitSel(`.flash`))
	if s := Text(t, b, `.flash`); s != "目标已保存" {
		t.Fatalf("after setting: %q", s)
	}
	if s := Text(t, b, `#goals-targets`); !strings.Contains(s, "受理量") || !strings.Contains(s, "3") {
		t.Fatalf("the targets set: %q", s)
	}
	Do(t, b, Logout())

	Do(t, b, Phone(), Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(site.URL+"/goals"), WaitSel(`#goals-board`))
	fitsPhoneWidth(t, b, "the board")
	row := `#goals-board tr[data-code="cases.received"]`
	if s := Text(t, b, row+` .goals-target`); s != "3" {
		t.Fatalf("the community's target: %q", s)
	}
	// The light follows the year's cases received so far against 3.
	want := "red"
	if n, _ := strconv.Atoi(Text(t, b, row+` .goals-actual`)); n >= 3 {
		want = "green"
	}
	if l := Eval[string](t, b, `document.querySelector('`+row+` .goals-light').dataset.light`); l != want {
		t.Fatalf("the light of %s against 3: %q, want %q", Text(t, b, row+` .goals-actual`), l, want)
	}
	Do(t, b, chromedp.Click(Sel(row+` a.goals-rank`)), WaitSel(`#goals-ranking`))
	fitsPhoneWidth(t, b, "the ranking")
	if n := Eval[int](t, b, `document.querySelectorAll('#goals-ranking tbody tr').length`); n < 2 {
		t.Fatalf("the ranking of the grids has %d rows", n)
	}
	Do(t, b, chromedp.Click(Sel(`#goals-ranking tbody tr a`)), WaitSel(`#goals-board`), WaitSel(`#goals-up`))
	if s := Text(t, b, `h1`); !strings.Contains(s, "网格") {
		t.Fatalf("down to a grid: %q", s)
	}
}

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"linli/internal/auth"
	"linli/internal/places"
)

// A grid worker on a phone patrols their grid: the home page says 今日尚未
// 巡查; they start, tick two buildings as they pass them, report a finding
// (the cases form, prefilled and linked back to the patrol) and end an hour
// later; the community's leader then sees the hour in the month's statistics.
func TestPhonePatrol(t *testing.T) {
	site := StartDemo(t, 120)
	ctx := context.Background()
	gw, err := site.App.Auth.Login(ctx, "grid_worker", DemoPassword, "e2e", "e2e", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	// The small demo's grid has few buildings: two more to tick.
	for _, name := range []string{"巡查一幢", "巡查二幢"} {
		if _, err := site.App.Places.CreateBuilding(ctx, auth.System("e2e"), places.BuildingInput{GridID: gw.Principal.Scope.Grids[0], Name: name, Floors: 6}); err != nil {
			t.Fatal(err)
		}
	}
	b := Browser(t)
	Do(t, b, Phone(), Login(site.URL, "grid_worker", DemoPassword), WaitSel(`#todo`))
	if s := Text(t, b, `#todo`); !strings.Contains(s, "今日尚未巡查") {
		t.Fatalf("the home page's 待办 lacks today's patrol: %s", s)
	}
	Do(t, b, chromedp.Navigate(site.URL+"/patrols"), WaitSel(`#start-patrol`))
	fitsPhoneWidth(t, b, "/patrols")
	if n, small := smallTargets(t, b, `#start-patrol, label.pt-consent`); n != 2 || small != "" {
		t.Fatalf("the start form: %d targets, too small: %s", n, small)
	}
	Do(t, b, chromedp.Click(Sel(`#start-patrol`)), WaitSel(`#patrol-running`))
	if s := Text(t, b, `.flash`); s != "已开始巡查" {
		t.Fatalf("after starting: %q", s)
	}
	fitsPhoneWidth(t, b, "the running patrol")
	if n, small := smallTargets(t, b, `#end-patrol, #report-finding, #building-list button`); n < 4 || small != "" {
		t.Fatalf("the running patrol: %d targets, too small: %s", n, small)
	}
	for i := 0; i < 2; i++ {
		Do(t, b, chromedp.Click(Sel(`#building-list button.pt-b`)), WaitFor(`document.readyState === "complete" && document.querySelectorAll('#building-list .pt-b.passed').length === `+string(rune('1'+i))))
	}
	first := Text(t, b, `#building-list .pt-b.passed`)

	Do(t, b, chromedp.Click(Sel(`#report-finding`)), WaitSel(`#case-form`))
	if s := Text(t, b, `#case-link`); !strings.Contains(s, "巡查") {
		t.Fatalf("the case form does not say it links the patrol: %q", s)
	}
	// The place: the building passed last.
	if loc := Eval[string](t, b, `document.querySelector('#case-form input[name=location]').value`); loc == "" || strings.Contains(first, loc) {
		t.Fatalf("location prefilled %q (first passed %q)", loc, first)
	}
	category := Eval[string](t, b, `document.querySelector('#case-form select[name=category]').options[1].value`)
	Do(t, b,
		chromedp.SetValue(Sel(`#case-form select[name=category]`), category),
		chromedp.SendKeys(Sel(`#case-form input[name=title]`), "巡查发现路灯不亮"),
		chromedp.Click(Sel(`#case-form button[type=submit]`)),
		WaitSel(`#findings`),
	)
	if s := Text(t, b, `#findings`); !strings.Contains(s, "巡查发现路灯不亮") {
		t.Fatalf("the patrol does not list its finding: %q", s)
	}

	// An hour on, the worker ends the patrol (its start moved back an hour
	// and five minutes, its day kept: the clock is not moved, which near
	// midnight would move the day).
	if _, err := site.App.DB.ExecContext(ctx, `UPDATE patrol SET started_at = started_at - ? WHERE ended_at = 0`, (65 * time.Minute).Milliseconds()); err != nil {
		t.Fatal(err)
	}
	Do(t, b, chromedp.Click(Sel(`#end-patrol`)), WaitSel(`#start-patrol`))
	if s := Text(t, b, `.flash`); !strings.Contains(s, "65 分钟") {
		t.Fatalf("after ending: %q", s)
	}
	if s := Text(t, b, `#today-sum`); !strings.Contains(s, "65") || !strings.Contains(s, "已达标") {
		t.Fatalf("today's minutes: %q", s)
	}
	Do(t, b, chromedp.Click(Sel(`#today-list a`)), WaitSel(`#passed`))
	if s := Text(t, b, `#passed`); strings.Count(s, "\n")+1 < 2 {
		t.Fatalf("the patrol's buildings passed: %q", s)
	}

	Do(t, b, Logout(), Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(site.URL+"/patrols/stats"), WaitSel(`#stats-workers`))
	row := Eval[string](t, b, `[...document.querySelectorAll('#stats-workers tbody tr')].map(r => r.innerText).find(s => s.includes('刘洋')) || ''`)
	if !strings.Contains(row, "65") {
		t.Fatalf("the statistics do not show today's hour: %q", row)
	}
}

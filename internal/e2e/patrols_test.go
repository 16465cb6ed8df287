package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A grid worker on a phone patrols their grid: the home page says 今日尚未
// 巡查; they start, tick two buildings as they pass them, report a finding
// (the cases form, prefilled and linked back to the patrol) and end an hour
// later; the community's leader then sees the hour in the month's statistics.
func TestPhonePatrol(t *testing.T) {
	site := StartDemo(t, 120)
	b := Browser(t)
	Do(t, b, Phone(), Login(site.URL, "grid_worker", DemoPassword), WaitSel(`#todo`))
	if s := Text(t, b, `#todo`); !strings.Contains(s, "今日尚未巡查") {
		t.Fatalf("the home page's 待办 lacks today's patrol: %s", s)
	}
	Do(t, b, chromedp.Navigate(site.URL+"/patrols"), WaitSel(`#start-patrol`))
	fitsPhoneWidth(t, b, "/patrols")
	if n, small := smallTargets(t, b, `#start-patrol, #track-consent`); n != 2 || small != "" {
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
	if loc := Eval[string](t, b, `document.querySelector('#case-form input[name=location]').value`); loc == "" || !strings.Contains(first, loc) && !strings.Contains(loc, strings.TrimPrefix(first, "✓ ")) {
		t.Logf("location prefilled %q (first passed %q)", loc, first)
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

	// An hour on, the worker ends the patrol.
	site.App.Patrols.Now = func() time.Time { return time.Now().Add(65 * time.Minute) }
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

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"linli/internal/auth"
	"linli/internal/followups"
)

// A grid worker on a phone in a stairwell: the home page's 待办 leads to the
// overdue visits, each one tap from its page and the form; the visit is
// recorded with thumbs only, and every page fits a 390 px screen with tap
// targets of 44 px.
func TestPhoneFollowUpVisit(t *testing.T) {
	site := StartDemo(t, 120)
	ctx := context.Background()
	f := site.App.Followups
	res, err := site.App.Auth.Login(ctx, "grid_worker", DemoPassword, "e2e", "e2e", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	grid, ok := site.App.Org.Lookup(ctx, res.Principal.Scope.Grids[0])
	if !ok {
		t.Fatal("the grid worker's grid")
	}
	sys := auth.System("e2e")
	var elderly int64
	if err := site.App.DB.QueryRowContext(ctx, `SELECT id FROM reg_tag WHERE code = 'elderly'`).Scan(&elderly); err != nil {
		t.Fatal(err)
	}
	for _, r := range []followups.Rule{
		{OrgID: grid.CommunityID, Name: "老年人每周走访", Kind: followups.KindVisit, Subject: followups.SubjectTag, TagID: elderly, Every: 7, Unit: followups.UnitDay, Assign: followups.AssignGridWorker},
		{OrgID: grid.CommunityID, Name: "网格每周巡查", Kind: followups.KindInspection, Subject: followups.SubjectGrid, Every: 1, Unit: followups.UnitWeek, Assign: followups.AssignGridWorker},
	} {
		if _, err := f.CreateRule(ctx, sys, r); err != nil {
			t.Fatal(err)
		}
	}
	// Three weeks on: everything is overdue.
	f.Now = func() time.Time { return time.Now().AddDate(0, 0, 21) }

	b := Browser(t)
	Do(t, b, Phone(), Login(site.URL, "grid_worker", DemoPassword), WaitSel(`#todo-overdue`))
	if s := Text(t, b, `#todo-overdue`); !strings.Contains(s, "网格每周巡查") && !strings.Contains(s, "老年人每周走访") {
		t.Fatalf("the home page's 已超时 lacks the overdue follow-ups: %s", s)
	}
	Do(t, b, chromedp.Navigate(site.URL+"/followups"), WaitSel(`#duties a.fu-row`))
	fitsPhoneWidth(t, b, "/followups")
	if n, small := smallTargets(t, b, `#when-tabs a, #duties a.fu-row`); n < 4 || small != "" {
		t.Fatalf("due list: %d targets, too small: %s", n, small)
	}
	if s := Text(t, b, `#when-tabs a.active`); !strings.Contains(s, "已超期") {
		t.Fatalf("the due list opens on %q", s)
	}
	if s := Text(t, b, `#duties a.fu-row .fu-late`); !strings.HasPrefix(s, "超期 ") {
		t.Fatalf("the first overdue row says %q", s)
	}
	Do(t, b, chromedp.Click(Sel(`#duties a.fu-row`)), WaitSel(`#record-go`))
	fitsPhoneWidth(t, b, "a duty")
	if n, small := smallTargets(t, b, `#record-go`); n != 1 || small != "" {
		t.Fatalf("the duty's button: %d, too small: %s", n, small)
	}
	if w := Eval[float64](t, b, `document.querySelector('#record-go').getBoundingClientRect().width`); w < 340 {
		t.Fatalf("the duty's button is %v px wide, not the screen's width", w)
	}
	duty := Eval[string](t, b, `location.pathname`)
	Do(t, b, chromedp.Click(Sel(`#record-go`)), WaitSel(`#record-form`))
	fitsPhoneWidth(t, b, "the record form")
	if n, small := smallTargets(t, b, `#ways label, #record-form button[type=submit]`); n != 7 || small != "" {
		t.Fatalf("the record form: %d targets, too small: %s", n, small)
	}
	Do(t, b,
		chromedp.Click(Sel(`#ways label:nth-child(2)`)), // 电话
		chromedp.SendKeys(Sel(`#record-form textarea[name=note]`), "电话问候，一切正常"),
		chromedp.Click(Sel(`#record-form button[type=submit]`)),
		WaitSel(`.flash`),
	)
	if s := Text(t, b, `.flash`); s != "已记录走访" {
		t.Fatalf("after saving: %q", s)
	}
	Do(t, b, chromedp.Navigate(site.URL+duty), WaitSel(`#records li`))
	if s := Text(t, b, `#records li`); !strings.Contains(s, "电话") || !strings.Contains(s, "电话问候，一切正常") {
		t.Fatalf("the duty's record: %q", s)
	}
}

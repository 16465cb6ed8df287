package e2e

import (
	"context"
	"strconv"
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
	// A visit when the overdue page holds one (the demo's gaps are also
	// inspections, whose checklist is answered below).
	Eval[bool](t, b, `((document.querySelector('#duties a.fu-row[data-kind=visit]') || document.querySelector('#duties a.fu-row')).click(), true)`)
	Do(t, b, WaitSel(`#record-go`))
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
	if Eval[bool](t, b, `!!document.getElementById('checklist')`) {
		Eval[bool](t, b, `(document.querySelectorAll('#checklist label.fu-pass').forEach(l => l.click()), true)`)
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

// An inspection on a phone: each checklist item a big pass / fail toggle,
// one fail with its note; the record's page turns the fail into a hazard
// case with one tap more (prefilled), and lists the case.
func TestPhoneInspectionFailToCase(t *testing.T) {
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
	rule, err := f.CreateRule(ctx, auth.System("e2e"), followups.Rule{OrgID: grid.CommunityID, Name: "网格消防检查", Kind: followups.KindInspection,
		Subject: followups.SubjectGrid, Every: 1, Unit: followups.UnitWeek, Assign: followups.AssignGridWorker, Checklist: []string{"消防通道畅通", "灭火器在有效期"}})
	if err != nil {
		t.Fatal(err)
	}
	var duty int64
	if err := site.App.DB.QueryRowContext(ctx, `SELECT id FROM fu_duty WHERE rule_id = ? AND subject_id = ?`, rule, grid.ID).Scan(&duty); err != nil {
		t.Fatal(err)
	}
	b := Browser(t)
	Do(t, b, Phone(), Login(site.URL, "grid_worker", DemoPassword), chromedp.Navigate(site.URL+"/followups/duties/"+strconv.FormatInt(duty, 10)+"/record"), WaitSel(`#checklist`))
	fitsPhoneWidth(t, b, "the inspection form")
	if n, small := smallTargets(t, b, `#checklist .fu-toggle label`); n != 6 || small != "" {
		t.Fatalf("the checklist's toggles: %d, too small: %s", n, small)
	}
	Do(t, b,
		chromedp.Click(Sel(`#ways label:nth-child(6)`)), // 现场
		chromedp.Click(Sel(`#item-1 label.fu-pass`)),
		chromedp.Click(Sel(`#item-2 label.fu-fail`)),
		chromedp.SendKeys(Sel(`#item-2 input[name=item_note_2]`), "二楼灭火器过期"),
		chromedp.Click(Sel(`#record-form button.primary`)),
		WaitSel(`.flash`),
		chromedp.Navigate(site.URL+"/followups/duties/"+strconv.FormatInt(duty, 10)),
		WaitSel(`#records li a.tap`),
		chromedp.Click(Sel(`#records li a.tap`)),
		WaitSel(`#findings a.button`),
	)
	if s := Text(t, b, `#items`); !strings.Contains(s, "灭火器在有效期") || !strings.Contains(s, "不合格") || !strings.Contains(s, "二楼灭火器过期") {
		t.Fatalf("the record's checklist: %q", s)
	}
	Do(t, b, chromedp.Click(Sel(`#findings a.button`)), WaitSel(`#case-form`))
	if v := Eval[string](t, b, `document.querySelector('#case-form select[name=tc]').value`); !strings.HasPrefix(v, "hazard/") {
		t.Fatalf("the case form's type: %q", v)
	}
	Do(t, b, chromedp.Click(Sel(`#case-form button.primary`)), WaitSel(`#cases li a`))
	if s := Text(t, b, `#cases li`); !strings.Contains(s, "灭火器在有效期") {
		t.Fatalf("the record's cases: %q", s)
	}
}

package reports_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/cases"
	"linli/internal/goals"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/reports"
)

func fieldErr(err error, field string) bool {
	var errs *i18n.Errors
	return errors.As(err, &errs) && errs.For(field) != ""
}

// setup defines an entered ratio indicator with this month's figures (1 of 2
// in community 1, 90 of 100 in community 2) and a monthly form of it, the
// cases received and two typed fields.
func setup(t *testing.T, w *apptest.World) (form int64, code, month string) {
	t.Helper()
	ctx := context.Background()
	street := w.Principal(t, "street_admin")
	g := w.App.Goals
	ind, err := g.Define(ctx, street, goals.IndicatorInput{StreetID: w.Street, Name: "测试宣传覆盖率", Definition: "口径", Kind: "ratio", Direction: "higher"})
	if err != nil {
		t.Fatal(err)
	}
	code = fmt.Sprintf("entered.%d", ind)
	month = time.Now().In(locale.Zone).Format("2006-01")
	for _, e := range []struct {
		c       int64
		n, d, v string
	}{{w.C1, "1", "2", "50"}, {w.C2, "90", "100", "90"}} {
		if _, err := g.Enter(ctx, street, goals.EntryInput{OrgID: e.c, Code: code, Month: month, Numerator: e.n, Denominator: e.d, Value: e.v, Evidence: "凭证"}); err != nil {
			t.Fatal(err)
		}
	}
	// A refused form saves nothing and names its fields.
	if _, err := w.App.Reports.SaveForm(ctx, street, 0, reports.FormInput{StreetID: w.Street, Name: "", Period: "weekly", DueDay: "40", Fields: "坏|行|颜色"}); !fieldErr(err, "name") ||
		!fieldErr(err, "period") || !fieldErr(err, "due_day") || !fieldErr(err, "fields") {
		t.Fatalf("a bad form: %v", err)
	}
	leader := w.Principal(t, "community_admin")
	if _, err := w.App.Reports.SaveForm(ctx, leader, 0, reports.FormInput{StreetID: w.Street, Name: "社区表", Period: reports.Monthly, DueDay: "5", Indicators: []string{code}}); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("a community defines a form: %v", err)
	}
	form, err = w.App.Reports.SaveForm(ctx, street, 0, reports.FormInput{StreetID: w.Street, Name: "社区工作月报", Period: reports.Monthly, DueDay: "5",
		Indicators: []string{"cases.received", code}, Fields: "开展宣传活动|场|数字\n工作亮点||文字", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return form, code, month
}

// A monthly report fills itself, is submitted, returned with a comment,
// corrected and approved; a later case moves the live figure but not the
// approved snapshot. A community neither sees another's report nor approves
// its own.
func TestReportFlow(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Reports
		street := w.Principal(t, "street_admin")
		leader := w.Principal(t, "community_admin")
		other := w.Principal(t, "community_admin_c2")
		form, code, month := setup(t, w)

		if _, err := s.Open(ctx, leader, form, w.C2, month); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("community 1 opens community 2's report: %v", err)
		}
		next := time.Now().In(locale.Zone).AddDate(0, 1, 0).Format("2006-01")
		if _, err := s.Open(ctx, leader, form, w.C1, next); !fieldErr(err, "period") {
			t.Fatalf("a future period: %v", err)
		}
		id, err := s.Open(ctx, leader, form, w.C1, month)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := s.Open(ctx, leader, form, w.C1, month); err != nil || again != id {
			t.Fatalf("opened twice: %d, %d (%v)", id, again, err)
		}
		r, err := s.Get(ctx, leader, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != reports.Draft || !r.Live || !r.CanEdit || r.CanReview {
			t.Fatalf("the draft: %+v", r)
		}
		received := r.Figures["cases.received"]
		if !received.Has || received.Num < 1 {
			t.Fatalf("the cases received this month fill themselves: %+v", received)
		}
		if f := r.Figures[code]; f.Num != 1 || f.Den != 2 || f.Text() != "50.0%（1/2）" {
			t.Fatalf("the entered ratio: %+v %q", f, f.Text())
		}

		// Community 2's leader neither reads nor approves it.
		if _, err := s.Get(ctx, other, id); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("community 2 reads community 1's report: %v", err)
		}
		if list, err := s.List(ctx, other, reports.Filter{}); err != nil || len(list) != 0 {
			t.Fatalf("community 2 lists %d reports (%v)", len(list), err)
		}

		if err := s.Save(ctx, leader, id, reports.SaveInput{Values: map[string]string{"field.1": "三"}}); !fieldErr(err, "field.1") {
			t.Fatalf("a word for a number: %v", err)
		}
		if err := s.Save(ctx, leader, id, reports.SaveInput{Values: map[string]string{"field.1": "3", "field.2": "垃圾分类入户宣传"}, Remarks: "首次填报"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Submit(ctx, leader, id); err != nil {
			t.Fatal(err)
		}
		if err := s.Approve(ctx, leader, id, ""); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("a community approves its own report: %v", err)
		}
		if err := s.Save(ctx, leader, id, reports.SaveInput{Remarks: "改"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("a submitted report edited: %v", err)
		}
		if err := s.Return(ctx, street, id, " "); !fieldErr(err, "comment") {
			t.Fatalf("a return without a comment: %v", err)
		}
		if err := s.Return(ctx, street, id, "宣传场次与台账不符"); err != nil {
			t.Fatal(err)
		}
		r, _ = s.Get(ctx, leader, id)
		if r.State != reports.Returned || r.ReturnComment != "宣传场次与台账不符" || !r.CanEdit {
			t.Fatalf("returned: %+v", r)
		}
		if err := s.Save(ctx, leader, id, reports.SaveInput{Values: map[string]string{"field.1": "4", "field.2": "垃圾分类入户宣传"}, Remarks: "已按台账更正"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Submit(ctx, leader, id); err != nil {
			t.Fatal(err)
		}
		if err := s.Approve(ctx, street, id, "同意"); err != nil {
			t.Fatal(err)
		}
		if err := s.Approve(ctx, street, id, ""); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("approved twice: %v", err)
		}
		r, err = s.Get(ctx, leader, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != reports.Approved || r.Live || r.ApprovedByName == "" || r.ComputedAt == 0 || r.Entered["field.1"] != "4" {
			t.Fatalf("approved: %+v", r)
		}
		frozen := r.Figures["cases.received"]
		if frozen != received {
			t.Fatalf("the snapshot %+v, the figure before %+v", frozen, received)
		}
		var events int
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM report_event WHERE report_id = ?`, id).Scan(&events); err != nil || events != 5 {
			t.Fatalf("%d history entries (%v), want open, submit, return, submit, approve", events, err)
		}

		// A case received after the approval: the live figure moves, the
		// approved report does not.
		if _, err := w.App.Cases.Create(ctx, auth.System("test"), cases.CreateInput{Type: "request", Category: "noise", Title: "审核后的诉求", Source: "phone",
			GridID: w.GridA, ReporterName: "某", ReporterPhone: "13800138001"}); err != nil {
			t.Fatal(err)
		}
		w.App.Goals.Now = func() time.Time { return time.Now().Add(2 * time.Minute) } // past the board's minute of caching
		y, ms, _ := reports.ParsePeriod(reports.Monthly, month)
		_, live, err := w.App.Goals.PeriodValues(ctx, street, w.C1, y, ms)
		if err != nil {
			t.Fatal(err)
		}
		if live["cases.received"].Num != received.Num+1 {
			t.Fatalf("the live figure %v, want %v", live["cases.received"].Num, received.Num+1)
		}
		r, _ = s.Get(ctx, street, id)
		if r.Figures["cases.received"] != frozen {
			t.Fatalf("the approved report moved: %+v, was %+v", r.Figures["cases.received"], frozen)
		}
	})
}

// The street's report is the ratio of the sums of its communities' approved
// snapshots (91 of 102, not the 70 % of the average), entered numbers added
// up, and names the communities not yet approved.
func TestStreetAggregate(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Reports
		street := w.Principal(t, "street_admin")
		form, code, month := setup(t, w)
		for i, c := range []struct {
			user string
			comm int64
		}{{"community_admin", w.C1}, {"community_admin_c2", w.C2}} {
			p := w.Principal(t, c.user)
			id, err := s.Open(ctx, p, form, c.comm, month)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Save(ctx, p, id, reports.SaveInput{Values: map[string]string{"field.1": fmt.Sprint(i + 2)}}); err != nil {
				t.Fatal(err)
			}
			if err := s.Submit(ctx, p, id); err != nil {
				t.Fatal(err)
			}
			a, err := s.Aggregate(ctx, street, form, month)
			if err != nil {
				t.Fatal(err)
			}
			if a.Approved != i || len(a.Lines) != 2 {
				t.Fatalf("before approval %d: %d approved, %d lines", i, a.Approved, len(a.Lines))
			}
			if err := s.Approve(ctx, street, id, ""); err != nil {
				t.Fatal(err)
			}
		}
		a, err := s.Aggregate(ctx, street, form, month)
		if err != nil {
			t.Fatal(err)
		}
		f := a.Figures[code]
		if v, ok := f.Value(); !ok || math.Abs(v-91.0/102.0) > 1e-12 || f.Text() != "89.2%（91/102）" {
			t.Fatalf("the street's ratio %+v %q, want 91/102", f, f.Text())
		}
		if a.Numbers["field.1"] != 5 {
			t.Fatalf("entered numbers summed: %v", a.Numbers["field.1"])
		}
		if _, err := s.Aggregate(ctx, w.Principal(t, "community_admin"), form, month); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("a community reads the street's report: %v", err)
		}
	})
}

func TestPeriods(t *testing.T) {
	for _, c := range []struct{ kind, period, prev, due string }{
		{reports.Monthly, "2026-11", "2026-10", "2026-12-05"},
		{reports.Monthly, "2026-12", "2026-11", "2027-01-05"},
		{reports.Quarterly, "2026-Q1", "2025-Q4", "2026-04-05"},
		{reports.Annual, "2026", "2025", "2027-01-05"},
	} {
		if p := reports.PrevPeriod(c.kind, c.period); p != c.prev {
			t.Errorf("before %s: %s, want %s", c.period, p, c.prev)
		}
		if d := reports.DueDate(c.kind, c.period, 5); d != c.due {
			t.Errorf("%s due %s, want %s", c.period, d, c.due)
		}
	}
	for _, bad := range []string{"2026-13", "2026-Q5", "26"} {
		for _, k := range reports.PeriodKinds {
			if _, _, ok := reports.ParsePeriod(k, bad); ok {
				t.Errorf("%s %q parsed", k, bad)
			}
		}
	}
}

// 待办: the community's drafts and returned reports by due date, the
// street's submitted ones to review; the street is not handed the drafts.
func TestTodos(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Reports
		leader := w.Principal(t, "community_admin")
		street := w.Principal(t, "street_admin")
		form, _, month := setup(t, w)
		old := reports.PrevPeriod(reports.Monthly, reports.PrevPeriod(reports.Monthly, month))
		late, err := s.Open(ctx, leader, form, w.C1, old)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, leader, form, w.C1, month); err != nil {
			t.Fatal(err)
		}
		groups, err := s.Todos(ctx, leader, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 2 || groups[0].Urgency != 0 || groups[0].Total != 1 || groups[0].Items[0].Href != fmt.Sprintf("/reports/%d", late) || groups[1].Total != 1 {
			t.Fatalf("the leader's 待办: %+v", groups)
		}
		if g, err := s.Todos(ctx, street, 5); err != nil || len(g) != 0 {
			t.Fatalf("the street is handed drafts: %+v (%v)", g, err)
		}
		if err := s.Submit(ctx, leader, late); err != nil {
			t.Fatal(err)
		}
		if g, err := s.Todos(ctx, street, 5); err != nil || len(g) != 1 || g[0].Total != 1 || g[0].Items[0].Href != fmt.Sprintf("/reports/%d", late) {
			t.Fatalf("the street's review: %+v (%v)", g, err)
		}
		if g, _ := s.Todos(ctx, w.Principal(t, "community_admin_c2"), 5); len(g) != 0 {
			t.Fatalf("community 2 is handed community 1's reports: %+v", g)
		}
	})
}

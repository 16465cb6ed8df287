package workplans_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/goals"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/workplans"
)

func fieldErr(err error, field string) bool {
	var errs *i18n.Errors
	return errors.As(err, &errs) && errs.For(field) != ""
}

// The summary's draft quotes every figure the board has for the same unit
// and year, each exactly as the board shows it; a later change of the data
// leaves the saved draft alone until it is regenerated, and regenerating an
// edited draft needs a confirmation and keeps the edited text as the prior.
func TestSummaryNumbersEqualTheBoard(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Workplans
		leader := w.Principal(t, "community_admin")
		year := s.ThisYear()
		id, err := s.Summarize(ctx, leader, w.C1, year, false)
		if err != nil {
			t.Fatal(err)
		}
		board, err := w.App.Goals.Board(ctx, leader, w.C1, year)
		if err != nil {
			t.Fatal(err)
		}
		pl, err := s.Get(ctx, leader, id)
		if err != nil {
			t.Fatal(err)
		}
		text := pl.Sections[0].Text
		quoted := map[string]workplans.Figure{}
		for _, f := range pl.Figures {
			quoted[f.Code] = f
		}
		n := 0
		for _, r := range board.Rows {
			if !r.HasActual {
				if _, ok := quoted[r.Code]; ok {
					t.Errorf("%s has no figure on the board but is quoted", r.Code)
				}
				continue
			}
			n++
			f, ok := quoted[r.Code]
			if !ok || f.Text != r.ActualText() {
				t.Errorf("%s: the draft quotes %q, the board shows %q", r.Code, f.Text, r.ActualText())
			}
			if !strings.Contains(text, " "+r.ActualText()) {
				t.Errorf("the draft's text lacks %s's %q:\n%s", r.Code, r.ActualText(), text)
			}
			if f.Href != fmt.Sprintf("/goals?org=%d&year=%d", w.C1, year) {
				t.Errorf("%s links to %q", r.Code, f.Href)
			}
		}
		if n < 3 || len(pl.Figures) != n {
			t.Fatalf("the board has %d figures, the draft quotes %d", n, len(pl.Figures))
		}
		if !strings.Contains(text, "受理诉求 "+quoted["cases.received"].Text+" 件") {
			t.Errorf("no sentence of cases received:\n%s", text)
		}
		// Each quoted figure is a link in the page's text.
		rest, links := pl.Figures, 0
		for _, para := range strings.Split(text, "\n") {
			var html any
			html, rest = workplans.Linked(para, rest)
			links += strings.Count(fmt.Sprint(html), `class="wp-figure"`)
		}
		if len(rest) != 0 || links != len(pl.Figures) {
			t.Errorf("%d of %d figures linked; not found: %+v", links, len(pl.Figures), rest)
		}

		// The data changes: the entered indicator's latest month.
		code := ""
		for _, r := range board.Rows {
			if r.Entered {
				code = r.Code
			}
		}
		before := quoted[code].Text
		if _, err := w.App.Goals.Enter(ctx, leader, goals.EntryInput{OrgID: w.C1, Code: code, Month: fmt.Sprintf("%d-11", year), Numerator: "1", Denominator: "4", Value: "25",
			Evidence: "十一月名单"}); err != nil {
			t.Fatal(err)
		}
		again, err := s.Get(ctx, leader, id)
		if err != nil {
			t.Fatal(err)
		}
		if again.Sections[0].Text != text {
			t.Fatalf("the saved draft changed with the data:\n%s", again.Sections[0].Text)
		}
		// Staff edit it; regenerating now asks for a confirmation.
		edited := append([]workplans.Section{{Heading: again.Sections[0].Heading, Text: text + "\n社区补充的一段话。"}}, again.Sections[1:]...)
		if err := s.Update(ctx, leader, id, workplans.UpdateInput{Title: again.Title, State: "draft", Sections: edited}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Summarize(ctx, leader, w.C1, year, false); !errors.Is(err, workplans.ErrConfirm) {
			t.Fatalf("regenerating an edited draft without confirmation: %v", err)
		}
		kept, _ := s.Get(ctx, leader, id)
		if !strings.Contains(kept.Sections[0].Text, "社区补充的一段话") {
			t.Fatal("the edited text was overwritten")
		}
		if _, err := s.Summarize(ctx, leader, w.C1, year, true); err != nil {
			t.Fatal(err)
		}
		re, _ := s.Get(ctx, leader, id)
		if len(re.Prior) == 0 || !strings.Contains(re.Prior[0].Text, "社区补充的一段话") {
			t.Fatalf("the edited draft is not kept as the prior: %+v", re.Prior)
		}
		var now string
		for _, f := range re.Figures {
			if f.Code == code {
				now = f.Text
			}
		}
		if now != "25.0%" || now == before || !strings.Contains(re.Sections[0].Text, " 25.0%") {
			t.Fatalf("the regenerated draft quotes %q (was %q):\n%s", now, before, re.Sections[0].Text)
		}
	})
}

// A community writes its own plan; the street reads it but does not write
// it; another community does not see it. The street writes its own.
func TestPlanScopeTasksAndMonth(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Workplans
		leader, other, street := w.Principal(t, "community_admin"), w.Principal(t, "community_admin_c2"), w.Principal(t, "street_admin")
		year := s.ThisYear() + 1
		id, err := s.Create(ctx, leader, workplans.CreateInput{OrgID: w.C1, Year: year, DocNumber: "甲社发〔2027〕1号"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(ctx, leader, workplans.CreateInput{OrgID: w.C1, Year: year}); !fieldErr(err, "year") {
			t.Fatalf("a second annual plan: %v", err)
		}
		if _, err := s.Create(ctx, street, workplans.CreateInput{OrgID: w.C1, Year: year + 1}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("the street creating a community's plan: %v", err)
		}
		if _, err := s.Create(ctx, street, workplans.CreateInput{OrgID: w.Street, Year: year}); err != nil {
			t.Fatalf("the street's own plan: %v", err)
		}
		if _, err := s.Get(ctx, other, id); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("another community reads the plan: %v", err)
		}
		pl, err := s.Get(ctx, street, id)
		if err != nil || pl.CanEdit {
			t.Fatalf("the street reads the plan: %v, may edit %v", err, pl != nil && pl.CanEdit)
		}
		if err := s.Update(ctx, street, id, workplans.UpdateInput{Title: "街道改的", State: "draft"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("the street edits a community's plan: %v", err)
		}
		if len(pl.Sections) != 5 || pl.Sections[0].Heading != "一、指导思想" {
			t.Fatalf("default sections: %+v", pl.Sections)
		}
		list, err := s.List(ctx, street, mustUnit(t, s, street, w.Street), year)
		if err != nil || len(list) != 2 {
			t.Fatalf("the street's list: %d, %v", len(list), err)
		}
		if l, _ := s.List(ctx, other, mustUnit(t, s, other, w.C2), year); len(l) != 0 {
			t.Fatalf("community 2 lists %d plans", len(l))
		}
		// Tasks; a bad date is refused by field; the month's plan takes those due that month.
		if _, err := s.AddTask(ctx, leader, id, workplans.TaskInput{Department: "党建办", Content: "x", Deadline: "明天"}); !fieldErr(err, "deadline") {
			t.Fatalf("a bad deadline: %v", err)
		}
		for _, tk := range []workplans.TaskInput{
			{Department: "党建办", Content: "组织主题党日", Owner: "张三", Deadline: fmt.Sprintf("%d-03-15", year)},
			{Department: "民政", Content: "高龄津贴复核", Owner: "李四", Deadline: fmt.Sprintf("%d-03-31", year), Status: "doing"},
			{Department: "综治", Content: "消防演练", Owner: "王五", Deadline: fmt.Sprintf("%d-06-30", year)},
		} {
			if _, err := s.AddTask(ctx, leader, id, tk); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Update(ctx, leader, id, workplans.UpdateInput{Title: pl.Title, State: "draft", Sections: pl.Sections, Group: "组长，赵书记，甲社区党委\n组员 钱主任 街道民政科"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(ctx, leader, id, workplans.UpdateInput{Title: pl.Title, State: "draft", Group: "只有一个词"}); !fieldErr(err, "group") {
			t.Fatalf("a bad group line: %v", err)
		}
		mid, err := s.DeriveMonth(ctx, leader, id, 3, "学雷锋志愿服务月")
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.Get(ctx, leader, mid)
		if err != nil || len(m.Tasks) != 2 || m.Theme != "学雷锋志愿服务月" || m.Kind != workplans.KindMonthly {
			t.Fatalf("the month's plan: %+v, %v", m, err)
		}
		if _, err := s.DeriveMonth(ctx, leader, id, 3, "again"); !fieldErr(err, "month") {
			t.Fatalf("March twice: %v", err)
		}
		annual, _ := s.Get(ctx, leader, id)
		if len(annual.Group) != 2 || annual.Group[1].Unit != "街道民政科" {
			t.Fatalf("leading group: %+v", annual.Group)
		}
		if err := s.UpdateTask(ctx, leader, annual.Tasks[0].ID, workplans.TaskInput{Department: annual.Tasks[0].Department, Content: annual.Tasks[0].Content, Status: "done"}); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateTask(ctx, other, annual.Tasks[0].ID, workplans.TaskInput{Department: "x", Content: "y"}); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("another community edits a task: %v", err)
		}
		data, err := annual.Docx("测试")
		if err != nil || len(data) < 1000 {
			t.Fatalf("docx: %d bytes, %v", len(data), err)
		}
	})
}

func mustUnit(t *testing.T, s *workplans.Service, p *auth.Principal, id int64) *org.Unit {
	t.Helper()
	u, err := s.Unit(context.Background(), p, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

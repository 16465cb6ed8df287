package demo_test

import (
	"testing"

	"linli/internal/auth"
)

// The demo street and its first community have the year's plan with its
// tasks, this month's plan and a summary whose figures are the board's.
func demoWorkplansCheck(t *testing.T, w *demoWorld) {
	count := w.counter(t)
	if n := count(`SELECT COUNT(*) FROM work_plan`); n != 6 {
		t.Fatalf("%d documents, want 2 × (annual, monthly, summary)", n)
	}
	if n := count(`SELECT COUNT(*) FROM work_task t JOIN work_plan p ON p.community_id = t.community_id AND p.id = t.plan_id WHERE p.kind = 'annual'`); n != 10 {
		t.Fatalf("%d annual tasks", n)
	}
	sys := auth.System("test")
	s := w.a.Workplans
	year := s.ThisYear()
	for _, unit := range []int64{w.res.StreetID, w.res.Communities[0]} {
		u, err := s.Unit(w.ctx, sys, unit)
		if err != nil {
			t.Fatal(err)
		}
		plans, err := s.List(w.ctx, sys, u, year)
		if err != nil {
			t.Fatal(err)
		}
		b, err := w.a.Goals.Board(w.ctx, sys, unit, year)
		if err != nil {
			t.Fatal(err)
		}
		shown := map[string]string{}
		for _, r := range b.Rows {
			if r.HasActual {
				shown[r.Code] = r.ActualText()
			}
		}
		for _, pl := range plans {
			if pl.UnitID != unit || string(pl.Kind) != "summary" {
				continue
			}
			if len(pl.Figures) != len(shown) || len(pl.Figures) < 5 {
				t.Fatalf("unit %d: the summary quotes %d figures, the board has %d", unit, len(pl.Figures), len(shown))
			}
			for _, f := range pl.Figures {
				if shown[f.Code] != f.Text {
					t.Errorf("unit %d %s: summary %q, board %q", unit, f.Code, f.Text, shown[f.Code])
				}
			}
		}
	}
}

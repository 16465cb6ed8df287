package demo_test

import (
	"testing"

	"linli/internal/auth"
	"linli/internal/goals"
)

// The demo street's communities have the year's targets, the board of the
// street shows every community's figures with lights, and the entered
// 医保参保率 is the ratio of the communities' sums.
func demoGoals(t *testing.T, w *demoWorld) {
	ctx, a, d := w.ctx, w.a, w.d
	res := w.res
	sys := auth.System("test")
	year := a.Goals.ThisYear()
	for _, c := range res.Communities {
		b, err := a.Goals.Board(ctx, sys, c, year)
		if err != nil {
			t.Fatal(err)
		}
		lit := 0
		for _, r := range b.Rows {
			if r.Light != goals.LightNone {
				lit++
			}
		}
		if lit < 5 {
			t.Fatalf("community %d: %d indicators with a light", c, lit)
		}
	}
	var num, den float64
	if err := d.QueryRowContext(ctx, `SELECT SUM(numerator), SUM(denominator) FROM goal_entry e WHERE e.denominator > 0 AND e.month = (
			SELECT MAX(month) FROM goal_entry x WHERE x.community_id = e.community_id AND x.code = e.code)`).Scan(&num, &den); err != nil {
		t.Fatal(err)
	}
	b, err := a.Goals.Board(ctx, sys, res.StreetID, year)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range b.Rows {
		if r.Entered && r.Ratio() {
			found = true
			if !r.HasActual || r.Actual != num/den {
				t.Fatalf("street 医保参保率 %v, want %v", r.Actual, num/den)
			}
		}
	}
	if !found {
		t.Fatal("no entered ratio on the street's board")
	}
}

package demo_test

import (
	"context"
	"testing"

	"linli/internal/app"
	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/dbtest"
	"linli/internal/demo"
	"linli/internal/goals"
)

// The demo street's communities have the year's targets, the board of the
// street shows every community's figures with lights, and the entered
// 医保参保率 is the ratio of the communities' sums.
func TestDemoGoals(t *testing.T) {
	dbtest.Run(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.NewApp(d)
		res, err := demo.Setup(ctx, a, demo.Options{Password: "Demo-Pass-2026", Residents: 300, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
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
	})
}

package demo_test

import (
	"context"
	"testing"

	"linli/internal/app"
	"linli/internal/apptest"
	"linli/internal/db"
	"linli/internal/dbtest"
	"linli/internal/demo"
)

// demoWorld is one demo street, made once per engine and read by each
// module's check: making it is most of a check's cost.
type demoWorld struct {
	ctx context.Context
	a   *app.App
	d   *db.DB
	res *demo.Result
}

// counter runs a COUNT query on the demo.
func (w *demoWorld) counter(t *testing.T) func(q string) int {
	return func(q string) int {
		t.Helper()
		var n int
		if err := w.d.QueryRowContext(w.ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
}

// The demo street of 300 residents holds what each module's pages show;
// the checks only read it.
func TestDemoModules(t *testing.T) {
	dbtest.Run(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.NewApp(d)
		res, err := demo.Setup(ctx, a, demo.Options{Password: "Demo-Pass-2026", Residents: 300, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		w := &demoWorld{ctx: ctx, a: a, d: d, res: res}
		t.Run("activities", func(t *testing.T) { demoActivities(t, w) })
		t.Run("venues", func(t *testing.T) { demoVenues(t, w) })
		t.Run("volunteers", func(t *testing.T) { demoVolunteers(t, w) })
		t.Run("goals", func(t *testing.T) { demoGoals(t, w) })
		t.Run("reports", func(t *testing.T) { demoReports(t, w) })
		t.Run("campaigns", func(t *testing.T) { demoCampaigns(t, w) })
		t.Run("workplans", func(t *testing.T) { demoWorkplansCheck(t, w) })
	})
}

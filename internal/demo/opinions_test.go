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
	"linli/internal/opinions"
)

// The demo street has three months of opinions from visits, meetings and the
// portal: some answered, some turned into cases (linked), some open, some of
// them waiting long enough for the home page; each month's digest counts them.
func TestDemoOpinions(t *testing.T) {
	dbtest.Run(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.NewApp(d)
		if _, err := demo.Setup(ctx, a, demo.Options{Password: "Demo-Pass-2026", Residents: 600, Seed: 5}); err != nil {
			t.Fatal(err)
		}
		sys := auth.System("test")
		bySource := map[string]int{}
		byStatus := map[string]int{}
		list, total, err := a.Opinions.List(ctx, sys, opinions.Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range list {
			bySource[o.Source]++
			byStatus[o.Status]++
		}
		if total < 100 || bySource["visit"] == 0 || bySource["meeting"] == 0 || bySource["portal"] == 0 ||
			byStatus["open"] == 0 || byStatus["answered"] == 0 || byStatus["case"] == 0 {
			t.Fatalf("%d opinions, by source %v, by status %v", total, bySource, byStatus)
		}
		var linked int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM op_opinion o JOIN case_link l ON l.community_id = o.community_id AND l.kind = 'opinion' AND l.ref_id = o.id
			WHERE o.status = 'case'`).Scan(&linked); err != nil || linked != byStatus["case"] {
			t.Fatalf("%d of %d cases linked (%v)", linked, byStatus["case"], err)
		}
		months := map[string]bool{}
		for _, o := range list {
			months[o.RaisedOn[:7]] = true
		}
		if len(months) != 3 {
			t.Fatalf("opinions of %d months, want 3: %v", len(months), months)
		}
		dg, err := a.Opinions.Digest(ctx, sys, "", 0)
		if err != nil || len(dg.Units) != 3 {
			t.Fatalf("this month's digest: %+v %v", dg, err)
		}
		if _, n, err := a.Opinions.Unanswered(ctx, sys, 5); err != nil || n == 0 {
			t.Fatalf("no opinion waits long: %d %v", n, err)
		}
	})
}

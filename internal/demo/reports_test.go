package demo_test

import (
	"testing"
	"time"

	"linli/internal/auth"
	"linli/internal/locale"
	"linli/internal/reports"
)

// The demo street's monthly form has reports in every state: approved
// months with their snapshot, one returned, the current month in draft; the
// street's report of an approved month adds up every community.
func demoReports(t *testing.T, w *demoWorld) {
	ctx, a := w.ctx, w.a
	sys := auth.System("test")
	list, err := a.Reports.List(ctx, sys, reports.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, r := range list {
		states[r.State]++
	}
	n := len(w.res.Communities)
	if states[reports.Approved] != 3*n || states[reports.Returned] != 1 || states[reports.Submitted] != n-1 || states[reports.Draft] != n {
		t.Fatalf("reports by state: %v (%d communities)", states, n)
	}
	cur := reports.CurrentPeriod(reports.Monthly, time.Now().In(locale.Zone))
	old := reports.PrevPeriod(reports.Monthly, reports.PrevPeriod(reports.Monthly, cur))
	agg, err := a.Reports.Aggregate(ctx, sys, list[0].FormID, old)
	if err != nil {
		t.Fatal(err)
	}
	if agg.Approved != n || !agg.Figures["cases.received"].Has {
		t.Fatalf("the street's report of %s: %d approved, %+v", old, agg.Approved, agg.Figures["cases.received"])
	}
}

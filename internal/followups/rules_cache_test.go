package followups_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/followups"
	"linli/internal/locale"
)

// When the kept rules lapse while 32 due lists are opened at once, the rules
// are read once (not once per list, each on a connection of its own); after
// this server's own rule change no list uses the rules of before.
func TestRulesReadOncePerLapse(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		f := w.App.Followups
		gw := w.Principal(t, "grid_worker")
		var reads atomic.Int64
		w.DB.SetTrace(func(q string, _ []any) {
			if strings.Contains(q, "FROM fu_rule r ORDER BY r.id") {
				reads.Add(1)
			}
		})
		defer w.DB.SetTrace(nil)
		// 32 lists let go at once; each list's rule names.
		lists := func() []map[string]bool {
			var wg sync.WaitGroup
			start := make(chan struct{})
			names := make([]map[string]bool, 32)
			errs := make([]error, 32)
			for i := range names {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					dl, err := f.DueList(ctx, gw, followups.WhenWeek, 0, 50)
					errs[i] = err
					names[i] = map[string]bool{}
					if err == nil {
						for _, d := range dl.Duties {
							names[i][d.RuleName] = true
						}
					}
				}()
			}
			close(start)
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			return names
		}
		// The visit duty of grid A falls in the week's tab.
		visit := w.Objects["fu_duty"][apptest.InA]
		inWeek := func() {
			if _, err := w.DB.ExecContext(ctx, `UPDATE fu_duty SET due_on = ? WHERE id = ?`, time.Now().In(locale.Zone).AddDate(0, 0, 2).Format(time.DateOnly), visit); err != nil {
				t.Fatal(err)
			}
		}
		inWeek()
		lists() // the rules kept
		followups.LapseRules(f)
		reads.Store(0)
		lists()
		if n := reads.Load(); n != 1 {
			t.Fatalf("32 lists at a lapse read the rules %d times, want once", n)
		}

		du, _, err := f.GetDuty(ctx, gw, visit)
		if err != nil {
			t.Fatal(err)
		}
		sys := auth.System("test")
		rule, err := f.GetRule(ctx, sys, du.RuleID)
		if err != nil {
			t.Fatal(err)
		}
		old := rule.Name
		rule.Name = old + "（改）"
		if err := f.UpdateRule(ctx, sys, rule.ID, *rule); err != nil {
			t.Fatal(err)
		}
		inWeek() // the change recomputed its due date
		reads.Store(0)
		for i, names := range lists() {
			if names[old] || !names[rule.Name] {
				t.Fatalf("list %d after the rule's change lists rules %v, want %q", i, names, rule.Name)
			}
		}
		if n := reads.Load(); n > 1 {
			t.Fatalf("32 lists after a rule change read the rules %d times, want once at most", n)
		}
	})
}

package cases_test

import (
	"context"
	"sync"
	"testing"

	"linli/internal/apptest"
	"linli/internal/cases"
	"linli/internal/db"
)

// Two serve instances on one database — separate connection pools, as two
// processes have — sweep the same overdue cases at the same time, over and
// over: every reminder is sent once, every case escalates exactly once per
// level, and at the street it is recorded overdue exactly once.
func TestEscalationOnceAcrossInstances(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		d2, err := db.Open(ctx, w.DB.Location)
		if err != nil {
			t.Fatal(err)
		}
		defer d2.Close()
		other := apptest.NewApp(d2)
		sweepers := []*cases.Service{w.App.Cases, other.Cases}

		// Every fixture case becomes overdue and due for its reminder.
		past := db.Now() - 60_000
		if _, err := w.DB.ExecContext(ctx, `UPDATE cases SET due_at = ?, remind_at = ?, escalate_at = ?`, past, past-1000, past); err != nil {
			t.Fatal(err)
		}
		var n int
		mustNil(t, w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases`).Scan(&n))
		levels := map[int64]string{}
		rows, err := w.DB.QueryContext(ctx, `SELECT id, level FROM cases`)
		mustNil(t, err)
		for rows.Next() {
			var id int64
			var l string
			mustNil(t, rows.Scan(&id, &l))
			levels[id] = l
		}
		rows.Close()

		sweepAll := func(rounds int) (reminded, escalated int) {
			var mu sync.Mutex
			var wg sync.WaitGroup
			for i := 0; i < rounds; i++ {
				for _, s := range sweepers {
					wg.Add(1)
					go func(s *cases.Service) {
						defer wg.Done()
						r, e, err := s.Sweep(ctx)
						if err != nil {
							t.Error(err)
						}
						mu.Lock()
						reminded += r
						escalated += e
						mu.Unlock()
					}(s)
				}
			}
			wg.Wait()
			return
		}
		reminded, escalated := sweepAll(4)
		if reminded != n || escalated != n {
			t.Fatalf("%d cases: %d reminders, %d escalations by the two instances", n, reminded, escalated)
		}
		count := func(kind string) map[int64]int {
			out := map[int64]int{}
			rows, err := w.DB.QueryContext(ctx, `SELECT case_id, COUNT(*) FROM case_event WHERE kind = ? GROUP BY case_id`, kind)
			mustNil(t, err)
			defer rows.Close()
			for rows.Next() {
				var id int64
				var c int
				mustNil(t, rows.Scan(&id, &c))
				out[id] = c
			}
			return out
		}
		for id, c := range count("remind") {
			if c != 1 {
				t.Fatalf("case %d reminded %d times", id, c)
			}
		}
		esc := count("escalate")
		for id, l := range levels {
			want := cases.LevelCommunity
			if l == cases.LevelCommunity {
				want = cases.LevelStreet
			}
			var got string
			var times int
			mustNil(t, w.DB.QueryRowContext(ctx, `SELECT level, escalations FROM cases WHERE id = ?`, id).Scan(&got, &times))
			if got != want || times != 1 || esc[id] != 1 {
				t.Fatalf("case %d at %s: now %s after %d escalations and %d events", id, l, got, times, esc[id])
			}
		}
		// A restart changes nothing: the claims live in the rows.
		restarted := apptest.NewApp(w.DB)
		if r, e, err := restarted.Cases.Sweep(ctx); err != nil || r != 0 || e != 0 {
			t.Fatalf("after restart: %d %d %v", r, e, err)
		}

		// Time passes: the new level's limit runs out too, twice.
		for round := 0; round < 2; round++ {
			if _, err := w.DB.ExecContext(ctx, `UPDATE cases SET escalate_at = ? WHERE escalate_at IS NOT NULL`, db.Now()-1000); err != nil {
				t.Fatal(err)
			}
			sweepAll(3)
		}
		overdue := count("overdue")
		for id := range levels {
			var got string
			var times int
			var pending *int64
			mustNil(t, w.DB.QueryRowContext(ctx, `SELECT level, escalations, escalate_at FROM cases WHERE id = ?`, id).Scan(&got, &times, &pending))
			if got != cases.LevelStreet || overdue[id] != 1 || pending != nil {
				t.Fatalf("case %d: level %s, %d escalations, %d overdue notes, pending %v", id, got, times, overdue[id], pending)
			}
		}
		// Alerts went to the people of the level it reached, once per event.
		var alerts int
		mustNil(t, w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_alert WHERE user_id = ? AND kind = 'overdue'`, w.Users["street_admin"]).Scan(&alerts))
		if alerts != n {
			t.Fatalf("street administrator got %d overdue alerts for %d cases", alerts, n)
		}
	})
}

// A closed case is neither reminded nor escalated, and a new deadline re-arms
// the reminder.
func TestClosedCasesStayQuiet(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		leader := w.Principal(t, "community_admin")
		id := w.Objects["case"][apptest.InA]
		step(t, s, leader, id, cases.TransitionInput{Action: "reject", Note: "重复反映"})
		past := db.Now() - 1000
		if _, err := w.DB.ExecContext(ctx, `UPDATE cases SET due_at = ?, remind_at = ?, escalate_at = ? WHERE id = ?`, past, past, past, id); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		mustNil(t, w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_event WHERE case_id = ? AND kind IN ('remind', 'escalate')`, id).Scan(&n))
		if n != 0 {
			t.Fatalf("closed case swept: %d", n)
		}
	})
}

package registry_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/registry"
)

// List totals are cached for speed, but a write shows at once, and a filter on
// a grid outside the user's scope still finds nobody.
func TestListTotalsFollowWritesAndStayInScope(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		leader := w.Principal(t, "community_admin")
		total := func(f registry.Filter) int {
			t.Helper()
			f.AgeMin, f.AgeMax = -1, -1
			_, n, err := reg.ListPeople(ctx, leader, f)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := total(registry.Filter{GridID: w.GridA}); n != 2 {
			t.Fatalf("grid A holds 2 people, counted %d", n)
		}
		before := total(registry.Filter{})
		if _, err := reg.CreatePerson(ctx, leader, registry.PersonInput{Name: "新来者", IDNumber: apptest.RegistryID("110105", 1990, 7),
			DwellingID: w.Objects["dwelling"][apptest.InA], NewHousehold: true, Since: "2026-01-01"}); err != nil {
			t.Fatal(err)
		}
		if n := total(registry.Filter{GridID: w.GridA}); n != 3 {
			t.Fatalf("after a move-in grid A must count 3 at once, counted %d", n)
		}
		if n := total(registry.Filter{OrgID: w.GridA}); n != 3 {
			t.Fatalf("the same grid chosen as an org unit: %d", n)
		}
		if n := total(registry.Filter{}); n != before+1 {
			t.Fatalf("community total %d, want %d", n, before+1)
		}
		// The leader of community 1 asking for community 2's grid, and the grid
		// worker of A asking for grid B, learn nothing.
		if people, n, err := reg.ListPeople(ctx, leader, registry.Filter{GridID: w.GridD, AgeMin: -1, AgeMax: -1}); err != nil || n != 0 || len(people) != 0 {
			t.Fatalf("grid D seen from community 1: %d %v", n, err)
		}
		gw := w.Principal(t, "grid_worker")
		if people, n, err := reg.ListPeople(ctx, gw, registry.Filter{GridID: w.GridB, AgeMin: -1, AgeMax: -1}); err != nil || n != 0 || len(people) != 0 {
			t.Fatalf("grid B seen from grid A: %d %v", n, err)
		}
		if _, n, err := reg.ListPeople(ctx, gw, registry.Filter{GridID: w.GridA, AgeMin: -1, AgeMax: -1}); err != nil || n != 3 {
			t.Fatalf("grid A from its own worker: %d %v", n, err)
		}
	})
}

// An expired total is shown once more while one background count replaces
// it, and requests arriving together for a total nobody has share one count.
// (Changes made behind this process's back stand for another server's.)
func TestListTotalsExpireWithoutStampede(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		leader := w.Principal(t, "community_admin")
		total := func() int {
			t.Helper()
			_, n, err := reg.ListPeople(ctx, leader, registry.Filter{GridID: w.GridA, AgeMin: -1, AgeMax: -1})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		restore := registry.SetCountTimes(time.Hour, 2*time.Hour)
		// Twenty requests at once for a total not yet known: one count.
		before := registry.CountsRun()
		release := registry.HoldCounts()
		var wg sync.WaitGroup
		totals := make(chan int, 20)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, n, err := reg.ListPeople(ctx, leader, registry.Filter{GridID: w.GridA, AgeMin: -1, AgeMax: -1})
				if err != nil {
					t.Error(err)
				}
				totals <- n
			}()
		}
		time.Sleep(200 * time.Millisecond) // all twenty have asked
		release()
		wg.Wait()
		close(totals)
		for n := range totals {
			if n != 2 {
				t.Fatalf("total %d, want 2", n)
			}
		}
		if ran := registry.CountsRun() - before; ran != 1 {
			t.Fatalf("%d counts for 20 requests, want 1", ran)
		}
		restore()

		// Another server moves someone out of grid A.
		var id int64
		if err := w.DB.QueryRowContext(ctx, `SELECT id FROM reg_person WHERE grid_id = ? AND status = 'active' ORDER BY id LIMIT 1`, w.GridA).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := w.DB.ExecContext(ctx, `UPDATE reg_person SET status = 'moved_out' WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		// Fresh: the cached total. Expired: shown once more, then replaced.
		defer registry.SetCountTimes(time.Hour, 2*time.Hour)()
		if n := total(); n != 2 {
			t.Fatalf("fresh total %d, want the cached 2", n)
		}
		registry.SetCountTimes(0, time.Hour)
		if n := total(); n != 2 {
			t.Fatalf("expired total %d, want the cached 2 while it is recounted", n)
		}
		deadline := time.Now().Add(10 * time.Second)
		for total() != 1 {
			if time.Now().After(deadline) {
				t.Fatal("the expired total was never replaced")
			}
			time.Sleep(10 * time.Millisecond)
		}
		// Too old to show at all: counted before answering.
		if _, err := w.DB.ExecContext(ctx, `UPDATE reg_person SET status = 'active' WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		registry.SetCountTimes(0, 0)
		if n := total(); n != 2 {
			t.Fatalf("a total past its last showing must be counted anew: %d", n)
		}
	})
}

// The list page reads people briefly; its rows are those the whole people make.
func TestBriefListShowsWhatTheWholeOneShows(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		leader := w.Principal(t, "community_admin")
		now := time.Now()
		for _, f := range []registry.Filter{{AgeMin: -1, AgeMax: -1, Status: "all"}, {AgeMin: -1, AgeMax: -1, GridID: w.GridA, Sort: "age"}, {AgeMin: -1, AgeMax: -1, Q: "居民"}} {
			whole, n, err := w.App.Registry.ListPeople(ctx, leader, f)
			if err != nil || n == 0 {
				t.Fatalf("%+v: %d people, %v", f, n, err)
			}
			f.Brief = true
			brief, nb, err := w.App.Registry.ListPeople(ctx, leader, f)
			if err != nil || nb != n {
				t.Fatalf("brief %+v: %d people of %d, %v", f, nb, n, err)
			}
			if a, b := registry.PeopleRowsHTML(whole, now), registry.PeopleRowsHTML(brief, now); a != b {
				t.Fatalf("%+v: brief rows differ:\n%s\nwhole:\n%s", f, b, a)
			}
		}
	})
}

package registry_test

import (
	"context"
	"testing"

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

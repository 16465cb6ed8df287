package registry_test

import (
	"context"
	"errors"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
)

// The registry's Get decides what the viewer may do with the record: the grid
// worker writes the household of their grid but sees no full documents; a
// member who moved to a sibling grid is still listed on the household file
// (and as a tenant of the rental) but carries no access at all, and their own
// page is not found; the community's staff write and reveal everyone in it.
func TestGetDecidesRegistryAccess(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		r := w.App.Registry
		gw := w.Principal(t, "grid_worker")
		leader := w.Principal(t, "community_admin")
		hh, member := w.Objects["household"][apptest.InA], w.Objects["member"][apptest.InA]
		if err := r.MovePerson(ctx, auth.System("test"), member, w.Objects["dwelling"][apptest.InB], 0, "2025-06-01"); err != nil {
			t.Fatal(err)
		}

		h, err := r.GetHousehold(ctx, gw, hh)
		if err != nil {
			t.Fatal(err)
		}
		if !h.Access.Write || h.Access.Reveal {
			t.Fatalf("the grid worker's household: %+v", h.Access)
		}
		moved := false
		for _, m := range h.Members {
			if m.ID == member {
				moved = true
				if m.Access != (auth.Access{}) {
					t.Fatalf("a member in another grid carries access: %+v", m.Access)
				}
			} else if !m.Access.Write {
				t.Fatalf("a member in the grid cannot be written: %+v", m.Access)
			}
		}
		if !moved {
			t.Fatal("the member who moved is not on the household file")
		}
		if _, err := r.GetPerson(ctx, gw, member); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("the moved member's own page: %v", err)
		}
		rt, err := r.GetRental(ctx, gw, w.Objects["rental"][apptest.InA])
		if err != nil {
			t.Fatal(err)
		}
		if !rt.Access.Write || rt.Access.Reveal || len(rt.Tenants) != 1 || rt.Tenants[0].Access != (auth.Access{}) {
			t.Fatalf("the grid worker's rental: %+v, tenants %d", rt.Access, len(rt.Tenants))
		}

		p, err := r.GetPerson(ctx, leader, member)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Access.Write || !p.Access.Reveal {
			t.Fatalf("the community's staff on the member: %+v", p.Access)
		}
		if rt, err = r.GetRental(ctx, leader, w.Objects["rental"][apptest.InA]); err != nil || !rt.Access.Reveal {
			t.Fatalf("the community's staff on the landlord's phone: %+v %v", rt, err)
		}
	})
}

package app_test

import (
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/cases"
	"linli/internal/db"
	"linli/internal/registry"
)

// Query texts must not differ per user or scope: users and scopes are bound
// as arguments, so 10,000 distinct users with scopes of their own (grids,
// communities and org units of every shape a scope takes) listing their work
// and their residents leave the caches of prepared statements (SQLite) and
// rebound texts (PostgreSQL) as they were after the first hundred, a few
// dozen texts above what the fixtures left; and the lists still answer.
func TestQueryCachesStayBounded(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := t.Context()
		base := w.Principal(t, "grid_worker")
		cached := func() int {
			prepared, rebound := w.DB.CachedQueries()
			return prepared + rebound // one of the two is 0 on either engine
		}
		before := cached()
		const fake = 5_000_000 // ids of units that do not exist: scopes of their own
		var early int
		for i := int64(0); i < 10000; i++ {
			p := *base
			p.UserID = base.UserID + 1_000_000 + i
			root := []auth.Root{{ID: fake + i, Path: "/1/" + itoa(fake+i) + "/"}}
			switch i % 5 {
			case 0: // a grid worker of one grid
				p.Scope = auth.NewScope(false, root, nil, []int64{fake + i})
			case 1: // of two, one of them real
				p.Scope = auth.NewScope(false, root, nil, []int64{w.GridA, fake + i})
			case 2: // a community's staff
				p.Scope = auth.NewScope(false, root, []int64{fake + i}, nil)
			case 3: // a street's
				p.Scope = auth.NewScope(false, append(root, auth.Root{ID: w.Street, Path: "/s/"}), []int64{w.C1, w.C2, fake + i}, nil)
			case 4: // a community and some grids of another
				p.Scope = auth.NewScope(false, root, []int64{fake + i}, []int64{w.GridA, w.GridB, fake + 2*i})
			}
			if _, err := w.App.Cases.MyWork(ctx, &p); err != nil {
				t.Fatal(err)
			}
			if _, _, err := w.App.Cases.List(ctx, &p, cases.Filter{Mine: cases.MineTodo}); err != nil {
				t.Fatal(err)
			}
			if i%7 == 0 {
				if _, _, err := w.App.Registry.ListPeople(ctx, &p, registry.Filter{}); err != nil {
					t.Fatal(err)
				}
			}
			if i == 99 {
				early = cached()
			}
		}
		prepared, rebound := w.DB.CachedQueries()
		t.Logf("%s: %d texts before, %d after 100 users, %d prepared and %d rebound after 10,000", w.DB.Dialect(), before, early, prepared, rebound)
		if prepared > db.MaxCachedStmts || rebound > db.MaxCachedRebinds {
			t.Fatalf("caches grew past their bounds: %d prepared (bound %d), %d rebound (bound %d)", prepared, db.MaxCachedStmts, rebound, db.MaxCachedRebinds)
		}
		if early-before > 40 || prepared+rebound != early {
			t.Fatalf("query texts grow with users: %d before, %d after 100 users, %d after 10,000", before, early, prepared+rebound)
		}
	})
}

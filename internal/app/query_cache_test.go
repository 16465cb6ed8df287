package app_test

import (
	"testing"

	"linli/internal/apptest"
	"linli/internal/cases"
	"linli/internal/db"
	"linli/internal/registry"
)

// Query texts that differ per user or scope must not grow the caches of
// prepared statements (SQLite) and rebound texts (PostgreSQL) for the life of
// the server: 10,000 distinct users listing their work and their residents
// leave both within their bounds, and the lists still answer.
func TestQueryCachesStayBounded(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := t.Context()
		base := w.Principal(t, "grid_worker")
		for i := 0; i < 10000; i++ {
			p := *base
			p.UserID = base.UserID + 1_000_000 + int64(i)
			if _, err := w.App.Cases.MyWork(ctx, &p); err != nil {
				t.Fatal(err)
			}
			if _, _, err := w.App.Cases.List(ctx, &p, cases.Filter{Mine: cases.MineTodo}); err != nil {
				t.Fatal(err)
			}
			if i%100 == 0 {
				if _, _, err := w.App.Registry.ListPeople(ctx, &p, registry.Filter{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		prepared, rebound := w.DB.CachedQueries()
		if prepared > db.MaxCachedStmts || rebound > db.MaxCachedRebinds {
			t.Fatalf("caches grew past their bounds: %d prepared (bound %d), %d rebound (bound %d)", prepared, db.MaxCachedStmts, rebound, db.MaxCachedRebinds)
		}
		t.Logf("%s: %d prepared, %d rebound", w.DB.Dialect(), prepared, rebound)
	})
}

package auth_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/dbtest"
)

// Scope.SQL binds the scope's ids: on both engines it selects exactly the rows
// Allows allows, for scopes small and large (past db.MaxListedIDs the ids go
// in one parameter), with no row twice though the lists are padded with
// repeated ids; and the texts are few whatever the scope.
func TestScopeSQLBindsIDs(t *testing.T) {
	dbtest.Run(t, nil, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE scoped (id BIGINT PRIMARY KEY, community_id BIGINT NOT NULL, grid_id BIGINT)`); err != nil {
			t.Fatal(err)
		}
		for _, ix := range []string{`CREATE INDEX scoped_c ON scoped (community_id)`, `CREATE INDEX scoped_g ON scoped (grid_id)`} {
			if _, err := d.ExecContext(ctx, ix); err != nil {
				t.Fatal(err)
			}
		}
		// 800 communities of three rows: two in grids c*10+1 and c*10+2,
		// one in no grid.
		type row struct{ id, community, grid int64 }
		var rows []row
		err := d.InTx(ctx, func(tx *db.Tx) error {
			b := tx.NewBatch("scoped", []string{"id", "community_id", "grid_id"}, 300)
			for c := int64(1); c <= 800; c++ {
				for k := int64(0); k < 3; k++ {
					r := row{id: c*10 + k, community: c}
					var grid any
					if k > 0 {
						r.grid = c*10 + k
						grid = r.grid
					}
					rows = append(rows, r)
					if err := b.Add(ctx, r.id, r.community, grid); err != nil {
						return err
					}
				}
			}
			return b.Flush(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
		rnd := rand.New(rand.NewPCG(1, 2))
		pick := func(n int, id func(c int64) int64) []int64 {
			var out []int64
			for _, c := range rnd.Perm(800)[:n] {
				out = append(out, id(int64(c)+1))
			}
			return out
		}
		texts := map[string]bool{}
		for _, nc := range []int{0, 1, 2, 3, 5, 17, 255, 256, 257, 700} {
			for _, ng := range []int{0, 1, 3, 300} {
				sc := auth.NewScope(false, []auth.Root{{ID: 1, Path: "/1/"}}, pick(nc, func(c int64) int64 { return c }), pick(ng, func(c int64) int64 { return c*10 + 1 + c%2 }))
				cond, args := sc.SQL(d.Dialect(), "s.community_id", "s.grid_id")
				if strings.Contains(cond, "'") || (nc+ng > 0 && len(args) == 0) {
					t.Fatalf("%d communities, %d grids: ids not bound: %s %v", nc, ng, cond, args)
				}
				texts[cond] = true
				got, err := d.Int64s(ctx, `SELECT s.id FROM scoped s WHERE `+cond+` ORDER BY s.id`, args...)
				if err != nil {
					t.Fatalf("%d communities, %d grids: %s: %v", nc, ng, cond, err)
				}
				var want []int64
				for _, r := range rows {
					if sc.Allows(r.community, r.grid) {
						want = append(want, r.id)
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("%d communities, %d grids: %d rows, want %d (%s)", nc, ng, len(got), len(want), cond)
				}
				// Knowing the grids' communities names them beside the
				// grids, and selects the same rows.
				var gridComms []int64
				for _, g := range sc.Grids {
					gridComms = append(gridComms, g/10)
				}
				withComms := sc.WithGridCommunities(gridComms)
				cc, ccArgs := withComms.SQL(d.Dialect(), "s.community_id", "s.grid_id")
				if ng > 0 && !strings.Contains(cc, "(s.community_id") {
					t.Fatalf("%d communities, %d grids: the grids' communities not named: %s", nc, ng, cc)
				}
				if got, err := d.Int64s(ctx, `SELECT s.id FROM scoped s WHERE `+cc+` ORDER BY s.id`, ccArgs...); err != nil || !slices.Equal(got, want) {
					t.Fatalf("%d communities, %d grids, with their communities: %d rows, want %d (%s) %v", nc, ng, len(got), len(want), cc, err)
				}
				// The same condition twice in one statement takes its arguments twice.
				var n int
				if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM scoped s WHERE `+cond+` AND s.id IN (SELECT s2.id FROM scoped s2 WHERE `+
					strings.ReplaceAll(cond, "s.", "s2.")+`)`, append(append([]any{}, args...), args...)...).Scan(&n); err != nil || n != len(want) {
					t.Fatalf("%d communities, %d grids: twice: %d, want %d, %v", nc, ng, n, len(want), err)
				}
			}
		}
		// 10 community sizes in 8 shapes (none, "=", 2, 4, 8, 32, 256, one
		// parameter) by 4 grid sizes in 4 (none, "=", 4, one parameter).
		if len(texts) > 8*4 {
			t.Fatalf("%d distinct texts for 40 scopes", len(texts))
		}
		if cond, args := auth.NewScope(true, nil, nil, nil).SQL(d.Dialect(), "s.community_id", "s.grid_id"); cond != "1=1" || len(args) != 0 {
			t.Fatalf("all: %s %v", cond, args)
		}
		if cond, args := (auth.Scope{}).SQL(d.Dialect(), "s.community_id", "s.grid_id"); cond != "1=0" || len(args) != 0 {
			t.Fatalf("nothing: %s %v", cond, args)
		}
	})
}

// AccessTo grants a permission on an object only inside the scope, and only
// the permissions the principal's roles hold; a principal still owing a second
// factor gets nothing.
func TestAccessToNeedsScopeAndPermission(t *testing.T) {
	write := auth.Define("accesstest.write", auth.RoleGridWorker)
	reveal := auth.Define("accesstest.reveal", auth.RoleCommunityAdmin)
	grid := &auth.Principal{Roles: []auth.Role{auth.RoleGridWorker}, Scope: auth.NewScope(false, nil, nil, []int64{11})}
	comm := &auth.Principal{Roles: []auth.Role{auth.RoleCommunityAdmin, auth.RoleGridWorker}, Scope: auth.NewScope(false, nil, []int64{1}, nil)}
	pending := &auth.Principal{Roles: comm.Roles, Scope: comm.Scope, MFAPending: true}
	for _, c := range []struct {
		name       string
		p          *auth.Principal
		comm, grid int64
		want       auth.Access
	}{
		{"grid worker in their grid", grid, 1, 11, auth.Access{Write: true}},
		{"grid worker in a sibling grid", grid, 1, 12, auth.Access{}},
		{"grid worker on the community without a grid", grid, 1, 0, auth.Access{}},
		{"community staff in a grid", comm, 1, 12, auth.Access{Write: true, Reveal: true}},
		{"community staff without a grid", comm, 1, 0, auth.Access{Write: true, Reveal: true}},
		{"community staff in another community", comm, 2, 21, auth.Access{}},
		{"second factor owed", pending, 1, 11, auth.Access{}},
		{"no principal", nil, 1, 11, auth.Access{}},
	} {
		if got := c.p.AccessTo(write, reveal, c.comm, c.grid); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	if got := comm.AccessTo(write, "", 1, 11); got.Reveal {
		t.Errorf("no reveal permission named, yet Reveal: %+v", got)
	}
}

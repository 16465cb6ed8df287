package places_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"linli/internal/app"
	"linli/internal/db"
	"linli/internal/dbtest"
)

// schemaAt is the schema as it stood when places was at version placesAt:
// the modules up to the registry (the last that refers to places), places cut
// at placesAt and the registry at registryAt, its version then. Later
// migrations of either (keys by community, which need both) stay out, so
// that the test of an old migration does not depend on them.
func schemaAt(t *testing.T, placesAt, registryAt int) []db.Migrations {
	t.Helper()
	var out []db.Migrations
	for _, m := range app.Migrations() {
		switch m.Module {
		case "places":
			m = m.UpTo(placesAt)
		case "registry":
			m = m.UpTo(registryAt)
		}
		out = append(out, m)
		if m.Module == "registry" {
			return out
		}
	}
	t.Fatal("no registry module in app.Migrations")
	return nil
}

// The migration that lets buildings and dwellings go without a grid (places
// 0004) rebuilds both tables on SQLite, which other tables refer to: nothing
// may be lost, every foreign key must still hold and still be enforced, and the
// indexes remain. It migrates from version 3 to 4 (with the registry as it was
// then); the keys by community (0006) are another migration's business.
func TestGridOptionalMigrationKeepsData(t *testing.T) {
	if dbtest.CitusLane() {
		// A Citus database starts at the keys by community: these tables'
		// old single-column keys cannot be distributed by community.
		t.Skip("Citus lane: schemas before places 0006 cannot be distributed")
	}
	ctx := context.Background()
	const registryAt = 3 // the registry's version when places 0004 came
	before, after := schemaAt(t, 3, registryAt), schemaAt(t, 4, registryAt)
	dbtest.Run(t, before, func(t *testing.T, d *db.DB) {
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE module = 'places'`).Scan(&n); err != nil || n != 3 {
			t.Fatalf("places at version %d (%v), want 3", n, err)
		}
		exec(`INSERT INTO org_unit (id, parent_id, level, name, code, path, community_id, valid_from, created_at, updated_at) VALUES (1, NULL, 'community', '社区', '001', '/1/', 1, '2020-01-01', 0, 0)`)
		exec(`INSERT INTO org_unit (id, parent_id, level, name, code, path, community_id, valid_from, created_at, updated_at) VALUES (2, 1, 'grid', '一网格', '01', '/1/2/', 1, '2020-01-01', 0, 0)`)
		exec(`INSERT INTO estate (id, community_id, name, sort_key, created_at, updated_at) VALUES (1, 1, '翠苑', '翠苑', 0, 0)`)
		exec(`INSERT INTO building (id, community_id, grid_id, estate_id, estate_key, name, sort_key, floors, created_at, updated_at) VALUES (7, 1, 2, 1, 1, '3幢', '3幢', 6, 11, 12)`)
		exec(`INSERT INTO entrance (id, community_id, building_id, name, sort_key, created_at) VALUES (5, 1, 7, '1单元', '1单元', 0)`)
		for i, room := range []string{"101", "102", "201"} {
			exec(`INSERT INTO dwelling (id, community_id, grid_id, building_id, entrance_id, entrance_key, room, sort_key, floor, area, usage, remark, created_at, updated_at)
				VALUES (?, 1, 2, 7, 5, 5, ?, ?, 1, 88.5, 'residential', '备注', 0, 0)`, 100+i, room, room)
		}
		exec(`INSERT INTO reg_household (id, community_id, grid_id, dwelling_id, number, created_at, updated_at) VALUES (1, 1, 2, 101, 'H1', 0, 0)`)
		exec(`INSERT INTO reg_person (id, community_id, grid_id, household_id, dwelling_id, name, name_pinyin, name_initials, created_at, updated_at) VALUES (1, 1, 2, 1, 101, '张三', 'zhangsan', 'zs', 0, 0)`)

		if err := d.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Migrate(ctx, after); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE module = 'places'`).Scan(&n); err != nil || n != 4 {
			t.Fatalf("places at version %d (%v), want 4", n, err)
		}
		// Nothing lost.
		var name string
		var floors, grid int64
		var updated int64
		if err := d.QueryRowContext(ctx, `SELECT name, floors, grid_id, updated_at FROM building WHERE id = 7`).Scan(&name, &floors, &grid, &updated); err != nil || name != "3幢" || floors != 6 || grid != 2 || updated != 12 {
			t.Fatalf("building after migration: %s %d %d %d %v", name, floors, grid, updated, err)
		}
		var area float64
		var remark string
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*), SUM(area), MIN(remark) FROM dwelling WHERE building_id = 7 AND grid_id = 2 AND entrance_id = 5`).Scan(&n, &area, &remark); err != nil || n != 3 || area != 3*88.5 || remark != "备注" {
			t.Fatalf("dwellings after migration: %d %v %q %v", n, area, remark, err)
		}
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_person p JOIN dwelling d ON d.id = p.dwelling_id JOIN reg_household h ON h.dwelling_id = d.id WHERE d.building_id = 7`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("registry rows after migration: %d %v", n, err)
		}
		// Indexes are all there.
		want := []string{"building_by_name", "building_estate", "building_grid", "building_name", "dwelling_community", "dwelling_grid", "dwelling_room"}
		q := `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('building', 'dwelling') AND name NOT LIKE 'sqlite_%' ORDER BY name`
		if d.Dialect() == db.Postgres {
			q = `SELECT indexname FROM pg_indexes WHERE tablename IN ('building', 'dwelling') AND indexname NOT LIKE '%_pkey' ORDER BY indexname`
		}
		got, err := stringsOf(ctx, d, q)
		if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("indexes %v (%v), want %v", got, err, want)
		}
		if d.Dialect() == db.SQLite {
			var fk int
			if err := d.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
				t.Fatalf("foreign keys are %d after the migration (%v)", fk, err)
			}
			if broken, err := stringsOf(ctx, d, `SELECT "table" FROM pragma_foreign_key_check`); err != nil || len(broken) > 0 {
				t.Fatalf("foreign key check: %v %v", broken, err)
			}
			// The rebuilt tables have planner statistics again.
			if stats, err := stringsOf(ctx, d, `SELECT DISTINCT tbl FROM sqlite_stat1 WHERE tbl IN ('building', 'dwelling')`); err != nil || len(stats) != 2 {
				t.Fatalf("statistics of the rebuilt tables: %v %v", stats, err)
			}
		}
		// Foreign keys are still enforced, both to and from the rebuilt tables.
		violations := []string{
			`INSERT INTO dwelling (community_id, grid_id, building_id, entrance_key, room, sort_key, created_at, updated_at) VALUES (1, 2, 999, 0, '9', '9', 0, 0)`,
			`INSERT INTO building (community_id, grid_id, estate_key, name, sort_key, created_at, updated_at) VALUES (1, 999, 0, 'x', 'x', 0, 0)`,
			`DELETE FROM building WHERE id = 7`,
			`DELETE FROM entrance WHERE id = 5`,
		}
		if d.Dialect() == db.SQLite {
			// The registry's keys to dwelling: on PostgreSQL its 0001 no
			// longer declares them (they come on (community_id, dwelling_id)
			// after places 0006).
			violations = append(violations, `DELETE FROM dwelling WHERE id = 101`)
		}
		for _, q := range violations {
			if _, err := d.ExecContext(ctx, q); !db.IsForeignKeyViolation(err) {
				t.Errorf("%s: %v, want a foreign key violation", q, err)
			}
		}
		// The point of it: a building and its dwellings without a grid.
		exec(`INSERT INTO building (id, community_id, grid_id, estate_key, name, sort_key, created_at, updated_at) VALUES (8, 1, NULL, 0, '4幢', '4幢', 0, 0)`)
		exec(`INSERT INTO dwelling (community_id, grid_id, building_id, entrance_key, room, sort_key, created_at, updated_at) VALUES (1, NULL, 8, 0, '101', '101', 0, 0)`)
		// Unique indexes still hold.
		if _, err := d.ExecContext(ctx, `INSERT INTO building (community_id, estate_key, name, sort_key, created_at, updated_at) VALUES (1, 0, '4幢', '4幢', 0, 0)`); !db.IsUniqueViolation(err) {
			t.Errorf("duplicate building: %v", err)
		}
		// Migrating again changes nothing.
		if n, err := d.Migrate(ctx, after); err != nil || n != 0 {
			t.Fatalf("second migrate: %d %v", n, err)
		}
	})
}

func stringsOf(ctx context.Context, d *db.DB, q string) ([]string, error) {
	rows, err := d.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out, rows.Err()
}

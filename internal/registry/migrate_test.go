package registry_test

import (
	"context"
	"testing"

	"linli/internal/app"
	"linli/internal/db"
	"linli/internal/dbtest"
)

// The registry's keys by community (0004) keep every row of a registry that
// already holds people: their documents fill reg_identity, and the rows an
// older version let point across communities are brought to the keys' rule
// (a residence, name piece and group follow their person; a landlord or
// tenant of another community and a household in another one are let go) so
// that the new foreign keys hold.
func TestCommunityKeysMigrationKeepsData(t *testing.T) {
	if dbtest.CitusLane() {
		t.Skip("Citus lane: the registry at version 3 cannot be distributed (its keys lack community_id)")
	}
	ctx := context.Background()
	var before []db.Migrations
	for _, m := range app.Migrations() {
		if m.Module == "registry" {
			m = m.UpTo(3)
		}
		before = append(before, m)
	}
	dbtest.Run(t, before, func(t *testing.T, d *db.DB) {
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := d.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM schema_migrations WHERE module = 'registry'`); n != 3 {
			t.Fatalf("registry at version %d, want 3", n)
		}
		exec(`INSERT INTO org_unit (id, parent_id, level, name, code, path, community_id, valid_from, created_at, updated_at) VALUES (1, NULL, 'community', '甲社区', '001', '/1/', 1, '2020-01-01', 0, 0)`)
		exec(`INSERT INTO org_unit (id, parent_id, level, name, code, path, community_id, valid_from, created_at, updated_at) VALUES (3, NULL, 'community', '乙社区', '002', '/3/', 3, '2020-01-01', 0, 0)`)
		for _, b := range [][2]int{{7, 1}, {8, 3}} {
			exec(`INSERT INTO building (id, community_id, estate_key, name, sort_key, floors, created_at, updated_at) VALUES (?, ?, 0, '1幢', '1幢', 6, 0, 0)`, b[0], b[1])
			exec(`INSERT INTO dwelling (id, community_id, building_id, entrance_key, room, sort_key, floor, created_at, updated_at) VALUES (?, ?, ?, 0, '101', '101', 1, 0, 0)`, b[0]*10, b[1], b[0])
		}
		exec(`INSERT INTO reg_household (id, community_id, dwelling_id, number, number_key, head_person_id, members, created_at, updated_at) VALUES (1, 1, 70, 'H1', 'H1', 1, 2, 0, 0)`)
		exec(`INSERT INTO reg_household (id, community_id, dwelling_id, number, number_key, head_person_id, members, created_at, updated_at) VALUES (2, 3, 80, 'H2', 'H2', 3, 1, 0, 0)`)
		person := `INSERT INTO reg_person (id, community_id, household_id, relation, dwelling_id, name, name_pinyin, name_initials, id_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '', '', ?, 0, 0)`
		exec(person, 1, 1, 1, "self", 70, "甲一", "h1")
		// Moved to the other community by an older version, household kept.
		exec(person, 2, 3, 1, "spouse", 80, "甲二", nil)
		exec(person, 3, 3, 2, "self", 80, "乙一", "h3")
		exec(`INSERT INTO reg_residence (id, person_id, community_id, dwelling_id, type, from_on, to_on, created_at) VALUES (1, 2, 1, 70, 'registered', '2020-01-01', '2025-01-01', 0)`)
		exec(`INSERT INTO reg_residence (id, person_id, community_id, dwelling_id, type, from_on, created_at) VALUES (2, 2, 1, 80, 'registered', '2025-01-01', 0)`)
		exec(`INSERT INTO reg_name_gram (gram, person_id, community_id) VALUES ('甲二', 2, 1)`)
		exec(`INSERT INTO reg_person_tag (person_id, tag_id, community_id, created_at) VALUES (2, 1, 1, 0)`)
		exec(`INSERT INTO reg_event (id, community_id, person_id, kind, on_date, created_at) VALUES (1, 1, 2, 'register', '2020-01-01', 0)`)
		exec(`INSERT INTO reg_rental (id, community_id, dwelling_id, landlord_person_id, landlord_name, lease_from, created_at, updated_at) VALUES (1, 1, 70, 3, '乙一', '2025-01-01', 0, 0)`)
		exec(`INSERT INTO reg_rental_tenant (rental_id, person_id, community_id) VALUES (1, 1, 1)`)
		exec(`INSERT INTO reg_rental_tenant (rental_id, person_id, community_id) VALUES (1, 2, 1)`)

		if _, err := d.Migrate(ctx, app.Migrations()); err != nil {
			t.Fatal(err)
		}
		if n := count(`SELECT COUNT(*) FROM reg_identity WHERE (id_hash = 'h1' AND community_id = 1 AND person_id = 1) OR (id_hash = 'h3' AND community_id = 3 AND person_id = 3)`); n != 2 || count(`SELECT COUNT(*) FROM reg_identity`) != 2 {
			t.Fatalf("reg_identity: %d of 2 documents", n)
		}
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM reg_person`:    3,
			`SELECT COUNT(*) FROM reg_household`: 2,
			`SELECT COUNT(*) FROM reg_event`:     1,
			`SELECT COUNT(*) FROM reg_person WHERE id = 2 AND household_id IS NULL AND relation = ''`:              1,
			`SELECT COUNT(*) FROM reg_residence WHERE person_id = 2 AND community_id = 3`:                          2,
			`SELECT COUNT(*) FROM reg_name_gram WHERE person_id = 2 AND community_id = 3`:                          1,
			`SELECT COUNT(*) FROM reg_person_tag WHERE person_id = 2 AND community_id = 3`:                         1,
			`SELECT COUNT(*) FROM reg_rental WHERE id = 1 AND landlord_person_id IS NULL AND landlord_name = '乙一'`: 1,
			`SELECT COUNT(*) FROM reg_rental_tenant WHERE rental_id = 1`:                                           1,
			`SELECT COUNT(*) FROM reg_person WHERE id = 1 AND household_id = 1 AND relation = 'self'`:              1,
		} {
			if n := count(q); n != want {
				t.Errorf("%s: %d, want %d", q, n, want)
			}
		}
		// The new keys are enforced: a person in a household of another community.
		_, err := d.ExecContext(ctx, `UPDATE reg_person SET household_id = 2 WHERE id = 1`)
		if !db.IsForeignKeyViolation(err) {
			t.Fatalf("a household of another community: %v", err)
		}
	})
}

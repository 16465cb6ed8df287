package cases_test

import (
	"context"
	"strconv"
	"testing"

	"linli/internal/app"
	"linli/internal/db"
	"linli/internal/dbtest"
)

// cutAt is every module's schema with module cut at version.
func cutAt(module string, version int) []db.Migrations {
	var out []db.Migrations
	for _, m := range app.Migrations() {
		if m.Module == module {
			m = m.UpTo(version)
		}
		out = append(out, m)
	}
	return out
}

// The keys by community (cases 0005) rebuild every case table on SQLite and
// re-key them on PostgreSQL: nothing may be lost, and the new keys hold a
// case's rows to the case's community.
func TestCommunityKeysMigrationKeepsCases(t *testing.T) {
	if dbtest.CitusLane() {
		t.Skip("Citus lane: schemas before cases 0005 cannot be distributed")
	}
	ctx := context.Background()
	dbtest.Run(t, cutAt("cases", 4), func(t *testing.T, d *db.DB) {
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
		if n := count(`SELECT COUNT(*) FROM schema_migrations WHERE module = 'cases'`); n != 4 {
			t.Fatalf("cases at version %d, want 4", n)
		}
		exec(`INSERT INTO org_unit (id, parent_id, level, name, code, path, community_id, valid_from, created_at, updated_at) VALUES (1, NULL, 'street', '街道', '001', '/1/', NULL, '2020-01-01', 0, 0)`)
		for _, c := range []int{2, 3} {
			exec(`INSERT INTO org_unit (id, parent_id, level, name, code, path, community_id, valid_from, created_at, updated_at) VALUES (?, 1, 'community', ?, ?, ?, ?, '2020-01-01', 0, 0)`,
				c, "社区"+strconv.Itoa(c), "00"+strconv.Itoa(c), "/1/"+strconv.Itoa(c)+"/", c)
		}
		kase := func(id, community int64, merged any) {
			t.Helper()
			exec(`INSERT INTO cases (id, type, category, stage, title, source, community_id, level, holder_org_id, created_at, created_month, updated_at, respond_due_at, due_at, merged_into)
				VALUES (?, 'request', 'repair', 'new', ?, 'phone', ?, 'street', 1, 10, 202612, 11, 20, 30, ?)`, id, "事项"+strconv.FormatInt(id, 10), community, merged)
		}
		kase(10, 2, nil)
		kase(11, 2, 10)
		kase(12, 3, nil)
		exec(`INSERT INTO case_event (id, case_id, community_id, at, kind, public_reply) VALUES (100, 10, 2, 10, 'create', '已受理')`)
		exec(`INSERT INTO case_file (id, case_id, community_id, event_id, name, content_type, size, sha256, data, created_at) VALUES (200, 10, 2, 100, 'a.png', 'image/png', 3, 'x', ?, 10)`, []byte("png"))
		exec(`INSERT INTO case_link (id, case_id, community_id, kind, ref_id, label, created_at) VALUES (300, 10, 2, 'person', 7, '张三', 10)`)
		exec(`INSERT INTO case_party (id, case_id, community_id, role, person_id, name, created_at) VALUES (400, 10, 2, 'applicant', 7, '张三', 10)`)
		exec(`INSERT INTO case_session (id, case_id, community_id, held_on, notes, created_at) VALUES (500, 10, 2, '2026-12-01', '调解', 10)`)
		exec(`INSERT INTO case_document (id, case_id, community_id, kind, content, created_at, updated_at) VALUES (600, 10, 2, 'notice', '{}', 10, 10)`)
		exec(`INSERT INTO case_alert (id, case_id, community_id, user_id, kind, at) VALUES (700, 10, 2, 5, 'remind', 10)`)

		if _, err := d.Migrate(ctx, app.Migrations()); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		if n := count(`SELECT COUNT(*) FROM schema_migrations WHERE module = 'cases'`); n < 5 {
			t.Fatalf("cases at version %d, want 5 or more", n)
		}
		// Nothing lost.
		if n := count(`SELECT COUNT(*) FROM cases WHERE community_id = 2 AND id = 11 AND merged_into = 10 AND title = '事项11' AND holder_org_id = 1`); n != 1 {
			t.Fatal("the merged case after migration")
		}
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM cases`: 3,
			`SELECT COUNT(*) FROM case_event e JOIN cases c ON c.community_id = e.community_id AND c.id = e.case_id WHERE e.id = 100 AND e.public_reply = '已受理'`: 1,
			`SELECT COUNT(*) FROM case_file f JOIN case_event e ON e.community_id = f.community_id AND e.id = f.event_id WHERE f.id = 200 AND f.size = 3`:        1,
			`SELECT COUNT(*) FROM case_link WHERE community_id = 2 AND case_id = 10 AND ref_id = 7 AND label = '张三'`:                                             1,
			`SELECT COUNT(*) FROM case_party WHERE community_id = 2 AND case_id = 10 AND person_id = 7`:                                                          1,
			`SELECT COUNT(*) FROM case_session WHERE community_id = 2 AND case_id = 10 AND notes = '调解'`:                                                         1,
			`SELECT COUNT(*) FROM case_document WHERE community_id = 2 AND case_id = 10 AND kind = 'notice'`:                                                     1,
			`SELECT COUNT(*) FROM case_alert WHERE community_id = 2 AND case_id = 10 AND user_id = 5`:                                                            1,
		} {
			if n := count(q); n != want {
				t.Errorf("%s: %d, want %d", q, n, want)
			}
		}
		// A case's rows cannot point into another community: the keys name it.
		for _, q := range []string{
			`INSERT INTO case_event (case_id, community_id, at, kind) VALUES (12, 2, 10, 'comment')`,
			`INSERT INTO case_link (case_id, community_id, kind, ref_id, created_at) VALUES (12, 2, 'person', 8, 10)`,
			`INSERT INTO case_file (case_id, community_id, event_id, name, content_type, size, sha256, data, created_at) VALUES (12, 3, 100, 'b.png', 'image/png', 1, 'y', 'b', 10)`,
			`UPDATE cases SET merged_into = 12 WHERE community_id = 2 AND id = 10`,
		} {
			if _, err := d.ExecContext(ctx, q); !db.IsForeignKeyViolation(err) {
				t.Errorf("%s: %v, want a foreign-key violation", q, err)
			}
		}
		// Uniqueness is per case, community first.
		if _, err := d.ExecContext(ctx, `INSERT INTO case_link (case_id, community_id, kind, ref_id, created_at) VALUES (10, 2, 'person', 7, 10)`); !db.IsUniqueViolation(err) {
			t.Errorf("a second link to the same person: %v", err)
		}
	})
}

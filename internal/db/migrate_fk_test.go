package db_test

import (
	"context"
	"strings"
	"testing"

	"linli/internal/db"
	"linli/internal/dbtest"
)

// A SQLite migration marked foreign-keys-off may rebuild a table others refer
// to; one that leaves a dangling reference is rolled back whole, and foreign
// keys are on again either way.
func TestForeignKeysOffMigration(t *testing.T) {
	ctx := context.Background()
	base := map[string]string{
		"sqlite/0001_a.sql":   "CREATE TABLE parent (id INTEGER PRIMARY KEY, v TEXT NOT NULL);\nCREATE TABLE child (id INTEGER PRIMARY KEY, parent_id BIGINT NOT NULL REFERENCES parent (id));\nINSERT INTO parent (id, v) VALUES (1, 'a');\nINSERT INTO child (id, parent_id) VALUES (1, 1);",
		"postgres/0001_a.sql": "SELECT 1;",
	}
	d := dbtest.SQLite(t, []db.Migrations{mig(base)})
	rebuild := db.ForeignKeysOff + "\nCREATE TABLE parent_new (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO parent_new SELECT id, v FROM parent;\nDROP TABLE parent;\nALTER TABLE parent_new RENAME TO parent;"
	broken := map[string]string{"sqlite/0002_b.sql": rebuild + "\nDELETE FROM parent;", "postgres/0002_b.sql": "SELECT 1;"}
	for k, v := range base {
		broken[k] = v
	}
	_, err := d.Migrate(ctx, []db.Migrations{mig(broken)})
	if err == nil || !strings.Contains(err.Error(), "breaks foreign keys") {
		t.Fatalf("a migration leaving a dangling reference: %v", err)
	}
	var n, fk int
	d.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = 2`).Scan(&n)
	d.QueryRowContext(ctx, `SELECT COUNT(*) FROM parent`).Scan(&fk)
	if n != 0 || fk != 1 {
		t.Fatalf("the failed migration left %d rows of schema_migrations, parent has %d rows", n, fk)
	}
	good := map[string]string{"sqlite/0002_b.sql": rebuild, "postgres/0002_b.sql": "SELECT 1;"}
	for k, v := range base {
		good[k] = v
	}
	if n, err := d.Migrate(ctx, []db.Migrations{mig(good)}); err != nil || n != 1 {
		t.Fatalf("rebuild: %d %v", n, err)
	}
	if _, err := d.ExecContext(ctx, `INSERT INTO parent (id, v) VALUES (2, NULL)`); err != nil {
		t.Fatalf("the rebuilt table: %v", err)
	}
	d.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk)
	if fk != 1 {
		t.Fatal("foreign keys are off after the migration")
	}
	if _, err := d.ExecContext(ctx, `DELETE FROM parent WHERE id = 1`); !db.IsForeignKeyViolation(err) {
		t.Fatalf("the child's reference is not enforced after the rebuild: %v", err)
	}
}

package importflow_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"linli/internal/app"
	"linli/internal/db"
	"linli/internal/dbtest"
	"linli/internal/importflow"
)

// importflowAt is every module at its latest but importflow, cut at version max.
func importflowAt(max int) []db.Migrations {
	var out []db.Migrations
	for _, m := range app.Migrations() {
		if m.Module == importflow.Migrations.Module {
			m = m.UpTo(max)
		}
		out = append(out, m)
	}
	return out
}

// Uploads keyed by community (importflow 0003): staged uploads and their
// chunks survive the migration, each chunk taking its upload's community;
// a chunk belongs to an upload of its own community, and goes with it.
func TestCommunityKeysMigrationKeepsUploads(t *testing.T) {
	if dbtest.CitusLane() {
		t.Skip("Citus lane: a schema before importflow 0003 cannot be distributed by community")
	}
	ctx := context.Background()
	dbtest.Run(t, importflowAt(2), func(t *testing.T, d *db.DB) {
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		for _, u := range []struct {
			id        string
			community int64
			chunks    int
		}{{"up-a", 11, 2}, {"up-b", 12, 1}} {
			exec(`INSERT INTO import_upload (id, kind, user_id, community_id, filename, size, state, created_at, updated_at) VALUES (?, 'places', 1, ?, 'a.csv', 10, 'staged', 0, 0)`, u.id, u.community)
			for seq := 0; seq < u.chunks; seq++ {
				exec(`INSERT INTO import_upload_chunk (upload_id, seq, data) VALUES (?, ?, ?)`, u.id, seq, []byte(u.id+strconv.Itoa(seq)))
			}
		}
		if _, err := d.Migrate(ctx, app.Migrations()); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		rows, err := d.QueryContext(ctx, `SELECT community_id, upload_id, seq, data FROM import_upload_chunk ORDER BY upload_id, seq`)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var c int64
			var id string
			var seq int
			var data []byte
			if err := rows.Scan(&c, &id, &seq, &data); err != nil {
				t.Fatal(err)
			}
			got = append(got, strconv.FormatInt(c, 10)+"/"+id+"/"+strconv.Itoa(seq)+"="+string(data))
		}
		rows.Close()
		if want := "11/up-a/0=up-a0,11/up-a/1=up-a1,12/up-b/0=up-b0"; strings.Join(got, ",") != want {
			t.Fatalf("chunks after the migration: %v, want %s", got, want)
		}
		// A chunk of another community's upload has no upload to belong to.
		if _, err := d.ExecContext(ctx, `INSERT INTO import_upload_chunk (community_id, upload_id, seq, data) VALUES (12, 'up-a', 5, ?)`, []byte("x")); !db.IsForeignKeyViolation(err) {
			t.Errorf("chunk in another community than its upload: %v, want a foreign key violation", err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO import_upload_chunk (community_id, upload_id, seq, data) VALUES (11, 'up-a', 1, ?)`, []byte("x")); !db.IsUniqueViolation(err) {
			t.Errorf("second chunk 1: %v, want a unique violation", err)
		}
		// Deleting an upload deletes its chunks.
		exec(`DELETE FROM import_upload WHERE community_id = 11 AND id = 'up-a'`)
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM import_upload_chunk`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("chunks after deleting an upload: %d %v", n, err)
		}
		if n, err := d.Migrate(ctx, app.Migrations()); err != nil || n != 0 {
			t.Fatalf("second migrate: %d %v", n, err)
		}
	})
}

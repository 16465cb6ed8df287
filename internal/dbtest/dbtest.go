// Package dbtest runs store tests against real databases: a fresh SQLite file and,
// when LINLI_TEST_POSTGRES names a server, a fresh PostgreSQL database. Nothing is
// mocked. Without a PostgreSQL server the PostgreSQL half is skipped loudly, and
// under CI=true it fails instead, so CI can never go green having tested one engine.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"linli/internal/db"
)

// EnvPostgres names the environment variable holding an admin URL of a
// PostgreSQL server that tests may create and drop databases on.
const EnvPostgres = "LINLI_TEST_POSTGRES"

// Run runs fn once per engine as subtests "sqlite" and "postgres", each on a new
// database migrated with sets.
func Run(t *testing.T, sets []db.Migrations, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, SQLite(t, sets))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, Postgres(t, sets))
	})
}

// SQLite returns a migrated database in a temporary file, closed at cleanup.
func SQLite(t testing.TB, sets []db.Migrations) *db.DB {
	t.Helper()
	SkipSQLiteInCitusLane(t)
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "linli.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background(), sets); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return d
}

// PostgresURL returns the admin URL of the test server, or skips (fails under CI).
func PostgresURL(t testing.TB) string {
	t.Helper()
	if CitusLane() {
		return citusURL(t)
	}
	admin := os.Getenv(EnvPostgres)
	if admin == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must test PostgreSQL (run the README test command, which starts a server)", EnvPostgres)
		}
		t.Skipf("SKIPPED PostgreSQL: %s is not set (the README test command starts a throwaway server)", EnvPostgres)
	}
	return admin
}

// Postgres creates a fresh database on the test server, migrates it and drops it
// at cleanup.
func Postgres(t testing.TB, sets []db.Migrations) *db.DB {
	t.Helper()
	if CitusLane() {
		return citusMigrated(t, sets)
	}
	target := NewPostgresDatabase(t)
	d, err := db.Open(context.Background(), target)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background(), sets); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return d
}

// NewPostgresDatabase creates an empty database and returns its URL; it is
// dropped when the test ends.
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	if CitusLane() {
		return newCitusDatabase(t)
	}
	admin := PostgresURL(t)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := "linli_t_" + hex.EncodeToString(rnd[:])
	adb, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("postgres admin: %v", err)
	}
	defer adb.Close()
	if _, err := adb.Exec(`CREATE DATABASE ` + name + ` ENCODING 'UTF8' TEMPLATE template0`); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Engines lists the engine names Run uses, for table-driven benchmarks and tools.
func Engines() []string { return []string{"sqlite", "postgres"} }

// Digest returns a text dump of every table except those named in skip, to assert
// that a refused request changed nothing.
func Digest(t testing.TB, d *db.DB, skip ...string) string {
	t.Helper()
	ctx := context.Background()
	var q string
	if d.Dialect() == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name` // not views (Citus's citus_tables shows sizes)
	} else {
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	}
	rows, err := d.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	skipSet := map[string]bool{}
	for _, s := range skip {
		skipSet[s] = true
	}
	var b strings.Builder
	for _, tb := range tables {
		if skipSet[tb] {
			continue
		}
		r, err := d.QueryContext(ctx, `SELECT * FROM `+tb+` ORDER BY 1`)
		if err != nil {
			t.Fatalf("dump %s: %v", tb, err)
		}
		cols, _ := r.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		fmt.Fprintf(&b, "## %s\n", tb)
		// Rows sorted whole: ORDER BY 1 leaves ties in whatever order the
		// plan of the day reads them.
		var lines []string
		for r.Next() {
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var line strings.Builder
			for _, v := range vals {
				fmt.Fprintf(&line, "%v\t", v)
			}
			lines = append(lines, line.String())
		}
		r.Close()
		if err := r.Err(); err != nil {
			t.Fatalf("dump %s: %v", tb, err)
		}
		sort.Strings(lines)
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Snapshot is a frozen copy of a test database from which Clone makes
// independent databases: for tests that try many writes, each on the same
// starting state.
type Snapshot struct {
	engine db.Dialect
	file   string // SQLite: the copied file
	admin  string // PostgreSQL: admin URL and template database
	name   string
	target *url.URL
	citus  bool // the template is on every node of the Citus cluster
}

// TakeSnapshot freezes d's contents. On PostgreSQL d becomes the template and
// is closed (a template database takes no connections); on SQLite d stays
// usable.
func TakeSnapshot(t testing.TB, d *db.DB) *Snapshot {
	t.Helper()
	ctx := context.Background()
	if d.Dialect() == db.SQLite {
		if _, err := d.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatalf("checkpoint: %v", err)
		}
		dst := filepath.Join(t.TempDir(), "snapshot.db")
		if err := copyFile(d.Location, dst); err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		return &Snapshot{engine: db.SQLite, file: dst}
	}
	u, err := url.Parse(d.Location)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	d.Close()
	return &Snapshot{engine: db.Postgres, admin: PostgresURL(t), name: strings.TrimPrefix(u.Path, "/"), target: u, citus: CitusLane()}
}

// Clone returns a new database with the snapshot's contents and a function
// that closes and removes it (also called at cleanup if the test does not).
func (s *Snapshot) Clone(t testing.TB) (*db.DB, func()) {
	t.Helper()
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	suffix := hex.EncodeToString(rnd[:])
	var location string
	var drop func()
	if s.engine == db.SQLite {
		location = filepath.Join(filepath.Dir(s.file), "clone-"+suffix+".db")
		if err := copyFile(s.file, location); err != nil {
			t.Fatalf("clone: %v", err)
		}
		drop = func() {
			for _, ext := range []string{"", "-wal", "-shm"} {
				_ = os.Remove(location + ext)
			}
		}
	} else if s.citus {
		location, drop = citusClone(t, s.name, "linli_c_"+suffix)
	} else {
		name := "linli_c_" + suffix
		adb, err := sql.Open("pgx", s.admin)
		if err != nil {
			t.Fatalf("postgres admin: %v", err)
		}
		_, err = adb.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + s.name)
		adb.Close()
		if err != nil {
			t.Fatalf("clone: %v", err)
		}
		u := *s.target
		u.Path = "/" + name
		location = u.String()
		drop = func() {
			a, err := sql.Open("pgx", s.admin)
			if err != nil {
				return
			}
			defer a.Close()
			_, _ = a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		}
	}
	d, err := db.Open(context.Background(), location)
	if err != nil {
		drop()
		t.Fatalf("open clone: %v", err)
	}
	var once sync.Once
	release := func() { once.Do(func() { d.Close(); drop() }) }
	t.Cleanup(release)
	return d, release
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

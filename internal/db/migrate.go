package db

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migrations are one module's schema changes. FS holds sqlite/NNNN_name.sql and
// postgres/NNNN_name.sql with the same numbers: one schema intent, one file per
// dialect. A module owns its tables, so it owns its migrations.
type Migrations struct {
	Module string
	FS     fs.FS
	// Placements say how Citus places each table the module creates
	// (citus.go); every table is declared.
	Placements []Placement
	// upTo > 0 leaves out the migrations after that version (UpTo).
	upTo int
}

// UpTo is m without its migrations after version: the module as an older
// release had it, for tests of a migration on the data before it.
func (m Migrations) UpTo(version int) Migrations {
	m.upTo = version
	return m
}

type migration struct {
	version int
	name    string
	sql     string
}

func (m Migrations) load(d Dialect) ([]migration, error) {
	dir := string(d)
	entries, err := fs.ReadDir(m.FS, dir)
	if err != nil {
		return nil, fmt.Errorf("%s migrations for %s: %w", m.Module, d, err)
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("%s migration %q: name must start with a positive number and '_'", m.Module, e.Name())
		}
		body, err := fs.ReadFile(m.FS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if m.upTo > 0 && v > m.upTo {
			continue
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, mg := range out {
		if mg.version != i+1 {
			return nil, fmt.Errorf("%s migrations for %s: expected version %d, found %s", m.Module, d, i+1, mg.name)
		}
	}
	return out, nil
}

// Latest is the highest version this binary knows for the module on dialect d.
func (m Migrations) Latest(d Dialect) (int, error) {
	ms, err := m.load(d)
	if err != nil {
		return 0, err
	}
	return len(ms), nil
}

// SchemaTooNewError says the database was migrated by a newer Linli.
type SchemaTooNewError struct {
	Module      string
	Have, Known int
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("database schema of module %q is at version %d but this program knows only up to %d: run a newer linli (数据库结构比本程序新，请使用更新版本的程序)", e.Module, e.Have, e.Known)
}

const bootstrapSQL = `CREATE TABLE IF NOT EXISTS schema_migrations (
	module TEXT NOT NULL,
	version INTEGER NOT NULL,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL,
	PRIMARY KEY (module, version)
)`

// Pending reports how many migrations each module still needs, and fails with a
// SchemaTooNewError if the database is ahead of this binary.
func (d *DB) Pending(ctx context.Context, sets []Migrations) (map[string]int, error) {
	if _, err := d.w.ExecContext(ctx, bootstrapSQL); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, err := d.appliedVersions(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, s := range sets {
		known, err := s.Latest(d.engine)
		if err != nil {
			return nil, err
		}
		have := applied[s.Module]
		if have > known {
			return nil, &SchemaTooNewError{Module: s.Module, Have: have, Known: known}
		}
		out[s.Module] = known - have
	}
	for mod, have := range applied {
		found := false
		for _, s := range sets {
			found = found || s.Module == mod
		}
		if !found && have > 0 {
			return nil, &SchemaTooNewError{Module: mod, Have: have, Known: 0}
		}
	}
	return out, nil
}

func (d *DB) appliedVersions(ctx context.Context) (map[string]int, error) {
	rows, err := d.w.QueryContext(ctx, `SELECT module, MAX(version) FROM schema_migrations GROUP BY module`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var m string
		var v int
		if err := rows.Scan(&m, &v); err != nil {
			return nil, err
		}
		out[m] = v
	}
	return out, rows.Err()
}

// Migrate applies every pending migration, module by module in the order given
// (a module's tables may refer to those of modules before it). Each migration runs
// in its own transaction together with its schema_migrations row, so a second
// instance starting at the same time either waits and finds it applied or fails
// on the primary key and retries.
func (d *DB) Migrate(ctx context.Context, sets []Migrations) (applied int, err error) {
	if _, err := d.Pending(ctx, sets); err != nil {
		return 0, err
	}
	for _, s := range sets {
		ms, err := s.load(d.engine)
		if err != nil {
			return applied, err
		}
		for _, m := range ms {
			done, err := d.apply(ctx, s.Module, m)
			if err != nil {
				return applied, err
			}
			if done {
				applied++
			}
		}
	}
	if err := d.distribute(ctx, sets); err != nil {
		return applied, err
	}
	return applied, nil
}

// ForeignKeysOff marks a SQLite migration that rebuilds tables others refer to
// (SQLite cannot drop a NOT NULL or change a column in place). SQLite ignores
// PRAGMA foreign_keys inside a transaction, so the migrator turns foreign keys
// off on the writer connection before the transaction, runs the file, checks
// every foreign key with PRAGMA foreign_key_check before committing (a
// violation rolls the migration back) and turns them on again: SQLite's
// documented procedure for such changes. PostgreSQL files need no marker.
const ForeignKeysOff = "-- linli:foreign-keys-off"

func (d *DB) apply(ctx context.Context, module string, m migration) (bool, error) {
	if d.engine == SQLite && strings.HasPrefix(strings.TrimSpace(m.sql), ForeignKeysOff) {
		done, err := d.applyWithoutForeignKeys(ctx, module, m)
		if err != nil && IsUniqueViolation(err) {
			return false, nil
		}
		if done && err == nil {
			// Rebuilt tables lost their planner statistics: a database that
			// had some gets them again now, not at the daily refresh.
			if has, herr := d.HasStatistics(ctx); herr != nil || !has {
				return true, herr
			}
			err = d.Analyze(ctx)
		}
		return done, err
	}
	var done bool
	err := d.InTx(ctx, func(tx *Tx) error {
		if d.citus {
			for _, s := range citusMigrationSettings {
				if _, err := tx.ExecContext(ctx, s); err != nil {
					return err
				}
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE module = ? AND version = ?`, module, m.version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (module, version, name, applied_at) VALUES (?, ?, ?, ?)`, module, m.version, m.name, Now()); err != nil {
			return err
		}
		for _, stmt := range SplitStatements(m.sql) {
			if _, err := tx.tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%s migration %s: %w\n%s", module, m.name, err, stmt)
			}
		}
		done = true
		return nil
	})
	if err != nil && IsUniqueViolation(err) {
		return false, nil // another instance applied it first
	}
	return done, err
}

// applyWithoutForeignKeys runs a SQLite migration marked ForeignKeysOff on the
// one writer connection, held for the whole run.
func (d *DB) applyWithoutForeignKeys(ctx context.Context, module string, m migration) (done bool, err error) {
	conn, err := d.w.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return false, err
	}
	defer func() {
		if _, onErr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); onErr != nil && err == nil {
			err = onErr
		}
	}()
	var on int
	if err := conn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil {
		return false, err
	}
	if on != 0 {
		return false, fmt.Errorf("%s migration %s: could not turn foreign keys off", module, m.name)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if !done {
			_ = tx.Rollback()
		}
	}()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE module = ? AND version = ?`, module, m.version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (module, version, name, applied_at) VALUES (?, ?, ?, ?)`, module, m.version, m.name, Now()); err != nil {
		return false, err
	}
	for _, stmt := range SplitStatements(m.sql) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("%s migration %s: %w\n%s", module, m.name, err, stmt)
		}
	}
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return false, err
	}
	var broken []string
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			rows.Close()
			return false, err
		}
		if len(broken) < 10 {
			broken = append(broken, fmt.Sprintf("%s row %d → %s", table, rowid.Int64, parent))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	if len(broken) > 0 {
		return false, fmt.Errorf("%s migration %s breaks foreign keys: %s", module, m.name, strings.Join(broken, "; "))
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	return true, nil
}

// SplitStatements splits a migration file on semicolons that end a line, skipping
// '--' comment lines. Migrations never contain procedural bodies (no triggers or
// functions), so this is enough.
func SplitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			s := strings.TrimSpace(cur.String())
			s = strings.TrimSuffix(s, ";")
			if s != "" {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// NewMigrations wraps a module's embedded "migrations" directory.
func NewMigrations(module string, embedded fs.FS) Migrations {
	sub, err := fs.Sub(embedded, "migrations")
	if err != nil {
		panic(err)
	}
	return Migrations{Module: module, FS: sub}
}

package db

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// BackupSQLite writes a consistent copy of a live SQLite database to out with
// VACUUM INTO, which reads one snapshot while writers carry on. out must not exist.
func BackupSQLite(ctx context.Context, d *DB, out string) error {
	if d.engine != SQLite {
		return errors.New("online backup is for SQLite; use pg_dump for PostgreSQL")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s already exists; choose a new file name", out)
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return err
	}
	if _, err := d.w.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		return fmt.Errorf("backup to %s: %w", out, err)
	}
	// The copy must open and pass SQLite's own check before we call it a backup.
	c, err := Open(ctx, abs)
	if err != nil {
		return err
	}
	defer c.Close()
	var res string
	if err := c.r.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("backup %s failed its integrity check: %s", out, res)
	}
	return nil
}

// Package settings keeps deployment-wide key/value settings that administrators
// change at run time (the security policy, the names of org levels).
package settings

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"strconv"

	"linli/internal/db"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the settings table.
var Migrations = db.NewMigrations("settings", migrationFS).
	Reference("setting")

// Get returns the stored value of key, or def when unset.
func Get(ctx context.Context, q db.Queryer, key, def string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM setting WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return def, nil
	}
	return v, err
}

// GetInt returns an integer setting, or def when unset or unparsable.
func GetInt(ctx context.Context, q db.Queryer, key string, def int) (int, error) {
	v, err := Get(ctx, q, key, "")
	if err != nil {
		return def, err
	}
	return Int(v, def), nil
}

// GetMany returns the stored values of keys in one query; unset keys are absent.
func GetMany(ctx context.Context, q db.Queryer, keys ...string) (map[string]string, error) {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM setting WHERE key IN (`+db.Placeholders(len(keys))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]string, len(keys))
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// Int reads a stored integer value, or def when empty or unparsable.
func Int(v string, def int) int {
	n, err := strconv.Atoi(v)
	if v == "" || err != nil {
		return def
	}
	return n
}

// Set stores key inside tx (callers audit the change in the same transaction).
func Set(ctx context.Context, tx *db.Tx, key, value string, by int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE setting SET value = ?, updated_at = ?, updated_by = ? WHERE key = ?`, value, db.Now(), by, key)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO setting (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)`, key, value, db.Now(), by)
	return err
}

package db_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"linli/internal/db"
	"linli/internal/dbtest"
)

// A write that cannot have the writer (a long transaction holds it) is refused
// after the bounded wait with the Chinese busy message, naming the import when
// an import holds it, and nothing of it is written; reads go on meanwhile.
func TestWriteWaitsBoundedForTheWriter(t *testing.T) {
	dbtest.Run(t, nil, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE busy_probe (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
			t.Fatal(err)
		}
		d.SetWriterWait(200 * time.Millisecond)
		release, done := make(chan struct{}), make(chan error)
		if d.Dialect() == db.SQLite {
			// The one writer, held by a long transaction.
			holding := make(chan struct{})
			go func() {
				done <- d.InTx(ctx, func(tx *db.Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO busy_probe (id, v) VALUES (1, 'long')`); err != nil {
						return err
					}
					close(holding)
					<-release
					return nil
				})
			}()
			<-holding
		} else {
			// PostgreSQL has a pool of writers: every one of them taken.
			var conns []interface{ Close() error }
			for {
				cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
				c, err := d.Raw().Conn(cctx)
				cancel()
				if err != nil {
					break
				}
				conns = append(conns, c)
			}
			if len(conns) == 0 {
				t.Fatal("no connection at all")
			}
			go func() {
				<-release
				for _, c := range conns {
					c.Close()
				}
				_, err := d.ExecContext(ctx, `INSERT INTO busy_probe (id, v) VALUES (1, 'long')`)
				done <- err
			}()
		}
		for _, marked := range []bool{false, true} {
			var unmark func()
			if marked {
				unmark = d.LongWrite(db.LongWriteImport)
			}
			err := d.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO busy_probe (id, v) VALUES (2, 'refused')`)
				return err
			})
			_, execErr := d.ExecContext(ctx, `INSERT INTO busy_probe (id, v) VALUES (3, 'refused')`)
			for _, e := range []error{err, execErr} {
				if !db.IsBusy(e) {
					t.Fatalf("a write while the writer is held: %v", e)
				}
				if want := "系统正在导入台账"; marked != strings.Contains(e.Error(), want) {
					t.Fatalf("marked=%v: message %q", marked, e.Error())
				}
			}
			if unmark != nil {
				unmark()
			}
		}
		var n int
		if d.Dialect() == db.SQLite {
			// WAL readers do not wait for the writer.
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM busy_probe`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("a read during the long write: %d %v", n, err)
			}
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM busy_probe`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("after the long write: %d rows (%v), want only its own", n, err)
		}
	})
}

// Another process holding the SQLite file's write lock (linli import from the
// shell) is the same busy writer to the user, not an internal error.
func TestWriteLockedByAnotherProcessIsBusy(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "linli.db")
	a, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := a.ExecContext(ctx, `CREATE TABLE busy_probe (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	// A short busy_timeout on b's one writer connection keeps the test quick.
	if _, err := b.ExecContext(ctx, `PRAGMA busy_timeout = 100`); err != nil {
		t.Fatal(err)
	}
	holding, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- a.InTx(ctx, func(tx *db.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	err = b.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO busy_probe (id) VALUES (1)`)
		return err
	})
	close(release)
	if e := <-done; e != nil {
		t.Fatal(e)
	}
	if !db.IsBusy(err) {
		t.Fatalf("a write while another process holds the lock: %v", err)
	}
}

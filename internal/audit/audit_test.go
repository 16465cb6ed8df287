package audit_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"linli/internal/audit"
	"linli/internal/db"
	"linli/internal/dbtest"
)

type actor struct{}

func (actor) AuditActor() (int64, string, string, string) {
	return 7, "tester", "sys_admin", "10.0.0.1"
}

func TestChainVerifiesAndCatchesTampering(t *testing.T) {
	dbtest.Run(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log := audit.New([]byte("k"))
		// Appends from several goroutines must still form one chain (PostgreSQL
		// serialises on the head row; SQLite on its single writer).
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					e := audit.Event(actor{}, "test.write", "thing", g*100+i, 0, audit.Success)
					if err := log.RecordAlone(ctx, d, e); err != nil {
						t.Error(err)
						return
					}
				}
			}(g)
		}
		wg.Wait()
		n, brk, err := log.Verify(ctx, d)
		if err != nil || brk != nil || n != 40 {
			t.Fatalf("intact chain: n=%d brk=%v err=%v", n, brk, err)
		}
		// A rolled-back transaction leaves no entry behind.
		_ = d.InTx(ctx, func(tx *db.Tx) error {
			_ = log.Record(ctx, tx, audit.Event(actor{}, "test.rollback", "", nil, 0, ""))
			return context.Canceled
		})
		if n, brk, _ := log.Verify(ctx, d); brk != nil || n != 40 {
			t.Fatalf("after rollback: n=%d brk=%v", n, brk)
		}

		// A verifier with another key sees the very first entry as altered.
		if _, brk, _ := audit.New([]byte("other")).Verify(ctx, d); brk == nil || brk.Seq != 1 {
			t.Fatalf("wrong key must fail at entry 1, got %v", brk)
		}

		// Editing one field of entry 17 by hand is reported at entry 17.
		if _, err := d.ExecContext(ctx, `UPDATE audit_log SET outcome = 'failure' WHERE seq = 17`); err != nil {
			t.Fatal(err)
		}
		if _, brk, _ := log.Verify(ctx, d); brk == nil || brk.Seq != 17 || !strings.Contains(brk.Reason, "altered") {
			t.Fatalf("edited row: %v", brk)
		}
		if _, err := d.ExecContext(ctx, `UPDATE audit_log SET outcome = 'success' WHERE seq = 17`); err != nil {
			t.Fatal(err)
		}
		// Deleting a middle entry is reported at the gap.
		if _, err := d.ExecContext(ctx, `DELETE FROM audit_log WHERE seq = 5`); err != nil {
			t.Fatal(err)
		}
		if _, brk, _ := log.Verify(ctx, d); brk == nil || brk.Seq != 5 {
			t.Fatalf("deleted row: %v", brk)
		}
	})
}

func TestTruncatedTailIsCaught(t *testing.T) {
	dbtest.Run(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log := audit.New([]byte("k"))
		for i := 0; i < 3; i++ {
			if err := log.RecordAlone(ctx, d, audit.Event(actor{}, "x", "", i, 0, "")); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.ExecContext(ctx, `DELETE FROM audit_log WHERE seq = 3`); err != nil {
			t.Fatal(err)
		}
		if _, brk, _ := log.Verify(ctx, d); brk == nil || brk.Seq != 3 {
			t.Fatalf("truncated tail: %v", brk)
		}
	})
}

func TestSearch(t *testing.T) {
	dbtest.Run(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log := audit.New([]byte("k"))
		for _, a := range []string{"login", "login_failed", "org.update"} {
			if err := log.RecordAlone(ctx, d, audit.Event(actor{}, a, "", nil, 0, "")); err != nil {
				t.Fatal(err)
			}
		}
		got, total, err := audit.Search(ctx, d.Reader(), audit.Filter{Action: "login"})
		if err != nil || total != 2 || len(got) != 2 || got[0].Action != "login_failed" {
			t.Fatalf("search: %v %d %+v", err, total, got)
		}
		if _, total, _ := audit.Search(ctx, d.Reader(), audit.Filter{Actor: "%"}); total != 0 {
			t.Fatalf("wildcards in input must be literal, got %d", total)
		}
	})
}

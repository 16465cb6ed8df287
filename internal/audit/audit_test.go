package audit_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"linli/internal/audit"
	"linli/internal/db"
	"linli/internal/dbtest"
	"linli/internal/org"
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

// orgTree creates a street (10) with two communities (20, 30) and a grid (21)
// in community 20.
func orgTree(t *testing.T, d *db.DB) {
	t.Helper()
	for _, u := range []struct {
		id, parent, community any
		level, path           string
	}{
		{10, nil, nil, "street", "/10/"},
		{20, 10, 20, "community", "/10/20/"},
		{21, 20, 20, "grid", "/10/20/21/"},
		{30, 10, 30, "community", "/10/30/"},
	} {
		if _, err := d.ExecContext(context.Background(), `INSERT INTO org_unit (id, parent_id, level, name, code, path, community_id, valid_from, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, '2020-01-01', 0, 0)`, u.id, u.parent, u.level, fmt.Sprint("unit ", u.id), fmt.Sprint(u.id), u.path, u.community); err != nil {
			t.Fatal(err)
		}
	}
}

// Each community has a chain of its own (a grid's entries in its
// community's, a street's in the street's own, no unit in partition 0's);
// Verify checks them all, and tampering in one community's chain is found
// there and named, the other chains still holding.
func TestChainPerCommunity(t *testing.T) {
	dbtest.Run(t, []db.Migrations{audit.Migrations, org.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orgTree(t, d)
		log := audit.New([]byte("k"))
		// Writers of the four partitions at once, two per unit: a chain's
		// first entry is raced for.
		var wg sync.WaitGroup
		for _, unit := range []int64{0, 10, 20, 21, 30, 0, 10, 20, 21, 30} {
			wg.Add(1)
			go func(unit int64) {
				defer wg.Done()
				for i := 0; i < 3; i++ {
					if err := log.RecordAlone(ctx, d, audit.Event(actor{}, "test.write", "thing", i, unit, audit.Success)); err != nil {
						t.Error(err)
						return
					}
				}
			}(unit)
		}
		wg.Wait()
		got := map[int64]int64{}
		rows, err := d.QueryContext(ctx, `SELECT community_id, COUNT(*), MAX(seq) FROM audit_log GROUP BY community_id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c, n, max int64
			if err := rows.Scan(&c, &n, &max); err != nil {
				t.Fatal(err)
			}
			if n != max {
				t.Errorf("partition %d: %d entries numbered up to %d", c, n, max)
			}
			got[c] = n
		}
		rows.Close()
		if want := map[int64]int64{0: 6, 10: 6, 20: 12, 30: 6}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("entries per partition: %v, want %v", got, want)
		}
		chains, err := log.VerifyChains(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if len(chains) != 4 {
			t.Fatalf("chains: %+v", chains)
		}
		for _, c := range chains {
			if c.Break != nil || c.Entries != got[c.CommunityID] {
				t.Errorf("intact chain %d: %+v", c.CommunityID, c)
			}
		}

		// An entry of community 30 edited by hand: its chain breaks there,
		// named; the others hold.
		if _, err := d.ExecContext(ctx, `UPDATE audit_log SET actor_name = 'someone-else' WHERE community_id = 30 AND seq = 4`); err != nil {
			t.Fatal(err)
		}
		chains, err = log.VerifyChains(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range chains {
			if c.CommunityID == 30 {
				if c.Break == nil || c.Break.CommunityID != 30 || c.Break.Seq != 4 || !strings.Contains(c.Break.Error(), "audit entry 4 of chain 30") {
					t.Errorf("edited entry of community 30: %+v", c.Break)
				}
			} else if c.Break != nil {
				t.Errorf("chain %d reported broken by community 30's edit: %v", c.CommunityID, c.Break)
			}
		}
		if n, brk, _ := log.Verify(ctx, d); brk == nil || brk.CommunityID != 30 || brk.Seq != 4 || n != 6+6+12+4 {
			t.Errorf("Verify: n=%d brk=%v", n, brk)
		}
		if _, err := d.ExecContext(ctx, `UPDATE audit_log SET actor_name = 'tester' WHERE community_id = 30 AND seq = 4`); err != nil {
			t.Fatal(err)
		}

		// Community 30's whole chain passed off as another partition's (31),
		// head and all, does not verify: each hash binds its entry to its
		// chain.
		for _, q := range []string{
			`INSERT INTO audit_log (community_id, seq, at, actor_id, actor_name, role, action, object_type, object_id, org_unit_id, ip, outcome, detail, prev_hash, hash)
				SELECT 31, seq, at, actor_id, actor_name, role, action, object_type, object_id, org_unit_id, ip, outcome, detail, prev_hash, hash FROM audit_log WHERE community_id = 30`,
			`DELETE FROM audit_log WHERE community_id = 30`,
			`INSERT INTO audit_head (community_id, seq, hash) SELECT 31, seq, hash FROM audit_head WHERE community_id = 30`,
			`DELETE FROM audit_head WHERE community_id = 30`,
		} {
			if _, err := d.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if _, brk, _ := log.Verify(ctx, d); brk == nil || brk.CommunityID != 31 || brk.Seq != 1 || !strings.Contains(brk.Reason, "altered") {
			t.Errorf("community 30's chain moved to 31: %v", brk)
		}
		// A chain whose head row is gone is reported.
		if _, err := d.ExecContext(ctx, `DELETE FROM audit_head WHERE community_id = 10`); err != nil {
			t.Fatal(err)
		}
		chains, _ = log.VerifyChains(ctx, d)
		for _, c := range chains {
			if c.CommunityID == 10 && (c.Break == nil || !strings.Contains(c.Break.Reason, "no head")) {
				t.Errorf("street chain without its head: %+v", c.Break)
			}
		}
	})
}

// oldHash is the entry hash as it was before chains per partition (frozen
// here): a partition 0 entry still hashes so.
func oldHash(key []byte, seq, at int64, actorName, action, outcome, prev string) string {
	m := hmac.New(sha256.New, key)
	for _, f := range []string{strconv.FormatInt(seq, 10), strconv.FormatInt(at, 10), "0", actorName, "", action, "", "", "0", "", outcome, "", prev} {
		m.Write([]byte(strconv.Itoa(len(f))))
		m.Write([]byte{':'})
		m.Write([]byte(f))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// A log written before chains per partition (one chain, audit_head's one
// row) becomes partition 0's history: it still verifies after the
// migration, partition 0 continues it, and communities start their own.
func TestSingleChainBecomesPartitionZero(t *testing.T) {
	dbtest.Run(t, nil, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		first := fstest.MapFS{}
		for _, dialect := range []string{"postgres", "sqlite"} {
			name := "migrations/" + dialect + "/0001_audit.sql"
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			first[dialect+"/0001_audit.sql"] = &fstest.MapFile{Data: b}
		}
		old := db.Migrations{Module: "audit", FS: first}.Reference("audit_log", "audit_head")
		if _, err := d.Migrate(ctx, []db.Migrations{old, org.Migrations}); err != nil {
			t.Fatal(err)
		}
		orgTree(t, d)
		key := []byte("k")
		prev := ""
		for seq := int64(1); seq <= 3; seq++ {
			h := oldHash(key, seq, 1000+seq, "old", "login", "success", prev)
			if _, err := d.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor_name, action, outcome, prev_hash, hash) VALUES (?, ?, 'old', 'login', 'success', ?, ?)`, seq, 1000+seq, prev, h); err != nil {
				t.Fatal(err)
			}
			if _, err := d.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, seq, h); err != nil {
				t.Fatal(err)
			}
			prev = h
		}
		if _, err := d.Migrate(ctx, []db.Migrations{audit.Migrations, org.Migrations}); err != nil {
			t.Fatal(err)
		}
		log := audit.New(key)
		for _, unit := range []int64{0, 21} {
			if err := log.RecordAlone(ctx, d, audit.Event(actor{}, "test.write", "", nil, unit, "")); err != nil {
				t.Fatal(err)
			}
		}
		chains, err := log.VerifyChains(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%+v", chains); got != "[{CommunityID:0 Entries:4 Break:<nil>} {CommunityID:20 Entries:1 Break:<nil>}]" {
			t.Fatalf("chains after the migration: %s", got)
		}
		// The old entries are still checked: one edited is found.
		if _, err := d.ExecContext(ctx, `UPDATE audit_log SET actor_name = 'x' WHERE community_id = 0 AND seq = 2`); err != nil {
			t.Fatal(err)
		}
		if _, brk, _ := log.Verify(ctx, d); brk == nil || brk.CommunityID != 0 || brk.Seq != 2 {
			t.Fatalf("edited old entry: %v", brk)
		}
	})
}

// Pages of the log go newest first by (at, community_id, seq) across the
// chains, even where entries of several chains share a millisecond and a
// seq: every entry once, older pages by Before, back by After.
func TestPageKeysetAcrossChains(t *testing.T) {
	dbtest.Run(t, []db.Migrations{audit.Migrations, org.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orgTree(t, d)
		log := audit.New([]byte("k"))
		for i := 0; i < 4; i++ {
			for _, unit := range []int64{0, 20, 30} {
				e := audit.Event(actor{}, "test.write", "thing", i, unit, audit.Success)
				e.At = 5000 + int64(i/2) // two rounds per millisecond
				if err := log.RecordAlone(ctx, d, e); err != nil {
					t.Fatal(err)
				}
			}
		}
		all, _, err := audit.Page(ctx, d, audit.Filter{Limit: 100})
		if err != nil || len(all) != 12 {
			t.Fatalf("all: %d %v", len(all), err)
		}
		want := []string{}
		for _, e := range all {
			want = append(want, e.Cursor().String())
		}
		if want[0] != "5001-30-4" || want[1] != "5001-30-3" || want[2] != "5001-20-4" || want[11] != "5000-0-1" {
			t.Fatalf("order: %v", want)
		}
		// Forward by Before, three at a time.
		var got []string
		f := audit.Filter{Limit: 3}
		var pages [][]audit.Entry
		for {
			es, more, err := audit.Page(ctx, d, f)
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, es)
			for _, e := range es {
				got = append(got, e.Cursor().String())
			}
			if !more {
				break
			}
			f.Before = es[len(es)-1].Cursor()
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || len(pages) != 4 {
			t.Fatalf("paged by Before: %v, want %v", got, want)
		}
		// Back from the last page by After: the page before it.
		es, more, err := audit.Page(ctx, d, audit.Filter{Limit: 3, After: pages[3][0].Cursor()})
		if err != nil || !more || fmt.Sprint(es) != fmt.Sprint(pages[2]) {
			t.Fatalf("paged back by After: %v more=%v err=%v", es, more, err)
		}
		// One chain's entries alone.
		es, _, err = audit.Page(ctx, d, audit.Filter{Limit: 100, Communities: []int64{20}})
		if err != nil || len(es) != 4 {
			t.Fatalf("chain 20: %d %v", len(es), err)
		}
		for _, e := range es {
			if e.CommunityID != 20 {
				t.Errorf("chain 20's page holds %s", e.Ref())
			}
		}
		if es, _, _ := audit.Page(ctx, d, audit.Filter{Communities: []int64{}}); len(es) != 0 {
			t.Errorf("no chains: %d entries", len(es))
		}
		// A cursor survives its trip through a URL; anything else is none.
		if c := audit.ParseCursor(all[5].Cursor().String()); c != all[5].Cursor() {
			t.Fatalf("cursor round trip: %v", c)
		}
		for _, bad := range []string{"", "1-2", "a-b-c", "1--2-3", "-1-2-3"} {
			if !audit.ParseCursor(bad).IsZero() {
				t.Errorf("cursor %q read as %v", bad, audit.ParseCursor(bad))
			}
		}
	})
}

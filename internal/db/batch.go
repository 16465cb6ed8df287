package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Bulk writing for importers and generators: ids are handed out before rows are
// written, so that rows referring to each other can be batched into multi-row
// INSERTs instead of one round trip per row.

// IDs hands out ids for a table whose rows are inserted with explicit ids.
type IDs struct {
	tx    *Tx
	table string
	seq   string // PostgreSQL identity sequence
	next  int64
	block []int64
	size  int // ids the next block fetches
}

// idBlock is the first block of ids fetched from a sequence; in a bulk
// transaction each further block doubles, up to maxIDBlock: each fetch is a
// statement on the transaction's connection, which waits for the COPYs queued
// before it (Tx.sync), so a million rows fetch a few large blocks rather than
// a thousand small ones. Ids left over are gaps, as after any rollback.
const (
	idBlock    = 1000
	maxIDBlock = 65536
)

// IDs starts handing out ids for table. On SQLite the transaction holds the only
// write lock, so the ids after the current maximum are free; on PostgreSQL they
// come from the table's identity sequence in blocks, which other writers respect.
func (t *Tx) IDs(ctx context.Context, table string) (*IDs, error) {
	ids := &IDs{tx: t, table: table}
	if t.Dialect() == Postgres {
		if err := t.QueryRowContext(ctx, `SELECT pg_get_serial_sequence(?, 'id')`, table).Scan(&ids.seq); err != nil {
			return nil, fmt.Errorf("identity sequence of %s: %w", table, err)
		}
		return ids, nil
	}
	if err := t.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&ids.next); err != nil {
		return nil, err
	}
	return ids, nil
}

// Next returns a fresh id.
func (i *IDs) Next(ctx context.Context) (int64, error) {
	if i.seq == "" {
		i.next++
		return i.next, nil
	}
	if len(i.block) == 0 {
		if i.size == 0 {
			i.size = idBlock
		}
		rows, err := i.tx.QueryContext(ctx, `SELECT nextval(?::regclass) FROM generate_series(1, ?)`, i.seq, i.size)
		if i.tx.bulk && i.size < maxIDBlock {
			i.size *= 2
		}
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return 0, err
			}
			i.block = append(i.block, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	v := i.block[0]
	i.block = i.block[1:]
	return v, nil
}

// InBulkTx is InTx for bulk loads: on PostgreSQL the transaction's batches
// load with COPY on the transaction's own connection (one transaction: all
// rows or none). On SQLite it is InTx.
func (d *DB) InBulkTx(ctx context.Context, fn func(tx *Tx) error) error {
	return d.InTx(ctx, func(tx *Tx) error {
		tx.bulk = true
		if d.citus {
			// Close every worker connection when the load commits instead of
			// keeping one per worker for the next statement. A worker
			// backend that commits the prepared load less than a second
			// after its last statistics flush holds its insert counts back
			// for ten seconds (PostgreSQL's PGSTAT_IDLE_INTERVAL): they would
			// land after the VACUUM that follows a load (Analyze) and undo
			// it, and autovacuum would go over every loaded row while users
			// search. A backend that exits flushes them at once.
			if _, err := tx.ExecContext(ctx, `SET LOCAL citus.max_cached_conns_per_worker = 0`); err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// copyQueue runs a bulk transaction's COPY batches behind its caller, in
// order, on the transaction's connection: the importer reads and checks the
// next rows while PostgreSQL loads the last ones. Every other use of the
// connection first waits for the queue (Tx.sync), so a statement sees every
// row queued before it. At most one batch waits while one loads: memory stays
// bounded and a slow server slows the caller down.
type copyQueue struct {
	jobs    chan copyJob
	pending sync.WaitGroup // jobs queued or loading
	mu      sync.Mutex
	err     error // the first COPY that failed; later jobs are skipped
}

type copyJob struct {
	ctx   context.Context
	table string
	cols  []string
	vals  []any
}

// errCopiesAbandoned skips the COPYs still queued when a transaction ends in error.
var errCopiesAbandoned = errors.New("bulk transaction ended before its COPYs ran")

func (q *copyQueue) failed() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.err
}

func (q *copyQueue) fail(err error) {
	q.mu.Lock()
	if q.err == nil {
		q.err = err
	}
	q.mu.Unlock()
}

// copyDelay holds each queued COPY back (tests only: SlowCopies).
var copyDelay time.Duration

func (q *copyQueue) run(t *Tx) {
	for j := range q.jobs {
		time.Sleep(copyDelay)
		if q.failed() == nil {
			if err := t.copyFrom(j.ctx, j.table, j.cols, j.vals); err != nil {
				q.fail(err)
			}
		}
		q.pending.Done()
	}
}

// queueCopy hands a batch's rows (which the queue now owns) to the COPY queue,
// starting it on first use.
func (t *Tx) queueCopy(ctx context.Context, table string, cols []string, vals []any) error {
	q := t.copies
	if q == nil {
		q = &copyQueue{jobs: make(chan copyJob, 1)}
		t.copies = q
		go q.run(t)
	}
	if err := q.failed(); err != nil {
		return err
	}
	q.pending.Add(1)
	select {
	case q.jobs <- copyJob{ctx: ctx, table: table, cols: cols, vals: vals}:
		return nil
	case <-ctx.Done():
		q.pending.Done()
		return ctx.Err()
	}
}

// sync waits until every queued COPY has loaded and returns the first that
// failed: the transaction is then aborted, and that COPY's error is the cause.
func (t *Tx) sync() error {
	if t.copies == nil {
		return nil
	}
	t.copies.pending.Wait()
	return t.copies.failed()
}

// endCopies stops the queue when the transaction ends. On success (ok) every
// queued COPY runs first and the first failure is returned; otherwise the
// queued ones are skipped, and the loading one finishes before the rollback
// (a COPY must never run after it, outside the transaction).
func (t *Tx) endCopies(ok bool) error {
	q := t.copies
	if q == nil {
		return nil
	}
	if !ok {
		q.fail(errCopiesAbandoned)
	}
	q.pending.Wait()
	close(q.jobs)
	t.copies = nil
	if err := q.err; err != nil && !errors.Is(err, errCopiesAbandoned) {
		return err
	}
	return nil
}

// copyFrom loads rows (cols values each, flat) into table with COPY on the
// transaction's connection.
func (t *Tx) copyFrom(ctx context.Context, table string, cols []string, vals []any) error {
	return t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy into %s: not a pgx connection (%T)", table, dc)
		}
		src := &flatRows{vals: vals, cols: len(cols), at: -len(cols)}
		n, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, src)
		if err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
		if want := int64(len(vals) / len(cols)); n != want {
			return fmt.Errorf("copy into %s: %d of %d rows", table, n, want)
		}
		return nil
	})
}

// flatRows hands a batch's flat value buffer to COPY row by row.
type flatRows struct {
	vals     []any
	cols, at int
}

func (r *flatRows) Next() bool             { r.at += r.cols; return r.at < len(r.vals) }
func (r *flatRows) Values() ([]any, error) { return r.vals[r.at : r.at+r.cols], nil }
func (r *flatRows) Err() error             { return nil }

// copyRows is how many rows a COPY batch sends at once.
const copyRows = 5000

// Batch collects rows of one table and writes them as multi-row INSERTs, or,
// in a PostgreSQL transaction begun with InBulkTx, with COPY.
type Batch struct {
	tx      *Tx
	table   string
	columns []string
	copy    bool
	prefix  string
	row     string
	cols    int
	perStmt int
	buf     []any
	n       int
	full    *sql.Stmt
	// Before runs before this batch writes: rows that reference another batch's
	// rows write that batch first (foreign keys are checked at once).
	Before func(ctx context.Context) error
}

// NewBatch prepares batched inserts of cols into table, perStmt rows a statement
// (kept under both engines' parameter limits).
func (t *Tx) NewBatch(table string, cols []string, perStmt int) *Batch {
	if max := 30000 / len(cols); perStmt > max {
		perStmt = max
	}
	if t.bulk && t.conn != nil && t.Dialect() == Postgres {
		return &Batch{tx: t, table: table, columns: cols, copy: true, cols: len(cols), perStmt: copyRows}
	}
	return &Batch{tx: t, prefix: `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `,
		row: "(" + Placeholders(len(cols)) + ")", cols: len(cols), perStmt: perStmt}
}

// Add queues one row, writing a full batch when there is one.
func (b *Batch) Add(ctx context.Context, vals ...any) error {
	if len(vals) != b.cols {
		return fmt.Errorf("batch: %d values for %d columns", len(vals), b.cols)
	}
	b.buf = append(b.buf, vals...)
	b.n++
	if b.n == b.perStmt {
		return b.write(ctx)
	}
	return nil
}

func (b *Batch) statement(n int) string {
	var sb strings.Builder
	sb.WriteString(b.prefix)
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(b.row)
	}
	return sb.String()
}

func (b *Batch) write(ctx context.Context) error {
	// Parents first, even with nothing queued here: a flush writes them all.
	if b.Before != nil {
		if err := b.Before(ctx); err != nil {
			return err
		}
	}
	if b.n == 0 {
		return nil
	}
	var err error
	if b.copy {
		err = b.tx.queueCopy(ctx, b.table, b.columns, b.buf)
		b.buf, b.n = make([]any, 0, cap(b.buf)), 0 // the queue owns the rows now
		return err
	} else if b.n == b.perStmt {
		if b.full == nil {
			if b.full, err = b.tx.PrepareContext(ctx, b.statement(b.perStmt)); err != nil {
				return err
			}
		}
		_, err = b.full.ExecContext(ctx, b.buf...)
	} else {
		_, err = b.tx.ExecContext(ctx, b.statement(b.n), b.buf...)
	}
	b.buf, b.n = b.buf[:0], 0
	return err
}

// Write writes what is queued now, keeping the statement for more.
func (b *Batch) Write(ctx context.Context) error { return b.write(ctx) }

// Flush writes what is queued and releases the statement.
func (b *Batch) Flush(ctx context.Context) error {
	err := b.write(ctx)
	if b.full != nil {
		b.full.Close()
		b.full = nil
	}
	return err
}

// BulkIndexes prepares tables for a bulk load that will at least double them:
// on SQLite it drops their secondary indexes inside the transaction and gives the
// writer a larger page cache, and the returned rebuild recreates the indexes
// (sorted builds are many times faster than a million random inserts into a
// dozen indexes). Readers are unaffected: they keep their WAL snapshot until the
// commit. On PostgreSQL dropping an index would lock every reader out, so it
// does nothing there. A rollback restores everything.
func (t *Tx) BulkIndexes(ctx context.Context, tables ...string) (rebuild func(context.Context) error, err error) {
	if t.Dialect() != SQLite {
		return func(context.Context) error { return nil }, nil
	}
	rows, err := t.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (`+Placeholders(len(tables))+`)`, stringArgs(tables)...)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var n, d string
		if err := rows.Scan(&n, &d); err != nil {
			rows.Close()
			return nil, err
		}
		if strings.HasSuffix(n, "_pkey") {
			// A community table's key (community_id, id): foreign keys
			// refer to it, and SQLite refuses a child row whose parent key
			// has no index ("foreign key mismatch").
			continue
		}
		names, defs = append(names, n), append(defs, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, err := t.ExecContext(ctx, `DROP INDEX "`+n+`"`); err != nil {
			return nil, err
		}
	}
	// Sorts that outgrow the page cache (and its size bounds a sort's memory)
	// spill to temporary files, not to memory (the connection's temp_store is
	// MEMORY): a million rows' index builds otherwise held their whole sort
	// runs in RAM. The cache keeps its size: a larger one measured no faster
	// and cost twice its size in memory (each page is its own allocation).
	if _, err := t.ExecContext(ctx, `PRAGMA temp_store = FILE`); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		defer func() { _, _ = t.ExecContext(ctx, `PRAGMA temp_store = MEMORY`) }()
		// A sort keeps up to the page cache's size in one buffer, grown by
		// doubling (the old and the new one held at once), on top of the
		// cache: at 32 MB a web import's server peaked 50 MB higher while
		// the indexes were built. With 8 MB the sorts merge more runs from
		// their temporary files, which measured no slower.
		var cache int
		if err := t.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `PRAGMA cache_size = `+strconv.Itoa(rebuildCacheSize)); err != nil {
			return err
		}
		defer func() { _, _ = t.ExecContext(ctx, `PRAGMA cache_size = `+strconv.Itoa(cache)) }()
		for _, d := range defs {
			if _, err := t.ExecContext(ctx, d); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// rebuildCacheSize is the writer's page cache while BulkIndexes rebuilds, in
// SQLite's units (negative: KiB).
const rebuildCacheSize = -8000

func stringArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

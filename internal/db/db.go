// Package db opens Linli's storage (embedded SQLite or PostgreSQL) and gives the
// modules one small API over both: queries are written with '?' placeholders and
// rebound for PostgreSQL, writes run in transactions on the writer pool, and each
// module brings its own migrations per dialect.
//
// Conventions shared by every schema so that the same SQL runs on both engines and
// on PostgreSQL-compatible distributed engines:
//   - ids are BIGINT identity / INTEGER PRIMARY KEY, returned with RETURNING;
//   - timestamps are BIGINT unix milliseconds (UTC) in columns named *_at;
//   - calendar dates are TEXT 'YYYY-MM-DD' in columns named *_on or *_date;
//   - booleans are BOOLEAN and written as parameters or TRUE/FALSE;
//   - no triggers, advisory locks or LISTEN/NOTIFY.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"linli/internal/i18n"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is a Linli database. On SQLite it holds two pools: one writer connection
// (SQLite allows one writer at a time; a single connection avoids busy waits
// inside the process) and several read-only connections that WAL lets run beside
// it. On PostgreSQL both are the same pool.
type DB struct {
	engine Dialect
	// Location is the file path (SQLite) or the URL without password (PostgreSQL).
	Location string
	w        *sql.DB
	r        *sql.DB
	rebinds  *lru[string]    // query -> rebound query (PostgreSQL only)
	stmts    *lru[*sql.Stmt] // prepared read statements (SQLite only)
	// writerWait bounds how long a write waits for a writer connection
	// (0 = DefaultWriterWait; see SetWriterWait).
	writerWait atomic.Int64
	// longWrite names the long write holding the writer now ("" = none), for
	// the message of a write that could not wait for it.
	longWrite atomic.Pointer[string]
	// citus: the database is a Citus coordinator (see citus.go).
	citus bool
	// readGate admits Read's units of work in arrival order (see Read).
	readGate chan struct{}
	// trace sees every statement run through d and its transactions (tests:
	// SetTrace).
	trace atomic.Pointer[func(q string, args []any)]
}

// SetTrace has fn called with every statement (as written, before rebinding)
// and its arguments run through d and its transactions, until SetTrace(nil).
// Tests use it to check the statements a request runs (e.g. that each is a
// single-shard statement on Citus).
func (d *DB) SetTrace(fn func(q string, args []any)) {
	if fn == nil {
		d.trace.Store(nil)
		return
	}
	d.trace.Store(&fn)
}

func (d *DB) traced(q string, args []any) {
	if fn := d.trace.Load(); fn != nil {
		(*fn)(q, args)
	}
}

// SetWriterWait sets how long a write waits for a writer connection (0 =
// DefaultWriterWait). On SQLite there is one writer, and a ledger import holds
// it for as long as its commit takes: a write that arrives meanwhile is told
// so after this long instead of hanging.
func (d *DB) SetWriterWait(wait time.Duration) { d.writerWait.Store(int64(wait)) }

// DefaultWriterWait is how long a write waits for the writer by default: longer
// than any ordinary transaction under load, far shorter than an import.
const DefaultWriterWait = 8 * time.Second

// Long writes that hold the writer for minutes, named in the busy message.
const (
	LongWriteImport = "import"
)

// LongWrite marks the writer as held by a long write of kind (LongWriteImport)
// until the returned function is called, so that a write that cannot wait
// says why. Only the message depends on it.
func (d *DB) LongWrite(kind string) (done func()) {
	d.longWrite.Store(&kind)
	return func() { d.longWrite.CompareAndSwap(&kind, nil) }
}

// IsBusy reports whether err is a write that gave up waiting for the writer.
func IsBusy(err error) bool {
	var ie *i18n.Error
	return errors.As(err, &ie) && ie.Code == "busy"
}

func (d *DB) busyError() error {
	if k := d.longWrite.Load(); k != nil && *k == LongWriteImport {
		return i18n.NewError("busy", "err.busy_import")
	}
	return i18n.NewError("busy", "err.busy")
}

// writer takes a writer connection, waiting at most WriterWait (or until ctx
// ends). The wait bounds only the taking: the connection does not depend on
// the shorter context afterwards.
func (d *DB) writer(ctx context.Context) (*sql.Conn, error) {
	wait := time.Duration(d.writerWait.Load())
	if wait <= 0 {
		wait = DefaultWriterWait
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	c, err := d.w.Conn(wctx)
	if err != nil && ctx.Err() == nil && errors.Is(wctx.Err(), context.DeadlineExceeded) {
		return nil, d.busyError()
	}
	return c, err
}

// lockedByOther reports a SQLite write refused because another process (a
// `linli import` from the shell, say) held the file's write lock for longer
// than busy_timeout: to the user that is the same busy writer.
func lockedByOther(err error) bool {
	var ce interface{ Code() int }
	return err != nil && errors.As(err, &ce) && ce.Code()&0xff == 5 // SQLITE_BUSY
}

// Open opens the database at target: a postgres:// or postgresql:// URL, or a
// file path for SQLite (created if absent).
func Open(ctx context.Context, target string) (*DB, error) {
	if IsPostgresURL(target) {
		return openPostgres(ctx, target)
	}
	return openSQLite(ctx, target)
}

// IsPostgresURL reports whether target names a PostgreSQL server.
func IsPostgresURL(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	// Page caches are per connection: 32 MB for the writer, 8 MB for each
	// reader (see sqliteReaders), so that serve stays within its memory budget
	// at a million residents; the operating system's file cache serves the rest.
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)"
	// The writer is opened first so that it switches the file to WAL before any reader.
	w, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=cache_size(-32000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=cache_size(-8000)&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	readers := sqliteReaders()
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	r.SetConnMaxIdleTime(5 * time.Minute)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return newDB(SQLite, path, w, r), nil
}

// sqliteReaders is the size of the read pool: two per core (reads are CPU
// work once the file is cached; more connections would only hold more page
// caches), at least 4 so that a long export does not starve the pages, at
// most 8; and two more than the read queue may hold (see readGateSize).
func sqliteReaders() int {
	return sqliteQueued() + 2
}

// sqliteQueued is how many units of the read queue run at once on SQLite.
func sqliteQueued() int {
	return min(8, max(4, 2*runtime.GOMAXPROCS(0)))
}

func openPostgres(ctx context.Context, rawURL string) (*DB, error) {
	p, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, err
	}
	// As many kept idle as may be open: with fewer, a burst of more than the
	// idle count (a notice opens sign-ups) closes and opens connections all
	// through it, each a new server process, and the first statements of
	// each are planned afresh. Idle ones still go after five minutes.
	p.SetMaxOpenConns(20)
	p.SetMaxIdleConns(20)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("connect to PostgreSQL %s: %w", RedactURL(rawURL), err)
	}
	d := newDB(Postgres, RedactURL(rawURL), p, p)
	if err := d.detectCitus(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return d, nil
}

// Bounds of the caches of query texts. Both are far above the number of
// distinct statements the code writes; only texts that differ per value would
// reach them, and those are bounded so that they cannot grow forever.
const (
	MaxCachedStmts   = 400
	MaxCachedRebinds = 4096
	stmtGrace        = time.Minute
)

func newDB(engine Dialect, location string, w, r *sql.DB) *DB {
	return &DB{engine: engine, Location: location, w: w, r: r, readGate: make(chan struct{}, readGateSize(engine)),
		rebinds: newLRU[string](MaxCachedRebinds, nil),
		// An evicted statement may have just been handed to a query that has
		// not started yet: it is closed a while later (database/sql then
		// waits for rows still open on it).
		stmts: newLRU[*sql.Stmt](MaxCachedStmts, func(st *sql.Stmt) { time.AfterFunc(stmtGrace, func() { st.Close() }) }),
	}
}

// CachedQueries reports the sizes of the caches of query texts (tests).
func (d *DB) CachedQueries() (prepared, rebound int) { return d.stmts.len(), d.rebinds.len() }

// RedactURL hides the password of a database URL for messages and logs.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Close closes both pools.
func (d *DB) Close() error {
	for _, st := range d.stmts.drain() {
		st.Close()
	}
	err := d.w.Close()
	if d.r != d.w {
		if e := d.r.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Raw gives the writer pool for the few callers that need database/sql directly
// (backups, bulk loaders).
func (d *DB) Raw() *sql.DB { return d.w }

// Rebind turns '?' placeholders into the engine's own. Question marks inside
// string literals or quoted identifiers are left alone.
func (d *DB) Rebind(q string) string {
	if d.engine != Postgres {
		return q
	}
	if v, ok := d.rebinds.get(q); ok {
		return v
	}
	out, _ := d.rebinds.add(q, rebindDollar(q))
	return out
}

func rebindDollar(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			b.WriteByte(c)
		case c == '\'' || c == '"':
			quote = c
			b.WriteByte(c)
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Queryer is what both *DB and *Tx offer for reading and writing.
type Queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	Dialect() Dialect
}

// Reader returns a Queryer on the read pool. Writes through it fail on SQLite.
func (d *DB) Reader() Queryer { return readerQ{d} }

type readerQ struct{ d *DB }

func (q readerQ) QueryContext(ctx context.Context, s string, args ...any) (*sql.Rows, error) {
	return q.d.QueryContext(ctx, s, args...)
}
func (q readerQ) QueryRowContext(ctx context.Context, s string, args ...any) *sql.Row {
	return q.d.QueryRowContext(ctx, s, args...)
}
func (q readerQ) ExecContext(ctx context.Context, s string, args ...any) (sql.Result, error) {
	q.d.traced(s, args)
	return q.d.r.ExecContext(ctx, q.d.Rebind(s), args...)
}
func (q readerQ) Dialect() Dialect { return q.d.engine }

// QueryContext reads on the read pool.
func (d *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	d.traced(q, args)
	if st := d.readStmt(ctx, q); st != nil { //nolint:sqlclosecheck // kept prepared: readStmt's cache closes it
		return st.QueryContext(ctx, args...)
	}
	return d.r.QueryContext(ctx, d.Rebind(q), args...)
}

// Int64s reads a one-column query of integers (ids, mostly) on the read pool.
func (d *DB) Int64s(ctx context.Context, q string, args ...any) ([]int64, error) {
	return int64s(d.QueryContext(ctx, q, args...))
}

// Int64s reads a one-column query of integers inside the transaction (the ids
// an INSERT … RETURNING id hands back, say).
func (t *Tx) Int64s(ctx context.Context, q string, args ...any) ([]int64, error) {
	return int64s(t.QueryContext(ctx, q, args...))
}

func int64s(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// QueryRowContext reads one row on the read pool.
func (d *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	d.traced(q, args)
	if st := d.readStmt(ctx, q); st != nil { //nolint:sqlclosecheck // kept prepared: readStmt's cache closes it
		return st.QueryRowContext(ctx, args...)
	}
	return d.r.QueryRowContext(ctx, d.Rebind(q), args...)
}

// readStmt keeps SQLite read statements prepared: parsing and planning a
// query costs as much as running a small one, and a page runs a dozen. The
// MaxCachedStmts most recently used are kept (PostgreSQL's driver keeps its
// own statement cache).
func (d *DB) readStmt(ctx context.Context, q string) *sql.Stmt {
	if d.engine != SQLite {
		return nil
	}
	if st, ok := d.stmts.get(q); ok {
		return st
	}
	st, err := d.r.PrepareContext(ctx, q)
	if err != nil {
		return nil // the plain query reports the error
	}
	kept, added := d.stmts.add(q, st)
	if !added {
		st.Close()
	}
	return kept
}

// readGateSize is how many Read units run at once: on SQLite as many as
// there are readers for the queue (sqliteReaders keeps two more for the reads
// made outside it, so that a unit's own read outside it, such as a cache
// filled on a miss, always finds a connection); on PostgreSQL two per core of
// this process's machine, well under the pool, as more statements at once
// only share the same cores (measured: a due list costs PostgreSQL 0.9 ms of
// CPU with four at once, 1.4 ms with twenty).
func readGateSize(engine Dialect) int {
	if engine == SQLite {
		return sqliteQueued()
	}
	return max(4, 2*runtime.GOMAXPROCS(0))
}

// Read runs fn's reads as one unit on one connection of the read pool,
// admitted in arrival order. It is for the short reads that users repeat all
// day (a due list): database/sql hands a freed connection to a random waiter,
// so when the pool is busy some requests wait many turns and the slowest
// take several times the median; Read's queue is first come, first served.
// On SQLite the unit is one read transaction (one snapshot, and the kept
// statements prepared on its connection); on PostgreSQL each statement is its
// own, as outside Read (a transaction would cost two more round trips).
// fn must not do slow work or wait on anything but its statements.
func (d *DB) Read(ctx context.Context, fn func(q Queryer) error) error {
	select {
	case d.readGate <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-d.readGate }()
	if d.engine == SQLite {
		tx, err := d.r.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }() // a read has nothing to keep
		return fn(readQ{d: d, q: tx, tx: tx})
	}
	c, err := d.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(readQ{d: d, q: c})
}

// readQ is Read's Queryer: SQLite's kept statements run on the
// transaction's connection (prepared there once).
type readQ struct {
	d *DB
	q interface {
		QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	}
	tx *sql.Tx // SQLite
}

func (q readQ) QueryContext(ctx context.Context, s string, args ...any) (*sql.Rows, error) {
	q.d.traced(s, args)
	if st := q.keptStmt(ctx, s); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.q.QueryContext(ctx, q.d.Rebind(s), args...)
}
func (q readQ) QueryRowContext(ctx context.Context, s string, args ...any) *sql.Row {
	q.d.traced(s, args)
	if st := q.keptStmt(ctx, s); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.q.QueryRowContext(ctx, q.d.Rebind(s), args...)
}

// keptStmt is SQLite's kept statement for s on the transaction's connection.
// One not kept yet is prepared for the cache behind the unit, on a
// connection of its own: preparing it here would wait for a second
// connection of the pool while this one is held, and with every connection
// held by such a unit none would ever come.
func (q readQ) keptStmt(ctx context.Context, s string) *sql.Stmt {
	if q.tx == nil {
		return nil
	}
	st, ok := q.d.stmts.get(s)
	if !ok {
		go q.d.readStmt(context.WithoutCancel(ctx), s)
		return nil
	}
	return q.tx.StmtContext(ctx, st) //nolint:sqlclosecheck // closed with the transaction
}
func (q readQ) ExecContext(ctx context.Context, s string, args ...any) (sql.Result, error) {
	return nil, errors.New("db: Read is for reads")
}
func (q readQ) Dialect() Dialect { return q.d.engine }

// ExecContext runs one statement on the writer, in its own implicit transaction.
// Prefer InTx for anything that also needs an audit entry. Like InTx it waits
// for the writer at most WriterWait.
func (d *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	d.traced(q, args)
	c, err := d.writer(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	res, err := c.ExecContext(ctx, d.Rebind(q), args...)
	if lockedByOther(err) {
		return nil, d.busyError()
	}
	return res, err
}

// Tx is a write transaction.
type Tx struct {
	tx   *sql.Tx
	d    *DB
	conn *sql.Conn // the connection the transaction holds
	bulk bool      // begun by InBulkTx: batches load with COPY on PostgreSQL
	// copies loads a bulk transaction's batches behind the caller (queueCopy).
	copies *copyQueue
	// after runs once the transaction has committed (cache invalidation and the like).
	after []func()
}

// Statements in a bulk transaction first wait for the COPYs queued before
// them (sync). A failed COPY has aborted the transaction, so a statement after
// it fails too, and InTx reports the COPY's error as the cause.
func (t *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	t.d.traced(q, args)
	if err := t.sync(); err != nil {
		return nil, err
	}
	return t.tx.QueryContext(ctx, t.d.Rebind(q), args...)
}
func (t *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	t.d.traced(q, args)
	_ = t.sync() // see above: the row's Scan reports the aborted transaction
	return t.tx.QueryRowContext(ctx, t.d.Rebind(q), args...)
}
func (t *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	t.d.traced(q, args)
	if err := t.sync(); err != nil {
		return nil, err
	}
	return t.tx.ExecContext(ctx, t.d.Rebind(q), args...)
}

// PrepareContext prepares a statement inside the transaction (bulk loads).
func (t *Tx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	if err := t.sync(); err != nil {
		return nil, err
	}
	return t.tx.PrepareContext(ctx, t.d.Rebind(q))
}
func (t *Tx) Dialect() Dialect { return t.d.engine }

// ForUpdate is the clause that locks the rows a SELECT inside the transaction
// reads until it ends: " FOR UPDATE" on PostgreSQL; nothing on SQLite, whose
// write transaction already excludes every other writer. Append it to the
// statement; on a distributed engine the statement must also filter on the
// community (the distribution column).
func (t *Tx) ForUpdate() string {
	if t.d.engine == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// DB returns the database the transaction belongs to.
func (t *Tx) DB() *DB { return t.d }

// SQL exposes the underlying transaction for driver-specific bulk paths.
func (t *Tx) SQL() *sql.Tx {
	_ = t.sync()
	return t.tx
}

// AfterCommit registers f to run after a successful commit.
func (t *Tx) AfterCommit(f func()) { t.after = append(t.after, f) }

// Dialect names the engine.
func (d *DB) Dialect() Dialect { return d.engine }

// InTx runs fn in a write transaction and commits if fn returns nil. Anything fn
// wrote is rolled back on error or panic: nothing is half-saved.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	for attempt := 0; ; attempt++ {
		err = d.inTxOnce(ctx, fn)
		// PostgreSQL-compatible distributed engines abort conflicting serializable
		// transactions with 40001; those are safe to retry a few times.
		if err != nil && isRetryable(err) && attempt < 4 {
			time.Sleep(time.Duration(10*(attempt+1)) * time.Millisecond)
			continue
		}
		return err
	}
}

func (d *DB) inTxOnce(ctx context.Context, fn func(tx *Tx) error) (err error) {
	c, err := d.writer(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	stx, err := c.BeginTx(ctx, nil)
	if lockedByOther(err) {
		return d.busyError()
	}
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{tx: stx, d: d, conn: c}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.endCopies(false)
			_ = stx.Rollback()
			panic(p)
		}
	}()
	err = fn(tx)
	if cerr := tx.endCopies(err == nil); cerr != nil {
		err = cerr // a queued COPY failed: the cause of whatever fn saw after it
	}
	if err != nil {
		_ = stx.Rollback()
		return err
	}
	if err = stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, f := range tx.after {
		f()
	}
	return nil
}

func isRetryable(err error) bool {
	var se interface{ SQLState() string }
	if errors.As(err, &se) {
		return se.SQLState() == "40001" || se.SQLState() == "40P01"
	}
	return false
}

// IsNodeUnavailable reports whether err is a Citus coordinator's failure to
// reach the worker holding the rows (that worker is down or cut off): the
// statement did nothing, and other communities' work goes on.
func IsNodeUnavailable(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "connection to the remote node") || strings.Contains(msg, "could not establish any connections to the node") ||
		strings.Contains(msg, "failure on connection marked as essential")
}

// IsUniqueViolation reports whether err is a unique-constraint failure on either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var se interface{ SQLState() string }
	if errors.As(err, &se) && se.SQLState() == "23505" {
		return true
	}
	// Citus reports a duplicate key met inside COPY as XX000 with the
	// worker's message; the message is the same on every engine.
	return strings.Contains(err.Error(), "UNIQUE constraint failed") || strings.Contains(err.Error(), "duplicate key value violates unique constraint")
}

// IsForeignKeyViolation reports whether err is a foreign-key failure on either engine.
func IsForeignKeyViolation(err error) bool {
	if err == nil {
		return false
	}
	var se interface{ SQLState() string }
	if errors.As(err, &se) && se.SQLState() == "23503" {
		return true
	}
	return strings.Contains(err.Error(), "FOREIGN KEY constraint failed") || strings.Contains(err.Error(), "violates foreign key constraint")
}

// Now is the clock every store uses, in unix milliseconds. Tests may replace it.
var Now = func() int64 { return time.Now().UnixMilli() }

// Placeholders returns "?, ?, ?" with n marks.
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// IDsIn is the condition "col is one of ids" and its arguments, for ids that
// vary with the data (a page's rows). PostgreSQL gets one array parameter, so
// that the statement is the same for any number of ids and its plan is kept
// (each "IN (?, ?, …)" of another length is another statement, planned anew
// on every connection); SQLite, without arrays, gets IDSet's bounded lists.
func (d *DB) IDsIn(col string, ids []int64) (string, []any) {
	if d.engine == Postgres {
		return col + " = ANY(?)", []any{ids}
	}
	return d.engine.IDSet(col, ids)
}

// MaxListedIDs is the most ids IDSet writes as a list of placeholders.
const MaxListedIDs = 256

// IDSet is the condition "col is one of ids" (none: "1=0") and its
// arguments, for sets that differ per user, such as a scope's communities:
// the text must not differ with them, or every user would bring statements
// of their own to prepare and plan. Up to MaxListedIDs ids are a list of
// placeholders padded to the next power of two by repeating the last id
// (1, 2, 4, … 256: nine texts per column), which both engines, and
// distributed PostgreSQL, plan as index lookups of each value; more ids are
// one parameter: an int8 array on PostgreSQL (= ANY), a JSON array read by
// json_each on SQLite. On SQLite each id is bound through OpaqueInt, so that
// its planner does not re-prepare the kept statement on every use.
func (d Dialect) IDSet(col string, ids []int64) (string, []any) {
	if len(ids) == 0 {
		return "1=0", nil
	}
	if len(ids) > MaxListedIDs {
		if d == Postgres {
			return col + " = ANY(?)", []any{ids}
		}
		var b strings.Builder
		b.WriteByte('[')
		for i, id := range ids {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(id, 10))
		}
		b.WriteByte(']')
		return col + " IN (SELECT value FROM json_each(?))", []any{b.String()}
	}
	mark := d.IntMark()
	if len(ids) == 1 {
		return col + " = " + mark, []any{ids[0]}
	}
	n := 2
	for n < len(ids) {
		n *= 2
	}
	args := make([]any, n)
	for i := range args {
		args[i] = ids[min(i, len(ids)-1)]
	}
	return col + " IN (" + strings.Repeat(mark+", ", n-1) + mark + ")", args
}

// IntMark is the placeholder of an id that differs per user (the user's own,
// their scope's): OpaqueInt on SQLite (see there), a plain parameter on
// PostgreSQL, which plans it as the column's type.
func (d Dialect) IntMark() string {
	if d == SQLite {
		return OpaqueInt
	}
	return "?"
}

// OpaqueInt is an integer placeholder whose value SQLite's planner does not
// read. SQLite plans with the values of some parameters (LIMIT and OFFSET; an
// equality on an index column it has samples for) and then re-prepares the
// statement whenever such a parameter is bound again: a kept prepared
// statement is parsed and planned on every use. Where one plan serves every
// value (a page of a list, a grid among grids of like size), OpaqueInt keeps
// the prepared plan; PostgreSQL reads it as the plain integer.
const OpaqueInt = "CAST(? AS INTEGER)"

// Page is the LIMIT/OFFSET clause of a page of a list, written for each
// engine so that its plan is kept. SQLite: bound through OpaqueInt (see
// there). PostgreSQL: written as numbers, because with a parameter there the
// planner costs a generic plan for an unknown tenth of the rows, never keeps
// it and plans the statement anew on every execution (a third of a resident
// list page's work in the database); with numbers it keeps a generic plan per
// page size and offset (pgx keeps the statements, least recently used first).
func (d *DB) Page(limit, offset int) (clause string, args []any) {
	if d.engine == Postgres {
		return " LIMIT " + strconv.Itoa(limit) + " OFFSET " + strconv.Itoa(offset), nil
	}
	return " LIMIT " + OpaqueInt + " OFFSET " + OpaqueInt, []any{limit, offset}
}

// Int64Args turns ids into query arguments.
func Int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, v := range ids {
		out[i] = v
	}
	return out
}

// ErrNotFound is returned by stores when a row does not exist or is out of the
// caller's scope; the two are deliberately indistinguishable.
var ErrNotFound = errors.New("not found")

// NotFoundIfNoRows maps sql.ErrNoRows to ErrNotFound.
func NotFoundIfNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// LikeEscape makes user input literal inside a LIKE pattern; use it with
// "LIKE ? ESCAPE '\'" (understood the same way by both engines).
func LikeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Contains returns a LIKE pattern matching s anywhere.
func Contains(s string) string { return "%" + LikeEscape(s) + "%" }

// Analyze refreshes the query planner's statistics for tables (all tables when
// none are named). SQLite keeps none until asked, and without them it may walk
// a whole community's index instead of a dozen search hits; bulk loads leave
// PostgreSQL's stale until autovacuum comes by. The whole table is read on
// SQLite (about a second per million rows): a bounded sample misjudges columns
// with few distinct values, such as the community, which is what matters here.
func (d *DB) Analyze(ctx context.Context, tables ...string) error {
	if len(tables) == 0 {
		tables = []string{""}
	}
	for _, t := range tables {
		if d.engine == Postgres && t != "" {
			// Named tables have just been filled in bulk: VACUUM also marks
			// their pages all-visible, so index-only scans work at once and
			// autovacuum does not descend on them while users search.
			// Engines without VACUUM get the plain ANALYZE below.
			if _, err := d.w.ExecContext(ctx, `VACUUM (ANALYZE) `+t); err == nil {
				continue
			}
		}
		if _, err := d.w.ExecContext(ctx, strings.TrimSpace(`ANALYZE `+t)); err != nil {
			return err
		}
	}
	if d.engine == SQLite {
		// SQLite connections load the statistics with the schema, and ANALYZE
		// changes no schema: the open readers would go on planning with what
		// they loaded, e.g. the empty tables before an import. Changing the
		// schema makes each reload both (and re-prepare its statements).
		_, err := d.w.ExecContext(ctx, `CREATE TABLE linli_statistics_epoch (x INTEGER); DROP TABLE linli_statistics_epoch`)
		return err
	}
	return nil
}

// AnalyzeInTx refreshes the statistics of tables from inside a transaction
// that is filling them (it counts the transaction's own rows), and so replans
// what was planned on the old ones. PostgreSQL plans foreign-key checks once
// per connection: planned while a table looked empty they scan it whole for
// every row inserted, and a bulk load that takes minutes takes hours. SQLite
// plans a join of a filled table with the statistics of the empty one (one
// row): it reads the whole table once for each row of the other side. The
// transaction's connection loads the new figures at once; others load them
// when the schema changes (see Analyze).
func (t *Tx) AnalyzeInTx(ctx context.Context, tables ...string) error {
	for _, tb := range tables {
		if _, err := t.ExecContext(ctx, `ANALYZE `+tb); err != nil {
			return err
		}
	}
	return nil
}

// HasStatistics reports whether the planner has statistics at all (always true
// on PostgreSQL, whose autovacuum gathers them).
func (d *DB) HasStatistics(ctx context.Context) (bool, error) {
	if d.engine != SQLite {
		return true, nil
	}
	var n int
	err := d.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'`).Scan(&n)
	return n > 0, err
}

// Package audit is Linli's append-only, tamper-evident log of every write, every
// login, logout and failed login, and every reveal of a sensitive value. Entries
// are chained: each hash covers the entry and the previous hash, keyed with a key
// derived from the deployment's master key, so editing, deleting or inserting a
// row by hand breaks the chain at that row. Nothing in Linli deletes entries.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"linli/internal/db"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the audit module's schema.
var Migrations = db.NewMigrations("audit", migrationFS).
	Reference("audit_log", "audit_head")

// Outcomes.
const (
	Success = "success"
	Failure = "failure"
	Denied  = "denied"
)

// Entry is one audited event.
type Entry struct {
	Seq        int64
	At         int64 // unix ms; filled by Record when zero
	ActorID    int64 // 0 when unknown (a failed login with an unknown name)
	ActorName  string
	Role       string
	Action     string // dotted verb: "login", "org.update", "person.reveal"
	ObjectType string
	ObjectID   string
	OrgUnitID  int64 // 0 when none
	IP         string
	Outcome    string
	Detail     string // free text or JSON; never a sensitive value in clear
	PrevHash   string
	Hash       string
}

// Actor is who does something, as audit needs to know it. auth.Principal satisfies it.
type Actor interface {
	AuditActor() (id int64, name, role, ip string)
}

// Log writes and verifies the chain.
type Log struct {
	key []byte
}

// New returns a Log whose chain is keyed with chainKey (derive it from the
// deployment master key; see privacy.Keys.Derive).
func New(chainKey []byte) *Log { return &Log{key: chainKey} }

// Event builds an entry for actor; callers fill the object fields.
func Event(a Actor, action, objectType string, objectID any, orgUnitID int64, outcome string) Entry {
	e := Entry{Action: action, ObjectType: objectType, OrgUnitID: orgUnitID, Outcome: outcome}
	if objectID != nil {
		e.ObjectID = fmt.Sprint(objectID)
	}
	if a != nil {
		e.ActorID, e.ActorName, e.Role, e.IP = a.AuditActor()
	}
	return e
}

// WithDetail sets Detail to the JSON of v (or v itself when it is a string).
func (e Entry) WithDetail(v any) Entry {
	switch x := v.(type) {
	case string:
		e.Detail = x
	default:
		b, err := json.Marshal(v)
		if err == nil {
			e.Detail = string(b)
		}
	}
	return e
}

// Record appends e inside tx, so that the entry and the write it describes commit
// or roll back together. Call it last in the transaction: on PostgreSQL it holds
// the chain's head row lock until commit.
func (l *Log) Record(ctx context.Context, tx *db.Tx, e Entry) error {
	lock := tx.ForUpdate()
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+lock).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	if e.At == 0 {
		e.At = db.Now()
	}
	if e.Outcome == "" {
		e.Outcome = Success
	}
	e.Seq = seq + 1
	e.PrevHash = prev
	e.Hash = l.hash(e)
	var actor, org any
	if e.ActorID != 0 {
		actor = e.ActorID
	}
	if e.OrgUnitID != 0 {
		org = e.OrgUnitID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor_id, actor_name, role, action, object_type, object_id, org_unit_id, ip, outcome, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At, actor, e.ActorName, e.Role, e.Action, e.ObjectType, e.ObjectID, org, e.IP, e.Outcome, e.Detail, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit insert: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, e.Seq, e.Hash); err != nil {
		return fmt.Errorf("audit head update: %w", err)
	}
	return nil
}

// RecordAlone appends e in a transaction of its own (logins, denials: events that
// have no write of their own to ride with).
func (l *Log) RecordAlone(ctx context.Context, d *db.DB, e Entry) error {
	return d.InTx(ctx, func(tx *db.Tx) error { return l.Record(ctx, tx, e) })
}

func (l *Log) hash(e Entry) string {
	m := hmac.New(sha256.New, l.key)
	fields := []string{
		strconv.FormatInt(e.Seq, 10), strconv.FormatInt(e.At, 10), strconv.FormatInt(e.ActorID, 10),
		e.ActorName, e.Role, e.Action, e.ObjectType, e.ObjectID, strconv.FormatInt(e.OrgUnitID, 10),
		e.IP, e.Outcome, e.Detail, e.PrevHash,
	}
	for _, f := range fields {
		m.Write([]byte(strconv.Itoa(len(f))))
		m.Write([]byte{':'})
		m.Write([]byte(f))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// Break describes the first place the chain does not hold.
type Break struct {
	Seq    int64
	Reason string
}

func (b *Break) Error() string { return fmt.Sprintf("audit entry %d: %s", b.Seq, b.Reason) }

// Verify walks the whole chain and returns the number of entries checked and the
// first break, or nil when the chain is intact.
func (l *Log) Verify(ctx context.Context, d *db.DB) (int64, *Break, error) {
	var headSeq int64
	var headHash string
	if err := d.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return 0, nil, fmt.Errorf("audit head: %w", err)
	}
	rows, err := d.QueryContext(ctx, `SELECT seq, at, COALESCE(actor_id, 0), actor_name, role, action, object_type, object_id, COALESCE(org_unit_id, 0), ip, outcome, detail, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var n, expectSeq int64 = 0, 1
	prev := ""
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.ActorName, &e.Role, &e.Action, &e.ObjectType, &e.ObjectID, &e.OrgUnitID, &e.IP, &e.Outcome, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return n, nil, err
		}
		n++
		switch {
		case e.Seq != expectSeq:
			return n, &Break{Seq: expectSeq, Reason: fmt.Sprintf("missing (next entry found is %d): entries were deleted", e.Seq)}, nil
		case e.PrevHash != prev:
			return n, &Break{Seq: e.Seq, Reason: "does not link to the entry before it: entries were removed, inserted or altered"}, nil
		case !hmac.Equal([]byte(l.hash(e)), []byte(e.Hash)):
			return n, &Break{Seq: e.Seq, Reason: "content does not match its hash: the entry was altered"}, nil
		}
		prev = e.Hash
		expectSeq++
	}
	if err := rows.Err(); err != nil {
		return n, nil, err
	}
	if headSeq != expectSeq-1 || headHash != prev {
		return n, &Break{Seq: headSeq, Reason: fmt.Sprintf("the chain head records entry %d but the log ends at %d: entries were deleted from the end", headSeq, expectSeq-1)}, nil
	}
	return n, nil, nil
}

// Filter selects entries for the audit administrator's search.
type Filter struct {
	Actor      string // username substring
	Action     string // prefix
	ObjectType string
	ObjectID   string
	Outcome    string
	FromAt     int64
	ToAt       int64
	Limit      int
	Offset     int
	// The audit page's and the export's: one exact action, and keyset paging
	// (entries before seq Before, or after seq After, newest first either way).
	ExactAction string
	Before      int64
	After       int64
}

// Search returns entries newest first and the total matching.
func Search(ctx context.Context, q db.Queryer, f Filter) ([]Entry, int, error) {
	cond, args := f.where()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	rows, err := q.QueryContext(ctx, `SELECT `+entryCols+` FROM audit_log`+cond+` ORDER BY seq DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	out, err := scanEntries(rows)
	return out, total, err
}

const entryCols = `seq, at, COALESCE(actor_id, 0), actor_name, role, action, object_type, object_id, COALESCE(org_unit_id, 0), ip, outcome, detail, prev_hash, hash`

// Page returns up to f.Limit entries newest first, without counting them all
// (a count walks the whole log): those before f.Before, or the ones just after
// f.After (the page before, going back), or the newest. more reports whether
// entries beyond the page exist in the direction read.
func Page(ctx context.Context, q db.Queryer, f Filter) (out []Entry, more bool, err error) {
	cond, args := f.where()
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 50
	}
	order := " ORDER BY seq DESC"
	if f.After > 0 && f.Before == 0 {
		order = " ORDER BY seq ASC"
	}
	rows, err := q.QueryContext(ctx, `SELECT `+entryCols+` FROM audit_log`+cond+order+` LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return nil, false, err
	}
	out, err = scanEntries(rows)
	if err != nil {
		return nil, false, err
	}
	if len(out) > f.Limit {
		out, more = out[:f.Limit], true
	}
	if order == " ORDER BY seq ASC" {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, more, nil
}

func scanEntries(rows *sql.Rows) ([]Entry, error) {
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.ActorName, &e.Role, &e.Action, &e.ObjectType, &e.ObjectID, &e.OrgUnitID, &e.IP, &e.Outcome, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (f Filter) where() (string, []any) {
	var where []string
	var args []any
	if f.Actor != "" {
		where = append(where, `actor_name LIKE ? ESCAPE '\'`)
		args = append(args, db.Contains(f.Actor))
	}
	if f.Action != "" {
		where = append(where, `action LIKE ? ESCAPE '\'`)
		args = append(args, db.LikeEscape(f.Action)+"%")
	}
	if f.ObjectType != "" {
		where = append(where, "object_type = ?")
		args = append(args, f.ObjectType)
	}
	if f.ObjectID != "" {
		where = append(where, "object_id = ?")
		args = append(args, f.ObjectID)
	}
	if f.Outcome != "" {
		where = append(where, "outcome = ?")
		args = append(args, f.Outcome)
	}
	if f.FromAt > 0 {
		where = append(where, "at >= ?")
		args = append(args, f.FromAt)
	}
	if f.ToAt > 0 {
		where = append(where, "at < ?")
		args = append(args, f.ToAt)
	}
	if f.ExactAction != "" {
		where = append(where, "action = ?")
		args = append(args, f.ExactAction)
	}
	if f.Before > 0 {
		where = append(where, "seq < ?")
		args = append(args, f.Before)
	}
	if f.After > 0 {
		where = append(where, "seq > ?")
		args = append(args, f.After)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	return cond, args
}

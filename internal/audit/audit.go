// Package audit is Linli's append-only, tamper-evident log of every write, every
// login, logout and failed login, and every reveal of a sensitive value. Entries
// are chained: each hash covers the entry and the previous hash, keyed with a key
// derived from the deployment's master key, so editing, deleting or inserting a
// row by hand breaks the chain at that row. Nothing in Linli deletes entries.
//
// There is one chain per partition: each community's (the entries whose org
// unit lies in it), each street's, district's or city's own (entries on that
// unit itself), and partition 0, the administration's (entries with no org
// unit: logins, accounts, settings). Writers of different communities never
// wait for each other, and on Citus an entry lives on the node of its
// community's data. Verify checks every chain.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"linli/internal/db"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the audit module's schema.
var Migrations = db.NewMigrations("audit", migrationFS).
	ByCommunity("audit_log", "audit_head")

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

	// CommunityID is the entry's partition (its chain), filled by Record
	// from OrgUnitID: see Partition.
	CommunityID int64
}

// Actor is who does something, as audit needs to know it. auth.Principal satisfies it.
type Actor interface {
	AuditActor() (id int64, name, role, ip string)
}

// Log writes and verifies the chain.
type Log struct {
	key []byte
	// parts caches Partition by org unit: a unit never changes community,
	// and a hot write path (a burst of sign-ups) holds its locks while the
	// lookup runs. Filled only after a commit, so that an id a rolled-back
	// transaction created (and SQLite may give again) is never kept.
	parts sync.Map
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
// the head row lock of the entry's partition (see Partition) until commit.
func (l *Log) Record(ctx context.Context, tx *db.Tx, e Entry) error {
	part, err := l.partition(ctx, tx, e.OrgUnitID)
	if err != nil {
		return err
	}
	e.CommunityID = part
	head := `SELECT seq, hash FROM audit_head WHERE community_id = ?` + tx.ForUpdate()
	var seq int64
	var prev string
	err = tx.QueryRowContext(ctx, head, part).Scan(&seq, &prev)
	if errors.Is(err, sql.ErrNoRows) {
		// The partition's first entry: its head row starts here. A writer of
		// the same partition racing us waits on the insert, then locks the
		// committed row.
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_head (community_id, seq, hash) VALUES (?, 0, '') ON CONFLICT (community_id) DO NOTHING`, part); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		err = tx.QueryRowContext(ctx, head, part).Scan(&seq, &prev)
	}
	if err != nil {
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
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (community_id, seq, at, actor_id, actor_name, role, action, object_type, object_id, org_unit_id, ip, outcome, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		part, e.Seq, e.At, actor, e.ActorName, e.Role, e.Action, e.ObjectType, e.ObjectID, org, e.IP, e.Outcome, e.Detail, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit insert: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE community_id = ?`, e.Seq, e.Hash, part); err != nil {
		return fmt.Errorf("audit head update: %w", err)
	}
	return nil
}

// Partition is the chain an entry on org unit orgUnitID belongs to: the
// community the unit lies in (a community's own id, a grid's community), the
// unit's own id for a unit above communities (a street, district or city),
// and 0 — the administration's chain — for no unit. org_unit is a reference
// table (a copy on every node) whose units never change community, so this
// costs one local read by key. A unit not (or no longer) in the tree is
// its own partition.
func Partition(ctx context.Context, q db.Queryer, orgUnitID int64) (int64, error) {
	part, _, err := lookupPartition(ctx, q, orgUnitID)
	return part, err
}

// lookupPartition is Partition, saying whether the unit is in the tree.
func lookupPartition(ctx context.Context, q db.Queryer, orgUnitID int64) (part int64, found bool, err error) {
	if orgUnitID == 0 {
		return 0, false, nil
	}
	err = q.QueryRowContext(ctx, `SELECT COALESCE(community_id, id) FROM org_unit WHERE id = ?`, orgUnitID).Scan(&part)
	if errors.Is(err, sql.ErrNoRows) {
		return orgUnitID, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("audit partition of org unit %d: %w", orgUnitID, err)
	}
	return part, true, nil
}

// partition is Partition, kept for the units found in the tree.
func (l *Log) partition(ctx context.Context, tx *db.Tx, orgUnitID int64) (int64, error) {
	if v, ok := l.parts.Load(orgUnitID); ok {
		return v.(int64), nil
	}
	part, found, err := lookupPartition(ctx, tx, orgUnitID)
	if found {
		tx.AfterCommit(func() { l.parts.Store(orgUnitID, part) })
	}
	return part, err
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
	if e.CommunityID != 0 {
		// A community's entry is bound to its chain. Partition 0's entries
		// hash as every entry did before there were partitions, so the
		// chain written then still verifies as partition 0's history.
		fields = append(fields, strconv.FormatInt(e.CommunityID, 10))
	}
	for _, f := range fields {
		m.Write([]byte(strconv.Itoa(len(f))))
		m.Write([]byte{':'})
		m.Write([]byte(f))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// Break describes the first place a chain does not hold.
type Break struct {
	CommunityID int64 // the chain's partition
	Seq         int64
	Reason      string
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit entry %d of chain %d: %s", b.Seq, b.CommunityID, b.Reason)
}

// Chain is one partition's chain as Verify found it.
type Chain struct {
	CommunityID int64
	Entries     int64  // entries checked (up to the break)
	Break       *Break // nil when the chain holds
}

// Verify walks every chain and returns the number of entries checked and the
// first break (of the lowest partition broken), or nil when all are intact.
func (l *Log) Verify(ctx context.Context, d *db.DB) (int64, *Break, error) {
	chains, err := l.VerifyChains(ctx, d)
	if err != nil {
		return 0, nil, err
	}
	var n int64
	var first *Break
	for _, c := range chains {
		n += c.Entries
		if first == nil && c.Break != nil {
			first = c.Break
		}
	}
	return n, first, nil
}

// VerifyChains walks each partition's chain on its own, in partition order:
// the partitions are those with a head row and those with entries (entries
// without a head are a break: the head row was deleted). Each chain is read
// by its partition alone (one shard on Citus), in seq order.
func (l *Log) VerifyChains(ctx context.Context, d *db.DB) ([]Chain, error) {
	type head struct {
		seq  int64
		hash string
		ok   bool
	}
	heads := map[int64]head{}
	rows, err := d.QueryContext(ctx, `SELECT community_id, seq, hash FROM audit_head`)
	if err != nil {
		return nil, fmt.Errorf("audit heads: %w", err)
	}
	for rows.Next() {
		var c int64
		var h head
		if err := rows.Scan(&c, &h.seq, &h.hash); err != nil {
			rows.Close()
			return nil, err
		}
		h.ok = true
		heads[c] = h
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = d.QueryContext(ctx, `SELECT DISTINCT community_id FROM audit_log`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c int64
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, err
		}
		if _, ok := heads[c]; !ok {
			heads[c] = head{}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	parts := make([]int64, 0, len(heads))
	for c := range heads {
		parts = append(parts, c)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	out := make([]Chain, 0, len(parts))
	for _, c := range parts {
		h := heads[c]
		n, brk, err := l.verifyChain(ctx, d, c, h.ok, h.seq, h.hash)
		if err != nil {
			return nil, err
		}
		out = append(out, Chain{CommunityID: c, Entries: n, Break: brk})
	}
	return out, nil
}

// verifyChain walks partition c's chain, whose head (when hasHead) records
// headSeq and headHash.
func (l *Log) verifyChain(ctx context.Context, d *db.DB, c int64, hasHead bool, headSeq int64, headHash string) (int64, *Break, error) {
	rows, err := d.QueryContext(ctx, `SELECT `+entryCols+` FROM audit_log WHERE community_id = ? ORDER BY seq`, c)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var n, expectSeq int64 = 0, 1
	prev := ""
	for rows.Next() {
		var e Entry
		if err := scanEntry(rows, &e); err != nil {
			return n, nil, err
		}
		n++
		switch {
		case e.Seq != expectSeq:
			return n, &Break{CommunityID: c, Seq: expectSeq, Reason: fmt.Sprintf("missing (next entry found is %d): entries were deleted", e.Seq)}, nil
		case e.PrevHash != prev:
			return n, &Break{CommunityID: c, Seq: e.Seq, Reason: "does not link to the entry before it: entries were removed, inserted or altered"}, nil
		case !hmac.Equal([]byte(l.hash(e)), []byte(e.Hash)):
			return n, &Break{CommunityID: c, Seq: e.Seq, Reason: "content does not match its hash: the entry was altered"}, nil
		}
		prev = e.Hash
		expectSeq++
	}
	if err := rows.Err(); err != nil {
		return n, nil, err
	}
	last := expectSeq - 1
	switch {
	case !hasHead:
		return n, &Break{CommunityID: c, Seq: last, Reason: "the chain has entries but no head: its head row was deleted"}, nil
	case headSeq > last:
		return n, &Break{CommunityID: c, Seq: headSeq, Reason: fmt.Sprintf("the chain head records entry %d but the log ends at %d: entries were deleted from the end", headSeq, last)}, nil
	case headSeq != last || headHash != prev:
		return n, &Break{CommunityID: c, Seq: last, Reason: fmt.Sprintf("the chain head records entry %d but the log ends at %d: the head or the last entries were altered", headSeq, last)}, nil
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
	// Communities, when not nil, keeps the entries of these chains only
	// (partitions: see Partition; 0 is the administration's).
	Communities []int64
	// The audit page's and the export's: one exact action, and keyset paging
	// (entries before Before, or after After, newest first either way).
	ExactAction string
	Before      Cursor
	After       Cursor
}

// Cursor is an entry's place in the log's order, newest first: by time, then
// partition, then seq (unique: seq is unique within a partition).
type Cursor struct {
	At, CommunityID, Seq int64
}

// Cursor is e's place in the log's order.
func (e Entry) Cursor() Cursor { return Cursor{e.At, e.CommunityID, e.Seq} }

// Ref names e for people: its chain and its seq in it ("12-345"), as
// Verify's breaks name entries.
func (e Entry) Ref() string { return fmt.Sprintf("%d-%d", e.CommunityID, e.Seq) }

// IsZero reports an unset cursor.
func (c Cursor) IsZero() bool { return c == Cursor{} }

// String is the cursor as it travels in a URL ("at-community-seq").
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d-%d-%d", c.At, c.CommunityID, c.Seq)
}

// ParseCursor reads String's form; anything else is the zero cursor.
func ParseCursor(s string) Cursor {
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return Cursor{}
	}
	var c Cursor
	for i, dst := range []*int64{&c.At, &c.CommunityID, &c.Seq} {
		v, err := strconv.ParseInt(parts[i], 10, 64)
		if err != nil || v < 0 {
			return Cursor{}
		}
		*dst = v
	}
	return c
}

// order is the log's order, newest first.
const (
	newestFirst = " ORDER BY at DESC, community_id DESC, seq DESC"
	oldestFirst = " ORDER BY at ASC, community_id ASC, seq ASC"
)

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
	rows, err := q.QueryContext(ctx, `SELECT `+entryCols+` FROM audit_log`+cond+newestFirst+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	out, err := scanEntries(rows)
	return out, total, err
}

const entryCols = `community_id, seq, at, COALESCE(actor_id, 0), actor_name, role, action, object_type, object_id, COALESCE(org_unit_id, 0), ip, outcome, detail, prev_hash, hash`

func scanEntry(sc interface{ Scan(...any) error }, e *Entry) error {
	return sc.Scan(&e.CommunityID, &e.Seq, &e.At, &e.ActorID, &e.ActorName, &e.Role, &e.Action, &e.ObjectType, &e.ObjectID, &e.OrgUnitID, &e.IP, &e.Outcome, &e.Detail, &e.PrevHash, &e.Hash)
}

// Page returns up to f.Limit entries newest first, without counting them all
// (a count walks the whole log): those before f.Before, or the ones just after
// f.After (the page before, going back), or the newest. more reports whether
// entries beyond the page exist in the direction read.
func Page(ctx context.Context, q db.Queryer, f Filter) (out []Entry, more bool, err error) {
	cond, args := f.where()
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 50
	}
	order := newestFirst
	if !f.After.IsZero() && f.Before.IsZero() {
		order = oldestFirst
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
	if order == oldestFirst {
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
		if err := scanEntry(rows, &e); err != nil {
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
	if f.Communities != nil {
		if len(f.Communities) == 0 {
			where = append(where, "1 = 0")
		} else {
			where = append(where, "community_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.Communities)), ", ")+")")
			for _, c := range f.Communities {
				args = append(args, c)
			}
		}
	}
	if !f.Before.IsZero() {
		where = append(where, "(at, community_id, seq) < (?, ?, ?)")
		args = append(args, f.Before.At, f.Before.CommunityID, f.Before.Seq)
	}
	if !f.After.IsZero() {
		where = append(where, "(at, community_id, seq) > (?, ?, ?)")
		args = append(args, f.After.At, f.After.CommunityID, f.After.Seq)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	return cond, args
}

package followups

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/calendar"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/uploads"
)

// checkContent checks what a record says (its way, free text and the "how
// the person is" fields) for a form, the API and a history alike, trims the
// text in place and returns the fields that are filled in.
func checkContent(errs *i18n.Errors, way string, met, note, needs, location *string, in map[string]string) map[string]string {
	if !oneOf(way, Ways) {
		errs.Add("way", "err.choice", "field", i18n.T("followups.way"))
	}
	for field, f := range map[string]struct {
		v     *string
		max   int
		label string
	}{"met": {met, 100, "followups.field_met"}, "note": {note, maxNote, "followups.field_note"},
		"needs": {needs, maxNote, "followups.field_needs"}, "location": {location, 200, "followups.field_location"}} {
		*f.v = strings.TrimSpace(*f.v)
		errs.MaxLen(field, i18n.T(f.label), *f.v, f.max)
	}
	fields := map[string]string{}
	for k, v := range in {
		v = strings.TrimSpace(v)
		switch {
		case !oneOf(k, RecordFields):
			errs.Add("fields", "followups.err_field", "field", k)
		case utf8.RuneCountInString(v) > 200:
			errs.Add("fields."+k, "err.too_long", "field", i18n.T("followups.field."+k), "max", 200)
		case v != "":
			fields[k] = v
		}
	}
	return fields
}

// ErrSubjectGone refuses a record for a duty that has ended (the person moved
// away or died, the tag ended, the rule was stopped): the phone shows it to
// the worker to resolve, it is not retried.
var ErrSubjectGone = i18n.NewError("conflict", "followups.err_duty_ended")

// CreateRecord records a visit, talk, inspection or screening for a duty and
// sets the duty's next due date. With an idempotency key, the same key from the
// same account returns the record it made the first time (again is true) and
// writes nothing: the offline queue sends each record until it is answered.
func (s *Service) CreateRecord(ctx context.Context, p *auth.Principal, in RecordInput) (id int64, again bool, err error) {
	if err := p.Require(PermRecord); err != nil {
		return 0, false, err
	}
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	errs := &i18n.Errors{}
	if in.DutyID <= 0 {
		errs.Add("duty_id", "followups.err_duty")
		return 0, false, errs.Err()
	}
	du, r, err := s.dutyFor(ctx, p, in.DutyID)
	if errors.Is(err, auth.ErrNotFound) {
		errs.Add("duty_id", "followups.err_duty")
		return 0, false, errs.Err()
	}
	if err != nil {
		return 0, false, err
	}
	if len(in.IdempotencyKey) > maxKey {
		errs.Add("idempotency_key", "followups.err_key")
		return 0, false, errs.Err()
	}
	if in.IdempotencyKey != "" {
		if id, err := s.recordByKey(ctx, du.CommunityID, p.UserID, in.IdempotencyKey); err != nil || id != 0 {
			return id, id != 0, err
		}
	}
	now := s.now()
	if in.HappenedAt.IsZero() {
		in.HappenedAt = now
	}
	if in.HappenedAt.After(now.Add(10 * time.Minute)) {
		errs.Add("happened_at", "followups.err_future")
	} else if in.HappenedAt.Before(now.AddDate(-1, 0, 0)) {
		errs.Add("happened_at", "followups.err_too_old")
	}
	fields := checkContent(errs, in.Way, &in.Met, &in.Note, &in.Needs, &in.Location, in.Fields)
	items, zero := checkFindings(errs, r, &in)
	if zero && in.Note == "" {
		// A screening with nothing found is still a report: 零报告.
		in.Note = i18n.T("followups.zero_report")
	}
	photos := checkPhotos(errs, in.Photos)
	if errs.Any() {
		return 0, false, errs.Err()
	}
	if du.Status != DutyActive {
		return 0, false, ErrSubjectGone
	}
	fieldsJSON, _ := json.Marshal(fields)
	happenedOn := in.HappenedAt.In(locale.Zone).Format(day)
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return 0, false, err
	}
	var key any
	if in.IdempotencyKey != "" {
		key = in.IdempotencyKey
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		rid, err := writeRecord(ctx, tx, cal, du, r, newRecord{way: in.Way, at: in.HappenedAt, on: happenedOn, met: in.Met, note: in.Note,
			fields: string(fieldsJSON), needs: in.Needs, location: in.Location, key: key, by: p.UserID, photos: photos})
		if err != nil {
			return err
		}
		id = rid
		if err := writeFindings(ctx, tx, du.CommunityID, id, items, zero); err != nil {
			return err
		}
		detail := map[string]any{"duty": du.ID, "kind": r.Kind, "way": in.Way, "on": happenedOn, "items": len(items), "zero_report": zero}
		if len(photos) > 0 {
			detail["files"] = len(photos)
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "followups.record", "fu_record", id, du.CommunityID, audit.Success).WithDetail(detail))
	})
	if err != nil && in.IdempotencyKey != "" && db.IsUniqueViolation(err) {
		// The same key sent twice at once: the other sending made it.
		if id, kerr := s.recordByKey(ctx, du.CommunityID, p.UserID, in.IdempotencyKey); kerr == nil && id != 0 {
			return id, true, nil
		}
	}
	if err != nil {
		return 0, false, err
	}
	return id, false, nil
}

// newRecord is a checked record to write.
type newRecord struct {
	way                                string
	at                                 time.Time
	on                                 string // at's day in the local zone
	met, note, fields, needs, location string
	key                                any // idempotency key, or nil
	by                                 int64
	photos                             []uploads.Checked
}

// checkPhotos bounds a record's photos and recognises each from its bytes,
// naming every refused one (第 n 张, its name) in errs.
func checkPhotos(errs *i18n.Errors, photos []Photo) []uploads.Checked {
	return uploads.Check(errs, photos, uploads.Rules{Field: "photos", Max: MaxPhotos, MaxBytes: MaxPhotoBytes, PhotosOnly: true})
}

// writeRecord inserts a record of duty du (of rule r) in tx and moves the
// duty's due date on from it: the one way a record is written, by a form, the
// API or an import.
func writeRecord(ctx context.Context, tx *db.Tx, cal *calendar.Calendar, du *Duty, r *Rule, rec newRecord) (int64, error) {
	// The duty as it is now, locked: two records of one duty at once
	// (two workers, a queue and a form) each move its due date from the
	// other's.
	var status, last, due string
	err := tx.QueryRowContext(ctx, `SELECT status, last_done_on, due_on FROM fu_duty WHERE community_id = ? AND id = ?`+tx.ForUpdate(), du.CommunityID, du.ID).Scan(&status, &last, &due)
	if err != nil {
		return 0, err
	}
	if status != DutyActive {
		return 0, ErrSubjectGone
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO fu_record (community_id, duty_id, rule_id, kind, way, subject_kind, subject_id, subject_name, household_id, grid_id,
		happened_at, happened_on, due_on, on_time, met, note, fields, needs, location, idempotency_key, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		du.CommunityID, du.ID, r.ID, r.Kind, rec.way, du.SubjectKind, du.SubjectID, du.SubjectName, nullID(du.HouseholdID), nullID(du.GridID),
		rec.at.UnixMilli(), rec.on, due, rec.on <= due, rec.met, rec.note, rec.fields, rec.needs, rec.location, rec.key, rec.by, db.Now()).Scan(&id); err != nil {
		return 0, err
	}
	for i, ph := range rec.photos {
		if _, err := tx.ExecContext(ctx, `INSERT INTO fu_record_photo (community_id, record_id, seq, content_type, bytes, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			du.CommunityID, id, i+1, ph.ContentType, len(ph.Data), ph.Data, db.Now()); err != nil {
			return 0, err
		}
	}
	if rec.on >= last {
		// A record of an earlier day (sent late from a phone) does not
		// move the due date back.
		next := nextDue(cal, r.Unit, r.Every, r.FirstYearEvery, du.Since, rec.on)
		if _, err := tx.ExecContext(ctx, `UPDATE fu_duty SET last_done_on = ?, due_on = ?, updated_at = ? WHERE community_id = ? AND id = ?`,
			rec.on, next, db.Now(), du.CommunityID, du.ID); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func (s *Service) recordByKey(ctx context.Context, communityID, userID int64, key string) (int64, error) {
	var id int64
	err := s.DB.QueryRowContext(ctx, `SELECT id FROM fu_record WHERE community_id = ? AND created_by = ? AND idempotency_key = ?`, communityID, userID, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

const recordCols = `r.id, r.community_id, COALESCE(r.duty_id, 0), COALESCE(r.rule_id, 0), r.kind, r.way, r.subject_kind, r.subject_id, r.subject_name,
	COALESCE(r.household_id, 0), COALESCE(r.grid_id, 0), r.happened_at, r.happened_on, r.due_on, r.on_time, r.met, r.note, r.fields, r.needs, r.location,
	r.created_by, r.created_at, r.zero_report`

func scanRecord(sc interface{ Scan(...any) error }) (*Record, error) {
	rec := &Record{}
	var fields string
	err := sc.Scan(&rec.ID, &rec.CommunityID, &rec.DutyID, &rec.RuleID, &rec.Kind, &rec.Way, &rec.SubjectKind, &rec.SubjectID, &rec.SubjectName,
		&rec.HouseholdID, &rec.GridID, &rec.HappenedAt, &rec.HappenedOn, &rec.DueOn, &rec.OnTime, &rec.Met, &rec.Note, &fields, &rec.Needs, &rec.Location,
		&rec.CreatedBy, &rec.CreatedAt, &rec.ZeroReport)
	if err == nil {
		_ = json.Unmarshal([]byte(fields), &rec.Fields)
	}
	return rec, err
}

// RecordFilter selects records.
type RecordFilter struct {
	DutyID      int64
	PersonIDs   []int64 // records about these people
	HouseholdID int64   // or about members of this household (at the time)
	Limit       int     // 0: 50
}

// ListRecords lists records p may see, newest first.
func (s *Service) ListRecords(ctx context.Context, p *auth.Principal, f RecordFilter) ([]*Record, error) {
	where, args, err := s.recordsVisible(ctx, p)
	if err != nil || where == "" {
		return nil, err
	}
	d := s.DB.Dialect()
	var about []string
	if f.DutyID != 0 {
		about = append(about, `r.duty_id = ?`)
		args = append(args, f.DutyID)
	}
	if len(f.PersonIDs) > 0 {
		pc, pargs := d.IDSet("r.subject_id", f.PersonIDs)
		about = append(about, `(r.subject_kind = 'person' OR r.subject_kind = 'tag') AND `+pc)
		args = append(args, pargs...)
	}
	if f.HouseholdID != 0 {
		about = append(about, `r.household_id = ?`)
		args = append(args, f.HouseholdID)
	}
	if len(about) > 0 {
		where += ` AND ((` + strings.Join(about, `) OR (`) + `))`
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+recordCols+` FROM fu_record r WHERE `+where+` ORDER BY r.happened_at DESC, r.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.fillPhotos(ctx, out)
}

// recordsVisible is the condition on fu_record r of the records p may see:
// in p's scope and of a rule p may see (a sensitive group's only for those
// it is opened to); "" when p may see none.
func (s *Service) recordsVisible(ctx context.Context, p *auth.Principal) (string, []any, error) {
	if err := p.Require(PermRead); err != nil {
		return "", nil, err
	}
	visible, _, err := s.visibleRules(ctx, p)
	if err != nil || len(visible) == 0 {
		return "", nil, err
	}
	d := s.DB.Dialect()
	sc, args := p.Scope.SQL(d, "r.community_id", "r.grid_id")
	rc, rargs := d.IDSet("r.rule_id", ruleIDs(visible))
	return sc + ` AND ` + rc, append(args, rargs...), nil
}

// fillPhotos sets the photo numbers of records already read (and so
// visible).
func (s *Service) fillPhotos(ctx context.Context, recs []*Record) error {
	if len(recs) == 0 {
		return nil
	}
	byID := map[int64]*Record{}
	var ids, communities []int64
	seen := map[int64]bool{}
	for _, r := range recs {
		byID[r.ID] = r
		ids = append(ids, r.ID)
		if !seen[r.CommunityID] {
			seen[r.CommunityID] = true
			communities = append(communities, r.CommunityID)
		}
	}
	d := s.DB.Dialect()
	cc, args := d.IDSet("community_id", communities)
	rc, rargs := d.IDSet("record_id", ids)
	rows, err := s.DB.QueryContext(ctx, `SELECT community_id, record_id, seq FROM fu_record_photo WHERE `+cc+` AND `+rc+` ORDER BY record_id, seq`, append(args, rargs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var community, id int64
		var seq int
		if err := rows.Scan(&community, &id, &seq); err != nil {
			return err
		}
		if r := byID[id]; r != nil && r.CommunityID == community {
			r.Photos = append(r.Photos, seq)
		}
	}
	return rows.Err()
}

// RecordPhoto reads photo seq of a record p may see (as ListRecords decides:
// scope, and a sensitive group's records only for those it is opened to);
// any other is not found.
func (s *Service) RecordPhoto(ctx context.Context, p *auth.Principal, recordID int64, seq int) (contentType string, data []byte, err error) {
	where, args, err := s.recordsVisible(ctx, p)
	if err != nil {
		return "", nil, err
	}
	if where == "" || recordID <= 0 || seq <= 0 {
		return "", nil, auth.ErrNotFound
	}
	var community int64
	err = s.DB.QueryRowContext(ctx, `SELECT r.community_id FROM fu_record r WHERE r.id = ? AND `+where, append([]any{recordID}, args...)...).Scan(&community)
	if err == nil {
		err = s.DB.QueryRowContext(ctx, `SELECT content_type, data FROM fu_record_photo WHERE community_id = ? AND record_id = ? AND seq = ?`,
			community, recordID, seq).Scan(&contentType, &data)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, auth.ErrNotFound
	}
	return contentType, data, err
}

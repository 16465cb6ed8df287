package followups

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
)

// BulkRecord is one record of a history written at once (the demo street,
// ledgers of past visits brought in).
type BulkRecord struct {
	DutyID     int64
	Way        string
	HappenedAt time.Time
	Met        string
	Note       string
	Fields     map[string]string
	Needs      string
	Location   string
	CreatedBy  int64 // who made the contact; 0 is the writer
}

// WriteRecords writes a history of records of one community's duties in one
// bulk transaction, as CreateRecord one by one in date order would leave
// them: each record keeps the due date it answered and whether it was on time,
// and each duty's last and next due date follow its latest record. What came
// before the history is not in it. A duty made after its first record (the
// month's rates count a duty from when it was made) was there since that
// record, and one about a grid or building, under its rule since the rule was
// made, was under it since then too. A duty with no record yet that was due
// before the history begins (a group's member for years) has its first record
// answer its own day. One audit entry names the whole history. Records
// CreateRecord would refuse (a duty ended or out of reach, a way or field
// unknown, a day in the future, text too long) refuse the whole, with nothing
// written.
func (s *Service) WriteRecords(ctx context.Context, p *auth.Principal, communityID int64, list []BulkRecord) (int, error) {
	if err := p.Require(PermRecord); err != nil {
		return 0, err
	}
	if len(list) == 0 {
		return 0, nil
	}
	all, err := s.allRules(ctx)
	if err != nil {
		return 0, err
	}
	rules := map[int64]*Rule{}
	for _, r := range all {
		rules[r.ID] = r
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	// One duty's records in date order: each moves the due date from the last.
	list = append([]BulkRecord(nil), list...)
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].DutyID != list[j].DutyID {
			return list[i].DutyID < list[j].DutyID
		}
		return list[i].HappenedAt.Before(list[j].HappenedAt)
	})
	from := list[0].HappenedAt
	for _, in := range list {
		if in.HappenedAt.Before(from) {
			from = in.HappenedAt
		}
	}
	begins := from.In(locale.Zone).Format(day)
	written := 0
	err = s.DB.InBulkTx(ctx, func(tx *db.Tx) error {
		written = 0 // a transaction retried starts again
		duties := map[int64]*Duty{}
		rows, err := tx.QueryContext(ctx, `SELECT `+dutyCols+` FROM fu_duty d WHERE d.community_id = ?`+tx.ForUpdate(), communityID)
		if err != nil {
			return err
		}
		for rows.Next() {
			du, err := scanDuty(rows)
			if err != nil {
				rows.Close()
				return err
			}
			duties[du.ID] = du
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		batch := tx.NewBatch("fu_record", []string{"community_id", "duty_id", "rule_id", "kind", "way", "subject_kind", "subject_id", "subject_name", "household_id", "grid_id",
			"happened_at", "happened_on", "due_on", "on_time", "met", "note", "fields", "needs", "location", "created_by", "created_at", "zero_report"}, 500)
		first := map[int64]int64{} // each duty's first record, in ms
		stamp := db.Now()
		for i := range list {
			in := &list[i]
			du := duties[in.DutyID]
			var r *Rule
			if du != nil {
				r = rules[du.RuleID]
			}
			if du == nil || r == nil || !p.Scope.Allows(du.CommunityID, du.GridID) || !s.ruleVisible(ctx, p, r) {
				errs := &i18n.Errors{}
				errs.Add("duty_id", "followups.err_duty")
				return errs.Err()
			}
			if du.Status != DutyActive {
				return ErrSubjectGone
			}
			if err := checkBulkRecord(in, now); err != nil {
				return err
			}
			zero := r.Kind == KindScreening && in.Note == ""
			if zero {
				in.Note = i18n.T("followups.zero_report")
			}
			on := in.HappenedAt.In(locale.Zone).Format(day)
			if _, ok := first[du.ID]; !ok {
				first[du.ID] = in.HappenedAt.UnixMilli()
			}
			if du.LastDoneOn == "" && r.Subject != SubjectTag && on < du.Since {
				du.Since = on
				du.DueOn = nextDue(cal, r.Unit, r.Every, r.FirstYearEvery, du.Since, "")
			}
			if du.LastDoneOn == "" && du.DueOn < begins {
				du.DueOn = on
			}
			fields, _ := json.Marshal(in.Fields)
			by := in.CreatedBy
			if by == 0 {
				by = p.UserID
			}
			if err := batch.Add(ctx, du.CommunityID, du.ID, r.ID, r.Kind, in.Way, du.SubjectKind, du.SubjectID, du.SubjectName, nullID(du.HouseholdID), nullID(du.GridID),
				in.HappenedAt.UnixMilli(), on, du.DueOn, on <= du.DueOn, in.Met, in.Note, string(fields), in.Needs, in.Location, by, stamp, zero); err != nil {
				return err
			}
			if on >= du.LastDoneOn {
				du.LastDoneOn = on
				du.DueOn = nextDue(cal, r.Unit, r.Every, r.FirstYearEvery, du.Since, on)
			}
			written++
		}
		if err := batch.Flush(ctx); err != nil {
			return err
		}
		ids := make([]int64, 0, len(first))
		for id := range first {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			du := duties[id]
			if _, err := tx.ExecContext(ctx, `UPDATE fu_duty SET since = ?, last_done_on = ?, due_on = ?, updated_at = ?,
				created_at = CASE WHEN created_at > ? THEN ? ELSE created_at END WHERE community_id = ? AND id = ?`,
				du.Since, du.LastDoneOn, du.DueOn, stamp, first[id], first[id], du.CommunityID, du.ID); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "followups.record", "org_unit", communityID, communityID, audit.Success).
			WithDetail(map[string]int{"created": written}))
	})
	if err != nil {
		return 0, err
	}
	return written, nil
}

// checkBulkRecord checks one record of a history as CreateRecord checks a
// form's, but for its age: a history may be older than a year.
func checkBulkRecord(in *BulkRecord, now time.Time) error {
	errs := &i18n.Errors{}
	if in.HappenedAt.IsZero() || in.HappenedAt.After(now.Add(10*time.Minute)) {
		errs.Add("happened_at", "followups.err_future")
	}
	fields := checkContent(errs, in.Way, &in.Met, &in.Note, &in.Needs, &in.Location, in.Fields)
	in.Fields = fields
	return errs.Err()
}

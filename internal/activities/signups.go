package activities

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
)

// SignUp signs a person up: staff name the person (on their behalf); a
// resident (personID 0) signs themself up. A free place is taken with a
// conditional UPDATE of the activity's counter (accepted < quota) in the
// sign-up's transaction; when none is free the person joins the waiting
// list at the next position. One sign-up per person (the table's key).
func (s *Service) SignUp(ctx context.Context, p *auth.Principal, id, personID int64) (Result, error) {
	var a *Activity
	var err error
	source := SourceStaff
	if personID == 0 && p.Can(PermSignUp) {
		errs := &i18n.Errors{}
		errs.Add("person_id", "err.required", "field", i18n.T("activities.person"))
		return Result{}, errs
	}
	if !p.Can(PermSignUp) {
		// A resident for themself.
		if err := p.Require(PermPortal); err != nil {
			return Result{}, err
		}
		// PortalGet refuses an account without its registry person.
		personID, source = p.PersonID, SourcePortal
		a, err = s.PortalGet(ctx, p, id)
	} else {
		a, err = s.Get(ctx, p, id)
	}
	if err != nil {
		return Result{}, err
	}
	if s.People == nil {
		return Result{}, ErrNoPerson
	}
	per, err := s.People.Person(ctx, p, personID)
	if errors.Is(err, auth.ErrNotFound) {
		errs := &i18n.Errors{}
		errs.Add("person_id", "err.choice", "field", i18n.T("activities.person"))
		return Result{}, errs
	}
	if err != nil {
		return Result{}, err
	}
	if a.AudienceTag != "" && !slices.Contains(per.Tags, a.AudienceTag) {
		return Result{}, i18n.NewError("conflict", "activities.err_group", "group", a.AudienceNote)
	}
	if a.Status != StatusPublished || a.StartsAt <= s.now().UnixMilli() {
		return Result{}, ErrClosed
	}
	return s.signUp(ctx, p, a, per, source)
}

func (s *Service) signUp(ctx context.Context, p *auth.Principal, a *Activity, per Person, source string) (Result, error) {
	now := s.now().UnixMilli()
	tags := ""
	if len(per.Tags) > 0 {
		tags = "," + strings.Join(per.Tags, ",") + ","
	}
	var res Result
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var old string
		err := tx.QueryRowContext(ctx, `SELECT status FROM activity_signup WHERE community_id = ? AND activity_id = ? AND person_id = ?`,
			a.CommunityID, a.ID, per.ID).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		exists := err == nil
		if exists && old != SignCancelled {
			return ErrAlready
		}
		// A free place or else the next turn on the waiting list, taken in
		// one statement under the activity row's lock: concurrent sign-ups
		// of one activity wait for each other here, once each.
		free := `(quota = 0 OR accepted < quota)`
		var seq int
		err = tx.QueryRowContext(ctx, `UPDATE activity SET accepted = accepted + CASE WHEN `+free+` THEN 1 ELSE 0 END,
			waiting = waiting + CASE WHEN `+free+` THEN 0 ELSE 1 END, waiting_seq = waiting_seq + CASE WHEN `+free+` THEN 0 ELSE 1 END,
			last_signup = CASE WHEN `+free+` THEN 'accepted' ELSE 'waiting' END, updated_at = ?
			WHERE community_id = ? AND id = ? AND status = 'published' AND starts_at > ? RETURNING last_signup, waiting, waiting_seq`, now, a.CommunityID, a.ID, now).
			Scan(&res.Status, &res.Position, &seq)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrClosed
		}
		if err != nil {
			return err
		}
		if res.Status == SignAccepted {
			res.Position, seq = 0, 0
		}
		if exists {
			r, err := tx.ExecContext(ctx, `UPDATE activity_signup SET status = ?, seq = ?, source = ?, name = ?, tags = ?, attended_at = 0, checkin = '',
				created_by = ?, created_at = ?, updated_at = ? WHERE community_id = ? AND activity_id = ? AND person_id = ? AND status = 'cancelled'`,
				res.Status, seq, source, per.Name, tags, p.UserID, now, now, a.CommunityID, a.ID, per.ID)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n == 0 {
				return ErrAlready
			}
		} else if _, err := tx.ExecContext(ctx, `INSERT INTO activity_signup (community_id, activity_id, person_id, name, tags, status, seq, source,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.CommunityID, a.ID, per.ID, per.Name, tags, res.Status, seq, source, p.UserID, now, now); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.signup", "activity", a.ID, a.CommunityID, audit.Success).
			WithDetail(map[string]any{"person_id": per.ID, "status": res.Status}))
	})
	if db.IsUniqueViolation(err) {
		return Result{}, ErrAlready
	}
	return res, err
}

// CancelSignUp withdraws a person's sign-up: staff for anyone (personID),
// a resident their own (personID 0). An accepted place goes to the first
// of the waiting list in the same transaction.
func (s *Service) CancelSignUp(ctx context.Context, p *auth.Principal, id, personID int64) error {
	var a *Activity
	var err error
	if personID == 0 || !p.Can(PermSignUp) {
		if err := p.Require(PermPortal); err != nil {
			return err
		}
		personID = p.PersonID
		a, err = s.PortalGet(ctx, p, id)
	} else {
		a, err = s.Get(ctx, p, id)
	}
	if err != nil {
		return err
	}
	if personID == 0 {
		return ErrNotSigned
	}
	if a.Status != StatusPublished || a.StartsAt <= s.now().UnixMilli() {
		return ErrClosed
	}
	now := s.now().UnixMilli()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		// The activity row first: this cancellation and any sign-up of the
		// same activity take turns.
		if _, err := tx.ExecContext(ctx, `UPDATE activity SET updated_at = ? WHERE community_id = ? AND id = ?`, now, a.CommunityID, a.ID); err != nil {
			return err
		}
		var old string
		err := tx.QueryRowContext(ctx, `SELECT status FROM activity_signup WHERE community_id = ? AND activity_id = ? AND person_id = ?`,
			a.CommunityID, a.ID, personID).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && old != SignAccepted && old != SignWaiting) {
			return ErrNotSigned
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE activity_signup SET status = 'cancelled', updated_at = ? WHERE community_id = ? AND activity_id = ? AND person_id = ?`,
			now, a.CommunityID, a.ID, personID); err != nil {
			return err
		}
		promoted := int64(0)
		if old == SignAccepted {
			err := tx.QueryRowContext(ctx, `SELECT person_id FROM activity_signup WHERE community_id = ? AND activity_id = ? AND status = 'waiting'
				ORDER BY seq LIMIT 1`, a.CommunityID, a.ID).Scan(&promoted)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		switch {
		case promoted != 0:
			if _, err := tx.ExecContext(ctx, `UPDATE activity_signup SET status = 'accepted', updated_at = ? WHERE community_id = ? AND activity_id = ? AND person_id = ?`,
				now, a.CommunityID, a.ID, promoted); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE activity SET waiting = waiting - 1 WHERE community_id = ? AND id = ?`, a.CommunityID, a.ID); err != nil {
				return err
			}
		case old == SignAccepted:
			if _, err := tx.ExecContext(ctx, `UPDATE activity SET accepted = accepted - 1 WHERE community_id = ? AND id = ?`, a.CommunityID, a.ID); err != nil {
				return err
			}
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE activity SET waiting = waiting - 1 WHERE community_id = ? AND id = ?`, a.CommunityID, a.ID); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.signup_cancel", "activity", a.ID, a.CommunityID, audit.Success).
			WithDetail(map[string]any{"person_id": personID, "ref_id": promoted}))
	})
}

const signCols = `s.community_id, s.activity_id, s.person_id, s.name, s.status, s.seq, s.source, s.attended_at, s.checkin, s.satisfaction, s.feedback, s.created_at`

func scanSignUp(sc interface{ Scan(...any) error }) (*SignUp, error) {
	x := &SignUp{}
	err := sc.Scan(&x.CommunityID, &x.ActivityID, &x.PersonID, &x.Name, &x.Status, &x.Seq, &x.Source, &x.AttendedAt, &x.CheckIn, &x.Satisfaction,
		&x.Feedback, &x.CreatedAt)
	return x, err
}

// Roster lists an activity's sign-ups: the accepted and walk-ins by name,
// then the waiting list in order with positions, then the cancelled.
func (s *Service) Roster(ctx context.Context, p *auth.Principal, a *Activity) ([]*SignUp, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+signCols+` FROM activity_signup s WHERE s.community_id = ? AND s.activity_id = ?
		ORDER BY CASE s.status WHEN 'accepted' THEN 0 WHEN 'walkin' THEN 1 WHEN 'waiting' THEN 2 ELSE 3 END, s.seq, s.created_at, s.person_id`, a.CommunityID, a.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*SignUp
	pos := 0
	for rows.Next() {
		x, err := scanSignUp(rows)
		if err != nil {
			return nil, err
		}
		if x.Status == SignWaiting {
			pos++
			x.Position = pos
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Attend ticks (or unticks) a person on the roster, as staff.
func (s *Service) Attend(ctx context.Context, p *auth.Principal, id, personID int64, present bool) error {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if !a.Access.Roster {
		return ErrState
	}
	return s.attend(ctx, p, a, personID, present, "staff")
}

// attend records one person's attendance: their sign-up is ticked, the
// activity's attended count follows, and the first check-in marks it held.
func (s *Service) attend(ctx context.Context, p *auth.Principal, a *Activity, personID int64, present bool, how string) error {
	now := s.now().UnixMilli()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var r sql.Result
		var err error
		if present {
			r, err = tx.ExecContext(ctx, `UPDATE activity_signup SET attended_at = ?, checkin = ?, updated_at = ? WHERE community_id = ? AND activity_id = ?
				AND person_id = ? AND attended_at = 0 AND status <> 'cancelled'`, now, how, now, a.CommunityID, a.ID, personID)
		} else {
			r, err = tx.ExecContext(ctx, `UPDATE activity_signup SET attended_at = 0, checkin = '', updated_at = ? WHERE community_id = ? AND activity_id = ?
				AND person_id = ? AND attended_at <> 0`, now, a.CommunityID, a.ID, personID)
		}
		if err != nil {
			return err
		}
		n, _ := r.RowsAffected()
		if n == 0 {
			var st string
			err := tx.QueryRowContext(ctx, `SELECT status FROM activity_signup WHERE community_id = ? AND activity_id = ? AND person_id = ?`,
				a.CommunityID, a.ID, personID).Scan(&st)
			if errors.Is(err, sql.ErrNoRows) || st == SignCancelled {
				return ErrNotSigned
			}
			return err // already as asked: nothing to change
		}
		delta := 1
		if !present {
			delta = -1
		}
		var tags string
		if err := tx.QueryRowContext(ctx, `SELECT tags FROM activity_signup WHERE community_id = ? AND activity_id = ? AND person_id = ?`,
			a.CommunityID, a.ID, personID).Scan(&tags); err != nil {
			return err
		}
		if err := reach(ctx, tx, a, personID, tags, delta); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE activity SET attended = attended + ?, status = CASE WHEN status = 'published' THEN 'held' ELSE status END,
			updated_at = ? WHERE community_id = ? AND id = ?`, delta, now, a.CommunityID, a.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.attend", "activity", a.ID, a.CommunityID, audit.Success).
			WithDetail(map[string]any{"person_id": personID, "active": present, "source": how}))
	})
}

// WalkIn records walk-ins at the venue: a registry person (personID), who
// joins the roster as attended, or a number of people not named.
func (s *Service) WalkIn(ctx context.Context, p *auth.Principal, id, personID int64, count int) error {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if !a.Access.Roster {
		return ErrState
	}
	if personID == 0 {
		if count < 1 || count > 10000 {
			errs := &i18n.Errors{}
			errs.Add("count", "err.range", "field", i18n.T("activities.walkin_count"), "min", 1, "max", 10000)
			return errs
		}
		return s.DB.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE activity SET walkins = walkins + ?, status = CASE WHEN status = 'published' THEN 'held' ELSE status END,
				updated_at = ? WHERE community_id = ? AND id = ?`, count, s.now().UnixMilli(), a.CommunityID, a.ID); err != nil {
				return err
			}
			return s.Audit.Record(ctx, tx, audit.Event(p, "activities.walkin", "activity", a.ID, a.CommunityID, audit.Success).WithDetail(map[string]any{"created": count}))
		})
	}
	if s.People == nil {
		return ErrNoPerson
	}
	per, err := s.People.Person(ctx, p, personID)
	if err != nil {
		if errors.Is(err, auth.ErrNotFound) {
			errs := &i18n.Errors{}
			errs.Add("person_id", "err.choice", "field", i18n.T("activities.person"))
			return errs
		}
		return err
	}
	return s.walkInPerson(ctx, p, a, per, "staff")
}

// walkInPerson puts a person who did not sign up on the roster as attended
// (or ticks their sign-up if they had one).
func (s *Service) walkInPerson(ctx context.Context, p *auth.Principal, a *Activity, per Person, how string) error {
	var st string
	err := s.DB.QueryRowContext(ctx, `SELECT status FROM activity_signup WHERE community_id = ? AND activity_id = ? AND person_id = ?`,
		a.CommunityID, a.ID, per.ID).Scan(&st)
	if err == nil && st != SignCancelled {
		return s.attend(ctx, p, a, per.ID, true, how)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	now := s.now().UnixMilli()
	tags := ""
	if len(per.Tags) > 0 {
		tags = "," + strings.Join(per.Tags, ",") + ","
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if st == SignCancelled {
			if _, err := tx.ExecContext(ctx, `UPDATE activity_signup SET status = 'walkin', source = 'walkin', attended_at = ?, checkin = ?, updated_at = ?
				WHERE community_id = ? AND activity_id = ? AND person_id = ? AND status = 'cancelled'`, now, how, now, a.CommunityID, a.ID, per.ID); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `INSERT INTO activity_signup (community_id, activity_id, person_id, name, tags, status, source, attended_at,
			checkin, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'walkin', 'walkin', ?, ?, ?, ?, ?)`,
			a.CommunityID, a.ID, per.ID, per.Name, tags, now, how, p.UserID, now, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE activity SET attended = attended + 1, status = CASE WHEN status = 'published' THEN 'held' ELSE status END,
			updated_at = ? WHERE community_id = ? AND id = ?`, now, a.CommunityID, a.ID); err != nil {
			return err
		}
		if err := reach(ctx, tx, a, per.ID, tags, 1); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.walkin", "activity", a.ID, a.CommunityID, audit.Success).
			WithDetail(map[string]any{"person_id": per.ID, "source": how}))
	})
	if db.IsUniqueViolation(err) {
		return s.attend(ctx, p, a, per.ID, true, how)
	}
	return err
}

// reach counts one attendance more (delta 1) or less (-1) of a person in
// the year's reach of the activity's org unit; a person with none left
// leaves it.
func reach(ctx context.Context, tx *db.Tx, a *Activity, personID int64, tags string, delta int) error {
	year := time.UnixMilli(a.StartsAt).In(locale.Zone).Year()
	if delta > 0 {
		_, err := tx.ExecContext(ctx, `INSERT INTO activity_reach (community_id, year, person_id, tags, n) VALUES (?, ?, ?, ?, 1)
			ON CONFLICT (community_id, year, person_id) DO UPDATE SET n = activity_reach.n + 1, tags = excluded.tags`, a.CommunityID, year, personID, tags)
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE activity_reach SET n = n - 1 WHERE community_id = ? AND year = ? AND person_id = ?`, a.CommunityID, year, personID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM activity_reach WHERE community_id = ? AND year = ? AND person_id = ? AND n <= 0`, a.CommunityID, year, personID)
	return err
}

package activities

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
)

// Volunteers are the registered volunteers who serve at activities (the
// volunteers module, through app): the ones p may choose, and the record of
// their service hours.
type Volunteers interface {
	// Choices are the volunteers of community c p may see who have not left.
	Choices(ctx context.Context, p *auth.Principal, c int64) ([]VolunteerChoice, error)
	// Volunteer is one of them; auth.ErrNotFound when p does not see them,
	// they are of another community or they left.
	Volunteer(ctx context.Context, p *auth.Principal, c, id int64) (VolunteerChoice, error)
	// RecordHours records a volunteer's service at an activity; recording
	// the same activity and volunteer again changes nothing.
	RecordHours(ctx context.Context, p *auth.Principal, in HoursInput) error
}

// VolunteerChoice is a volunteer offered to serve at an activity.
type VolunteerChoice struct {
	ID       int64
	Name     string
	PersonID int64 // 0: an outsider
}

// HoursInput is the service a check-out records.
type HoursInput struct {
	CommunityID, ActivityID, VolunteerID int64
	CheckIn, CheckOut                    int64 // unix ms
	What, Place, ForWhom                 string
}

// Helper is a volunteer serving at an activity.
type Helper struct {
	CommunityID, ActivityID, VolunteerID int64
	Name, Role                           string
	CheckIn, CheckOut                    int64 // unix ms
	CheckedOutAt                         int64 // 0: not yet checked out
}

// Minutes is the time served.
func (h *Helper) Minutes() int { return int((h.CheckOut - h.CheckIn) / 60_000) }

// Hours is the time served in hours with at most one decimal.
func (h *Helper) Hours() string {
	m := h.Minutes()
	if m%60 == 0 {
		return fmt.Sprint(m / 60)
	}
	return fmt.Sprintf("%.1f", float64(m)/60)
}

// Span is the time served as people read it.
func (h *Helper) Span() string {
	f, t := time.UnixMilli(h.CheckIn).In(locale.Zone), time.UnixMilli(h.CheckOut).In(locale.Zone)
	if f.Format(time.DateOnly) == t.Format(time.DateOnly) {
		return f.Format("01-02 15:04") + "–" + t.Format("15:04")
	}
	return f.Format("01-02 15:04") + " – " + t.Format("01-02 15:04")
}

// HelperInput is a helper's role and times at check-out.
type HelperInput struct {
	Role              string
	CheckIn, CheckOut time.Time

	pre *i18n.Errors
}

// Errors of the helpers.
var (
	ErrHelperAlready = i18n.NewError("conflict", "activities.err_helper_already")
	ErrNotBegun      = i18n.NewError("conflict", "activities.err_not_begun")
)

const maxHelperMinutes = 24 * 60 // one service record: at most a day

// helpersOpen reports whether helpers may be added to or checked out of an
// activity in this state.
func helpersOpen(status string) bool {
	return status == StatusDraft || status == StatusPublished || status == StatusHeld || status == StatusSummarised
}

// Helpers lists the volunteers serving at a (by name).
func (s *Service) Helpers(ctx context.Context, p *auth.Principal, a *Activity) ([]*Helper, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT community_id, activity_id, volunteer_id, name, role, check_in, check_out, checked_out_at
		FROM activity_helper WHERE community_id = ? AND activity_id = ? ORDER BY name, volunteer_id`, a.CommunityID, a.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Helper
	for rows.Next() {
		h := &Helper{}
		if err := rows.Scan(&h.CommunityID, &h.ActivityID, &h.VolunteerID, &h.Name, &h.Role, &h.CheckIn, &h.CheckOut, &h.CheckedOutAt); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// VolunteerChoices are the volunteers p may add to a as helpers: those of
// its community who serve there not yet.
func (s *Service) VolunteerChoices(ctx context.Context, p *auth.Principal, a *Activity) ([]VolunteerChoice, error) {
	if !a.Access.Helpers {
		return nil, auth.ErrForbidden
	}
	all, err := s.Volunteers.Choices(ctx, p, a.CommunityID)
	if err != nil {
		return nil, err
	}
	have, err := s.Helpers(ctx, p, a)
	if err != nil {
		return nil, err
	}
	in := map[int64]bool{}
	for _, h := range have {
		in[h.VolunteerID] = true
	}
	var out []VolunteerChoice
	for _, v := range all {
		if !in[v.ID] {
			out = append(out, v)
		}
	}
	return out, nil
}

// AddHelper adds a registered volunteer of the activity's community to
// those serving at it, with what they do there; their times are the
// activity's until check-out.
func (s *Service) AddHelper(ctx context.Context, p *auth.Principal, id, volunteerID int64, role string) error {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	role = strings.TrimSpace(role)
	errs := &i18n.Errors{}
	if volunteerID == 0 {
		errs.Add("volunteer_id", "err.required", "field", i18n.T("activities.volunteer"))
	}
	errs.MaxLen("role", i18n.T("activities.helper_role"), role, maxShort)
	if errs.Any() {
		return errs
	}
	if !a.Access.Helpers {
		return ErrState
	}
	v, err := s.Volunteers.Volunteer(ctx, p, a.CommunityID, volunteerID)
	if errors.Is(err, auth.ErrNotFound) {
		errs.Add("volunteer_id", "err.choice", "field", i18n.T("activities.volunteer"))
		return errs
	}
	if err != nil {
		return err
	}
	now := s.now().UnixMilli()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO activity_helper (community_id, activity_id, volunteer_id, name, role, check_in, check_out, created_by,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.CommunityID, a.ID, v.ID, v.Name, role, a.StartsAt, a.EndsAt, p.UserID, now, now); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.helper_add", "activity", a.ID, a.CommunityID, audit.Success).
			WithDetail(map[string]any{"ref_id": v.ID, "name": v.Name}))
	})
	if db.IsUniqueViolation(err) {
		return ErrHelperAlready
	}
	return err
}

// Helper returns one volunteer serving at an activity in p's scope.
func (s *Service) Helper(ctx context.Context, p *auth.Principal, id, volunteerID int64) (*Activity, *Helper, error) {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	h := &Helper{}
	err = s.DB.QueryRowContext(ctx, `SELECT community_id, activity_id, volunteer_id, name, role, check_in, check_out, checked_out_at
		FROM activity_helper WHERE community_id = ? AND activity_id = ? AND volunteer_id = ?`, a.CommunityID, a.ID, volunteerID).
		Scan(&h.CommunityID, &h.ActivityID, &h.VolunteerID, &h.Name, &h.Role, &h.CheckIn, &h.CheckOut, &h.CheckedOutAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	return a, h, nil
}

// CheckOut checks a helper out of an activity that has begun with their
// role and times, and records their service hours in the volunteers module.
// The hours are recorded after the activity's own transaction (another
// module's write); the record is idempotent, so checking out again after a
// failed recording records it then. Once checked out, the times stay: a
// second check-out only records again what was saved.
func (s *Service) CheckOut(ctx context.Context, p *auth.Principal, id, volunteerID int64, in HelperInput) (*Helper, error) {
	a, h, err := s.Helper(ctx, p, id, volunteerID)
	if err != nil {
		return nil, err
	}
	if !a.Access.Helpers {
		return nil, ErrState
	}
	if a.StartsAt > s.now().UnixMilli() {
		return nil, ErrNotBegun
	}
	if h.CheckedOutAt == 0 {
		errs := in.pre
		if errs == nil {
			errs = &i18n.Errors{}
		}
		in.Role = strings.TrimSpace(in.Role)
		errs.MaxLen("role", i18n.T("activities.helper_role"), in.Role, maxShort)
		switch {
		case errs.For("check_in") != "" || errs.For("check_out") != "":
		case in.CheckIn.IsZero():
			errs.Add("check_in", "err.required", "field", i18n.T("activities.check_in"))
		case in.CheckOut.IsZero():
			errs.Add("check_out", "err.required", "field", i18n.T("activities.check_out"))
		case in.CheckOut.Sub(in.CheckIn) < time.Minute:
			errs.Add("check_out", "activities.err_end_before_start")
		case in.CheckOut.Sub(in.CheckIn) > maxHelperMinutes*time.Minute:
			errs.Add("check_out", "activities.err_helper_too_long")
		}
		if errs.Any() {
			return nil, errs
		}
		now := s.now().UnixMilli()
		h.Role, h.CheckIn, h.CheckOut, h.CheckedOutAt = in.Role, in.CheckIn.UnixMilli(), in.CheckOut.UnixMilli(), now
		if err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			r, err := tx.ExecContext(ctx, `UPDATE activity_helper SET role = ?, check_in = ?, check_out = ?, checked_out_at = ?, updated_at = ?
				WHERE community_id = ? AND activity_id = ? AND volunteer_id = ? AND checked_out_at = 0`, h.Role, h.CheckIn, h.CheckOut, now, now,
				a.CommunityID, a.ID, volunteerID)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n == 0 {
				return ErrState // checked out meanwhile
			}
			return s.Audit.Record(ctx, tx, audit.Event(p, "activities.helper_checkout", "activity", a.ID, a.CommunityID, audit.Success).
				WithDetail(map[string]any{"ref_id": volunteerID, "minutes": h.Minutes()}))
		}); err != nil {
			return nil, err
		}
	}
	what := a.Title
	if h.Role != "" {
		what += "（" + h.Role + "）"
	}
	place := a.Place
	if place == "" {
		place = a.CommunityName
	}
	return h, s.Volunteers.RecordHours(ctx, p, HoursInput{CommunityID: a.CommunityID, ActivityID: a.ID, VolunteerID: volunteerID, CheckIn: h.CheckIn,
		CheckOut: h.CheckOut, What: what, Place: place, ForWhom: a.AudienceNote})
}

package activities

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

// The portal's reads cross the scope on purpose (ARCHITECTURE.md, "Reads
// that cross the scope"): a resident has no org scope; they see the
// published activities of their own community and of its street, and their
// own sign-ups. Check-in by QR code finds the activity by its token.

// portalPlaces are the org units whose activities a resident sees.
func (s *Service) portalPlaces(ctx context.Context, p *auth.Principal) []int64 {
	if s.Home == nil || !p.Can(PermPortal) || p.PersonID == 0 {
		return nil
	}
	c, ok := s.Home(ctx, p)
	if !ok {
		return nil
	}
	out := []int64{c}
	if u, ok := s.Org.Lookup(ctx, c); ok && u.ParentID != 0 {
		out = append(out, u.ParentID)
	}
	return out
}

// PortalGet is one activity shown to p, a resident: published (or later)
// in their community or its street.
func (s *Service) PortalGet(ctx context.Context, p *auth.Principal, id int64) (*Activity, error) {
	if err := p.Require(PermPortal); err != nil {
		return nil, err
	}
	places := s.portalPlaces(ctx, p)
	if len(places) == 0 {
		return nil, auth.ErrNotFound
	}
	c, args := s.DB.Dialect().IDSet("a.community_id", places)
	a, err := scan(s.DB.QueryRowContext(ctx, `SELECT `+cols+from+` WHERE a.id = ? AND a.status <> 'draft' AND `+c, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return a, s.label(ctx, []*Activity{a})
}

// Upcoming lists the published activities open to p, a resident, that
// have not ended, soonest first.
func (s *Service) Upcoming(ctx context.Context, p *auth.Principal) ([]*Activity, error) {
	if err := p.Require(PermPortal); err != nil {
		return nil, err
	}
	places := s.portalPlaces(ctx, p)
	if len(places) == 0 {
		return nil, nil
	}
	c, args := s.DB.Dialect().IDSet("a.community_id", places)
	return s.list(ctx, nil, `SELECT `+cols+from+` WHERE `+c+` AND a.status IN ('published', 'held') AND a.ends_at > ? ORDER BY a.starts_at, a.id LIMIT 100`,
		append(args, s.now().UnixMilli())...)
}

// Mine lists p's own sign-ups (a resident), latest activity first, with
// their activities; a cancelled activity shows its notice.
func (s *Service) Mine(ctx context.Context, p *auth.Principal) ([]*SignUp, error) {
	if err := p.Require(PermPortal); err != nil {
		return nil, err
	}
	if p.PersonID == 0 {
		return nil, nil
	}
	return s.signUpsOf(ctx, `s.person_id = ?`, []any{p.PersonID}, 50)
}

// PersonSignUps lists the sign-ups of people (the person page and the
// household file), within p's scope.
func (s *Service) PersonSignUps(ctx context.Context, p *auth.Principal, personIDs []int64, limit int) ([]*SignUp, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	if len(personIDs) == 0 {
		return nil, nil
	}
	c, args := s.DB.Dialect().IDSet("s.person_id", personIDs)
	sc, sargs := s.scopeSQL(ctx, p, "s.community_id")
	return s.signUpsOf(ctx, c+` AND `+sc, append(args, sargs...), limit)
}

func (s *Service) signUpsOf(ctx context.Context, where string, args []any, limit int) ([]*SignUp, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+signCols+`, `+cols+` FROM activity_signup s JOIN activity a ON a.community_id = s.community_id AND a.id = s.activity_id
		LEFT JOIN org_unit c ON c.id = a.community_id LEFT JOIN activity_plan t ON t.community_id = a.community_id AND t.id = a.theme_id
		WHERE `+where+` ORDER BY a.starts_at DESC, a.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*SignUp
	for rows.Next() {
		x, a := &SignUp{}, &Activity{}
		if err := rows.Scan(&x.CommunityID, &x.ActivityID, &x.PersonID, &x.Name, &x.Status, &x.Seq, &x.Source, &x.AttendedAt, &x.CheckIn, &x.Satisfaction,
			&x.Feedback, &x.CreatedAt,
			&a.ID, &a.CommunityID, &a.Title, &a.Topic, &a.Format, &a.ThemeID, &a.Organiser, &a.Partners, &a.Speakers, &a.VenueID, &a.Place,
			&a.StartsAt, &a.EndsAt, &a.Month, &a.AudienceTag, &a.AudienceNote, &a.Quota, &a.Budget, &a.Materials, &a.Content, &a.Status, &a.PublishedAt,
			&a.CancelNote, &a.Accepted, &a.Waiting, &a.Attended, &a.WalkIns, &a.Summary, &a.SummaryAt, &a.ReportedAt, &a.CreatedBy, &a.CreatedAt,
			&a.CommunityName, &a.ThemeName); err != nil {
			return nil, err
		}
		x.Activity = a
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	acts := make([]*Activity, len(out))
	for i, x := range out {
		acts[i] = x.Activity
	}
	if err := s.label(ctx, acts); err != nil {
		return nil, err
	}
	for _, x := range out {
		if x.Status == SignWaiting {
			if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_signup WHERE community_id = ? AND activity_id = ? AND status = 'waiting' AND seq <= ?`,
				x.CommunityID, x.ActivityID, x.Seq).Scan(&x.Position); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// MySignUp is p's own sign-up to activity a (nil: none).
func (s *Service) MySignUp(ctx context.Context, p *auth.Principal, a *Activity) (*SignUp, error) {
	if p.PersonID == 0 {
		return nil, nil
	}
	list, err := s.signUpsOf(ctx, `s.community_id = ? AND s.activity_id = ? AND s.person_id = ?`, []any{a.CommunityID, a.ID, p.PersonID}, 1)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// ---- check-in by QR code ----

// CheckinWindow says when an activity's QR code works.
func CheckinWindow(a *Activity) (from, to int64) {
	return a.StartsAt - checkinEarly.Milliseconds(), a.EndsAt + checkinLate.Milliseconds()
}

// Token is the activity's current check-in token, for those who keep its
// roster ("" outside its window).
func (s *Service) Token(ctx context.Context, p *auth.Principal, a *Activity) (string, error) {
	if !a.Access.Roster {
		return "", auth.ErrForbidden
	}
	f, t := CheckinWindow(a)
	if now := s.now().UnixMilli(); now < f || now > t {
		return "", nil
	}
	var tok string
	err := s.DB.QueryRowContext(ctx, `SELECT checkin_token FROM activity WHERE community_id = ? AND id = ?`, a.CommunityID, a.ID).Scan(&tok)
	return tok, err
}

// Rotate gives the activity a new check-in token: a photo of the old code
// passed around stops working.
func (s *Service) Rotate(ctx context.Context, p *auth.Principal, id int64) error {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if !a.Access.Roster {
		return ErrState
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE activity SET checkin_token = ?, updated_at = ? WHERE community_id = ? AND id = ?`,
			newToken(), s.now().UnixMilli(), a.CommunityID, a.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.rotate", "activity", a.ID, a.CommunityID, audit.Success))
	})
}

// ByToken finds the activity a scanned QR code names, for a resident,
// while its window is open.
func (s *Service) ByToken(ctx context.Context, p *auth.Principal, token string) (*Activity, error) {
	if err := p.Require(PermPortal); err != nil {
		return nil, err
	}
	token = strings.TrimSpace(token)
	if len(token) < 20 {
		return nil, ErrBadToken
	}
	a, err := scan(s.DB.QueryRowContext(ctx, `SELECT `+cols+from+` WHERE a.checkin_token = ? AND a.status IN ('published', 'held')`, token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, err
	}
	f, t := CheckinWindow(a)
	if now := s.now().UnixMilli(); now < f || now > t {
		return nil, ErrBadToken
	}
	return a, nil
}

// CheckIn checks p, a resident, in by the token of the QR code shown at
// the venue: their sign-up is ticked, or they are recorded as a walk-in.
func (s *Service) CheckIn(ctx context.Context, p *auth.Principal, token string) (*Activity, error) {
	a, err := s.ByToken(ctx, p, token)
	if err != nil {
		return nil, err
	}
	if p.PersonID == 0 || s.People == nil {
		return nil, ErrNoPerson
	}
	per, err := s.People.Person(ctx, p, p.PersonID)
	if err != nil {
		return nil, err
	}
	if err := s.walkInPerson(ctx, p, a, per, "qr"); err != nil && !errors.Is(err, ErrNotSigned) {
		return nil, err
	}
	return a, nil
}

// Feedback records p's (a resident who attended) satisfaction (1–5) and
// comments after the activity.
func (s *Service) Feedback(ctx context.Context, p *auth.Principal, id int64, satisfaction int, text string) error {
	a, err := s.PortalGet(ctx, p, id)
	if err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	errs := &i18n.Errors{}
	if satisfaction < 1 || satisfaction > 5 {
		errs.Add("satisfaction", "err.range", "field", i18n.T("activities.satisfaction"), "min", 1, "max", 5)
	}
	errs.MaxLen("feedback", i18n.T("activities.feedback"), text, maxShort)
	if errs.Any() {
		return errs
	}
	now := s.now().UnixMilli()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE activity_signup SET satisfaction = ?, feedback = ?, updated_at = ? WHERE community_id = ? AND activity_id = ?
			AND person_id = ? AND attended_at <> 0`, satisfaction, text, now, a.CommunityID, a.ID, p.PersonID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return ErrNotAttended
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.feedback", "activity", a.ID, a.CommunityID, audit.Success))
	})
}

// Ended reports whether the activity is over.
func (s *Service) Ended(a *Activity) bool { return a.EndsAt <= s.now().UnixMilli() }

var _ = time.Hour

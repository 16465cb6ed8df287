package activities

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
)

// Person is a registry person as activities needs them: where they live,
// their name and their tags (for activities limited to a group).
type Person struct {
	ID, CommunityID int64
	Name            string
	Tags            []string // tag codes
}

// People finds registry people (the registry, through app): for staff a
// person within their scope, for a resident their own person.
type People interface {
	Person(ctx context.Context, p *auth.Principal, id int64) (Person, error)
}

// Venues reserves an activity's venue (the venues module, through app): a
// clash is refused with the venue's own message.
type Venues interface {
	Reserve(ctx context.Context, p *auth.Principal, venueID int64, title string, attendees int, from, to time.Time, activityID int64) error
	Release(ctx context.Context, p *auth.Principal, activityID int64) error
	// Choices are the venues p may book, for the form.
	Choices(ctx context.Context, p *auth.Principal) ([]VenueChoice, error)
}

// VenueChoice is a venue offered on the activity form.
type VenueChoice struct {
	ID    int64
	Label string
}

// Speakers suggests speakers from an expert pool (the volunteers module,
// later); nil offers none and speakers stay free text.
type Speakers interface {
	Suggest(ctx context.Context, p *auth.Principal, q string) ([]string, error)
}

// HomeFunc says which community a resident account's own registry person
// lives in (the registry's ResidentHome, through app).
type HomeFunc func(ctx context.Context, p *auth.Principal) (communityID int64, ok bool)

// Service keeps activities, sign-ups, check-ins and the plan.
type Service struct {
	DB     *db.DB
	Audit  *audit.Log
	Org    *org.Service
	People People   // nil: nobody can be signed up by staff
	Venues Venues   // nil: activities name their place as text only
	Expert Speakers // nil-safe
	Home   HomeFunc // nil: the portal offers no activities
	// Volunteers are those who serve at activities; nil: none.
	Volunteers Volunteers
	// Teams are volunteer teams signed up as a group; nil: none.
	Teams Teams
	// Now is the clock (tests fix it); nil is time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func monthOf(ms int64) string { return time.UnixMilli(ms).In(locale.Zone).Format("2006-01") }

// Errors of the lifecycle and of sign-up.
var (
	ErrState       = i18n.NewError("conflict", "activities.err_state")
	ErrClosed      = i18n.NewError("conflict", "activities.err_closed")
	ErrAlready     = i18n.NewError("conflict", "activities.err_already")
	ErrNotSigned   = i18n.NewError("conflict", "activities.err_not_signed")
	ErrNoPerson    = i18n.NewError("conflict", "activities.err_no_person")
	ErrBadToken    = i18n.NewError("not_found", "activities.err_token")
	ErrNotAttended = i18n.NewError("conflict", "activities.err_not_attended")
)

// scopeSQL restricts rows whose community column is col to what p reaches
// (org.Service.Partitions: a community's staff their community's rows, a
// street's staff also the street's own).
func (s *Service) scopeSQL(ctx context.Context, p *auth.Principal, col string) (string, []any) {
	if p.Scope.All {
		return "1=1", nil
	}
	return s.DB.Dialect().IDSet(col, s.Org.Partitions(ctx, p))
}

const cols = `a.id, a.community_id, a.title, a.topic, a.format, a.theme_id, a.organiser, a.partners, a.speakers, a.venue_id, a.place, a.starts_at, a.ends_at,
	a.month, a.audience_tag, a.audience_note, a.quota, a.budget, a.materials, a.content, a.status, a.published_at, a.cancel_note, a.accepted, a.waiting,
	a.attended, a.walkins, a.summary, a.summary_at, a.reported_at, a.created_by, a.created_at, COALESCE(c.name, ''), COALESCE(t.name, '')`

const from = ` FROM activity a LEFT JOIN org_unit c ON c.id = a.community_id
	LEFT JOIN activity_plan t ON t.community_id = a.community_id AND t.id = a.theme_id`

func scan(sc interface{ Scan(...any) error }) (*Activity, error) {
	a := &Activity{}
	err := sc.Scan(&a.ID, &a.CommunityID, &a.Title, &a.Topic, &a.Format, &a.ThemeID, &a.Organiser, &a.Partners, &a.Speakers, &a.VenueID, &a.Place,
		&a.StartsAt, &a.EndsAt, &a.Month, &a.AudienceTag, &a.AudienceNote, &a.Quota, &a.Budget, &a.Materials, &a.Content, &a.Status, &a.PublishedAt,
		&a.CancelNote, &a.Accepted, &a.Waiting, &a.Attended, &a.WalkIns, &a.Summary, &a.SummaryAt, &a.ReportedAt, &a.CreatedBy, &a.CreatedAt,
		&a.CommunityName, &a.ThemeName)
	return a, err
}

// access decides what p may do with a.
func (s *Service) access(ctx context.Context, p *auth.Principal, a *Activity, manage map[int64]bool) Access {
	m, ok := manage[a.CommunityID]
	if !ok {
		m = p.Can(PermManage) && s.Org.HoldsPartition(ctx, p, a.CommunityID)
		manage[a.CommunityID] = m
	}
	now := s.now().UnixMilli()
	open := a.Status == StatusPublished && a.StartsAt > now
	live := a.Status == StatusPublished || a.Status == StatusHeld
	begun := a.StartsAt <= now
	return Access{
		Manage:  m,
		Publish: m && a.Status == StatusDraft,
		Cancel:  m && (a.Status == StatusDraft || a.Status == StatusPublished) && a.EndsAt > now,
		SignUp:  open && p.Can(PermSignUp),
		Roster:  live && p.Can(PermSignUp),
		// A summary may be edited until the activity is reported.
		Summary: m && ((live && begun) || a.Status == StatusSummarised),
		Report:  m && a.Status == StatusSummarised,
		Helpers: s.Volunteers != nil && p.Can(PermSignUp) && helpersOpen(a.Status),
		Edit:    m && (a.Status == StatusDraft || a.Status == StatusPublished),
	}
}

// Get returns an activity in p's scope with what p may do with it.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Activity, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(ctx, p, "a.community_id")
	a, err := scan(s.DB.QueryRowContext(ctx, `SELECT `+cols+from+` WHERE a.id = ? AND `+sc, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	a.Access = s.access(ctx, p, a, map[int64]bool{})
	return a, s.label(ctx, []*Activity{a})
}

// List returns the activities in p's scope that f selects, by start, and
// the total.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]*Activity, int, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, 0, err
	}
	sc, args := s.scopeSQL(ctx, p, "a.community_id")
	where := []string{sc}
	if f.CommunityID != 0 {
		where, args = append(where, "a.community_id = ?"), append(args, f.CommunityID)
	}
	if f.Month != "" {
		where, args = append(where, "a.month = ?"), append(args, f.Month)
	}
	if f.Status != "" {
		where, args = append(where, "a.status = ?"), append(args, f.Status)
	}
	if f.Topic != "" {
		where, args = append(where, "a.topic = ?"), append(args, f.Topic)
	}
	if f.Format != "" {
		where, args = append(where, "a.format = ?"), append(args, f.Format)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		where, args = append(where, "(a.title LIKE ? OR a.organiser LIKE ? OR a.speakers LIKE ?)"), append(args, "%"+q+"%", "%"+q+"%", "%"+q+"%")
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity a WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 100
	}
	list, err := s.list(ctx, p, `SELECT `+cols+from+` WHERE `+w+` ORDER BY a.starts_at, a.id LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	return list, total, err
}

func (s *Service) list(ctx context.Context, p *auth.Principal, q string, args ...any) ([]*Activity, error) {
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Activity
	manage := map[int64]bool{}
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, err
		}
		if p != nil {
			a.Access = s.access(ctx, p, a, manage)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.label(ctx, out)
}

// Places are the org units p may hold activities in: the communities it
// holds wholly and the streets of its subtrees.
func (s *Service) Places(ctx context.Context, p *auth.Principal) ([]*org.Unit, error) {
	if !p.Can(PermManage) {
		return nil, nil
	}
	return s.Org.HeldPartitions(ctx, p)
}

func (s *Service) check(ctx context.Context, in *Input) (*org.Unit, *i18n.Errors) {
	errs := in.pre
	if errs == nil {
		errs = &i18n.Errors{}
	}
	for _, f := range []*string{&in.Title, &in.Organiser, &in.Partners, &in.Speakers, &in.Place, &in.AudienceTag, &in.AudienceNote, &in.Materials, &in.Content} {
		*f = strings.TrimSpace(*f)
	}
	if errs.Required("title", i18n.T("activities.title_field"), in.Title) {
		errs.MaxLen("title", i18n.T("activities.title_field"), in.Title, maxTitle)
	}
	if in.Topic == "" {
		in.Topic = "other"
	}
	if in.Format == "" {
		in.Format = "other"
	}
	errs.MaxLen("organiser", i18n.T("activities.organiser"), in.Organiser, maxShort)
	errs.MaxLen("partners", i18n.T("activities.partners"), in.Partners, maxShort)
	errs.MaxLen("speakers", i18n.T("activities.speakers"), in.Speakers, maxShort)
	errs.MaxLen("place", i18n.T("activities.place"), in.Place, maxShort)
	errs.MaxLen("audience_tag", i18n.T("activities.audience_tag"), in.AudienceTag, 50)
	errs.MaxLen("audience_note", i18n.T("activities.audience_note"), in.AudienceNote, maxShort)
	errs.MaxLen("materials", i18n.T("activities.materials"), in.Materials, maxText)
	errs.MaxLen("content", i18n.T("activities.content"), in.Content, maxText)
	switch {
	case errs.For("starts_at") != "" || errs.For("ends_at") != "":
	case in.StartsAt.IsZero():
		errs.Add("starts_at", "err.required", "field", i18n.T("activities.starts_at"))
	case in.EndsAt.IsZero():
		errs.Add("ends_at", "err.required", "field", i18n.T("activities.ends_at"))
	case !in.EndsAt.After(in.StartsAt):
		errs.Add("ends_at", "activities.err_end_before_start")
	case in.EndsAt.Sub(in.StartsAt) > maxLength:
		errs.Add("ends_at", "activities.err_too_long")
	}
	if in.Quota < 0 || in.Quota > maxQuota {
		errs.Add("quota", "err.range", "field", i18n.T("activities.quota"), "min", 0, "max", maxQuota)
	}
	if in.Budget < 0 || in.Budget > maxBudget {
		errs.Add("budget", "err.range", "field", i18n.T("activities.budget"), "min", 0, "max", maxBudget)
	}
	u, ok := s.Org.Lookup(ctx, in.OrgID)
	if !ok || (u.Level != org.Community && u.Level != org.Street) {
		errs.Add("org_id", "err.choice", "field", i18n.T("activities.org"))
		return nil, errs
	}
	return u, errs
}

// Create adds an activity to a community (or a street's own) p holds, as
// a draft or published at once. With a venue it reserves the venue; a
// clash refuses the whole save with the venue's message.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in Input) (int64, error) {
	if err := p.Require(PermManage); err != nil {
		return 0, err
	}
	u, errs := s.check(ctx, &in)
	if u != nil {
		if err := s.checkTerms(ctx, &in, u.ID, "", "", errs); err != nil {
			return 0, err
		}
	}
	if errs.Any() {
		return 0, errs
	}
	if !s.Org.HoldsPartition(ctx, p, u.ID) {
		return 0, auth.ErrForbidden
	}
	if in.VenueID != 0 && s.Venues == nil {
		errs.Add("venue_id", "err.choice", "field", i18n.T("activities.venue"))
		return 0, errs
	}
	if in.ThemeID != 0 {
		var n int
		if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_plan WHERE community_id = ? AND id = ?`, u.ID, in.ThemeID).Scan(&n); err != nil {
			return 0, err
		}
		if n == 0 {
			errs.Add("theme_id", "err.choice", "field", i18n.T("activities.theme"))
			return 0, errs
		}
	}
	now := s.now().UnixMilli()
	status, published := StatusDraft, int64(0)
	token := ""
	if in.Publish {
		status, published, token = StatusPublished, now, newToken()
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO activity (community_id, title, topic, format, theme_id, organiser, partners, speakers, venue_id, place,
			starts_at, ends_at, month, audience_tag, audience_note, quota, budget, materials, content, status, published_at, checkin_token, created_by,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.ID, in.Title, in.Topic, in.Format, in.ThemeID, in.Organiser, in.Partners, in.Speakers, in.VenueID, in.Place, in.StartsAt.UnixMilli(),
			in.EndsAt.UnixMilli(), monthOf(in.StartsAt.UnixMilli()), in.AudienceTag, in.AudienceNote, in.Quota, in.Budget, in.Materials, in.Content,
			status, published, token, p.UserID, now, now).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.create", "activity", id, u.ID, audit.Success).WithDetail(map[string]any{"name": in.Title}))
	})
	if err != nil || in.VenueID == 0 {
		return id, err
	}
	// The venue's booking is the venues module's own write; a clash takes the
	// activity back so that nothing stays half-saved.
	if rerr := s.Venues.Reserve(ctx, p, in.VenueID, in.Title, in.Quota, in.StartsAt, in.EndsAt, id); rerr != nil {
		if derr := s.DB.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM activity WHERE community_id = ? AND id = ?`, u.ID, id); err != nil {
				return err
			}
			return s.Audit.Record(ctx, tx, audit.Event(p, "activities.discard", "activity", id, u.ID, audit.Success).WithDetail(map[string]any{"name": in.Title}))
		}); derr != nil {
			return 0, derr
		}
		var ie *i18n.Error
		if errors.As(rerr, &ie) {
			errs.Add("venue_id", "activities.err_venue", "reason", ie.Error())
			return 0, errs
		}
		return 0, rerr
	}
	return id, nil
}

func newToken() string {
	b := make([]byte, 18) // 144 bits
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// managed returns an activity p manages.
func (s *Service) managed(ctx context.Context, p *auth.Principal, id int64) (*Activity, error) {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !a.Access.Manage {
		return nil, auth.ErrForbidden
	}
	return a, nil
}

// transition moves a from one of the states in fromStates to status with
// the extra assignments set, recording action.
func (s *Service) transition(ctx context.Context, p *auth.Principal, a *Activity, action, status string, fromStates []string, set string, args []any, detail map[string]any) error {
	now := s.now().UnixMilli()
	in, inArgs := stringSet("status", fromStates)
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		q := `UPDATE activity SET status = ?, updated_at = ?` + set + ` WHERE community_id = ? AND id = ? AND ` + in
		all := append(append(append([]any{status, now}, args...), a.CommunityID, a.ID), inArgs...)
		res, err := tx.ExecContext(ctx, q, all...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrState
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, action, "activity", a.ID, a.CommunityID, audit.Success).WithDetail(detail))
	})
}

// Publish opens a draft for sign-up: its notice shows on the portal.
func (s *Service) Publish(ctx context.Context, p *auth.Principal, id int64) error {
	a, err := s.managed(ctx, p, id)
	if err != nil {
		return err
	}
	if !a.Access.Publish {
		return ErrState
	}
	if a.StartsAt <= s.now().UnixMilli() {
		return ErrClosed
	}
	return s.transition(ctx, p, a, "activities.publish", StatusPublished, []string{StatusDraft}, `, published_at = ?, checkin_token = ?`,
		[]any{s.now().UnixMilli(), newToken()}, nil)
}

// Cancel calls an activity off with a note that those signed up see on the
// portal; its venue is released.
func (s *Service) Cancel(ctx context.Context, p *auth.Principal, id int64, note string) error {
	a, err := s.managed(ctx, p, id)
	if err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	errs := &i18n.Errors{}
	if errs.Required("note", i18n.T("activities.cancel_note"), note) {
		errs.MaxLen("note", i18n.T("activities.cancel_note"), note, maxShort)
	}
	if errs.Any() {
		return errs
	}
	if !a.Access.Cancel {
		return ErrState
	}
	if err := s.transition(ctx, p, a, "activities.cancel", StatusCancelled, []string{StatusDraft, StatusPublished}, `, cancel_note = ?, checkin_token = ''`,
		[]any{note}, map[string]any{"reason": note}); err != nil {
		return err
	}
	if a.VenueID != 0 && s.Venues != nil {
		return s.Venues.Release(ctx, p, a.ID)
	}
	return nil
}

// Report reports a summarised activity upward.
func (s *Service) Report(ctx context.Context, p *auth.Principal, id int64) error {
	a, err := s.managed(ctx, p, id)
	if err != nil {
		return err
	}
	if !a.Access.Report {
		return ErrState
	}
	return s.transition(ctx, p, a, "activities.report", StatusReported, []string{StatusSummarised}, `, reported_at = ?, reported_by = ?`,
		[]any{s.now().UnixMilli(), p.UserID}, nil)
}

// stringSet is "col IN (?, …)" with its arguments.
func stringSet(col string, vals []string) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return col + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ") + ")", args
}

package opinions

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/identity"
	"linli/internal/locale"
	"linli/internal/org"
	"linli/internal/privacy"
)

// Cases is what opinions need of the case engine to turn an opinion into a
// case (adapter in internal/app/links.go).
type Cases interface {
	// Types are the case types p may file, with their categories.
	Types(ctx context.Context, p *auth.Principal) ([]CaseType, error)
	// Open files a case for p and links it to the opinion; it returns the
	// case's id and number.
	Open(ctx context.Context, p *auth.Principal, in CaseInput) (int64, string, error)
}

// CaseType is a case type p may file.
type CaseType struct {
	Code, Name string
	Categories []Choice
}

// Choice is a code and its label.
type Choice struct{ Code, Name string }

// CaseInput is the case an opinion becomes.
type CaseInput struct {
	OpinionID           int64
	CommunityID, GridID int64
	Type, Category      string
	Title, Description  string
	ReporterName        string
	ReporterPhone       string
}

// Visits finds the follow-up record an opinion was heard at (adapter in
// internal/app/links.go), as p may see it.
type Visits interface {
	Record(ctx context.Context, p *auth.Principal, id int64) (Visit, error)
}

// Visit is a follow-up record as an opinion needs it.
type Visit struct {
	ID, CommunityID, GridID int64
	PersonID                int64
	Subject                 string
	On                      string
}

// People names registry people (adapter in internal/app/links.go), as p may
// see them.
type People interface {
	Person(ctx context.Context, p *auth.Principal, id int64) (Person, error)
}

// Person is a registry person as an opinion needs it.
type Person struct {
	ID, CommunityID, GridID int64
	Name                    string
}

// Service keeps meetings and opinions.
type Service struct {
	DB     *db.DB
	Audit  *audit.Log
	Org    *org.Service
	Keys   *privacy.Keys
	Cases  Cases  // nil: no 转为诉求
	Visits Visits // nil: no follow-up records
	People People // nil: raisers by name only
	Log    *slog.Logger
	// Now is the clock (tests fix it); nil is time.Now.
	Now func() time.Time
	// TodoAfter: an opinion unanswered this long is on the home page's 待办;
	// 0 is three days.
	TodoAfter time.Duration

	limitMu sync.Mutex
	limits  map[string][]time.Time // portal submissions by key, recent first
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) today() string { return s.now().In(locale.Zone).Format(time.DateOnly) }

func (s *Service) todoAfter() time.Duration {
	if s.TodoAfter > 0 {
		return s.TodoAfter
	}
	return 3 * 24 * time.Hour
}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

var monthRe = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// ParseMonth checks a month ("2026-11"); "" is the current month.
func (s *Service) ParseMonth(m string) (string, error) {
	m = strings.TrimSpace(m)
	if m == "" {
		return s.today()[:7], nil
	}
	if !monthRe.MatchString(m) {
		errs := &i18n.Errors{}
		errs.Add("month", "opinions.err_month", "field", i18n.T("opinions.month"))
		return "", errs
	}
	return m, nil
}

// place checks a community and grid a new meeting or opinion is in: the grid
// (if any) lies in the community, and p reaches them. It returns the
// community (the grid's when only a grid is given).
func (s *Service) place(ctx context.Context, p *auth.Principal, communityID, gridID int64, errs *i18n.Errors) int64 {
	if gridID != 0 {
		g, ok := s.Org.Lookup(ctx, gridID)
		if !ok || g.Level != org.Grid || (communityID != 0 && g.CommunityID != communityID) {
			errs.Add("grid_id", "err.choice", "field", i18n.T("org.level.grid"))
			return communityID
		}
		communityID = g.CommunityID
	}
	if c, ok := s.Org.Lookup(ctx, communityID); !ok || c.Level != org.Community {
		errs.Add("community_id", "err.choice", "field", i18n.T("org.level.community"))
	}
	return communityID
}

// ---- meetings ----

const meetingCols = `m.id, m.community_id, COALESCE(m.grid_id, 0), m.kind, m.title, m.held_on, m.place, m.attendees, m.note, COALESCE(m.created_by, 0), m.created_at`

func scanMeeting(sc interface{ Scan(...any) error }) (*Meeting, error) {
	m := &Meeting{}
	err := sc.Scan(&m.ID, &m.CommunityID, &m.GridID, &m.Kind, &m.Title, &m.HeldOn, &m.Place, &m.Attendees, &m.Note, &m.CreatedBy, &m.CreatedAt)
	return m, err
}

// CreateMeeting records a meeting in p's scope.
func (s *Service) CreateMeeting(ctx context.Context, p *auth.Principal, in MeetingInput) (int64, error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	in.Title, in.Place, in.Note, in.HeldOn = strings.TrimSpace(in.Title), strings.TrimSpace(in.Place), strings.TrimSpace(in.Note), strings.TrimSpace(in.HeldOn)
	in.CommunityID = s.place(ctx, p, in.CommunityID, in.GridID, errs)
	if !oneOf(in.Kind, MeetingKinds) {
		errs.Add("kind", "err.choice", "field", i18n.T("opinions.meeting_kind"))
	}
	if errs.Required("title", i18n.T("opinions.meeting_title"), in.Title) {
		errs.MaxLen("title", i18n.T("opinions.meeting_title"), in.Title, maxTitle)
	}
	if in.HeldOn == "" {
		in.HeldOn = s.today()
	} else if _, err := time.Parse(time.DateOnly, in.HeldOn); err != nil {
		errs.Add("held_on", "err.invalid", "field", i18n.T("opinions.held_on"))
	} else if in.HeldOn > s.today() {
		errs.Add("held_on", "opinions.err_future", "field", i18n.T("opinions.held_on"))
	}
	errs.MaxLen("place", i18n.T("opinions.meeting_place"), in.Place, maxPlace)
	errs.MaxLen("note", i18n.T("opinions.meeting_note"), in.Note, maxNote)
	if in.Attendees < 0 || in.Attendees > 100000 {
		errs.Add("attendees", "err.invalid", "field", i18n.T("opinions.attendees"))
	}
	if errs.Any() {
		return 0, errs
	}
	if !p.Scope.Allows(in.CommunityID, in.GridID) {
		return 0, auth.ErrForbidden
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO op_meeting (community_id, grid_id, kind, title, held_on, place, attendees, note, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.CommunityID, nullID(in.GridID), in.Kind, in.Title, in.HeldOn, in.Place, in.Attendees, in.Note,
			nullID(p.UserID), db.Now()).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "opinions.meeting_create", "op_meeting", id, in.CommunityID, audit.Success).
			WithDetail(map[string]any{"kind": in.Kind, "on": in.HeldOn}))
	})
	return id, err
}

// GetMeeting reads a meeting in p's scope.
func (s *Service) GetMeeting(ctx context.Context, p *auth.Principal, id int64) (*Meeting, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := p.Scope.SQL(s.DB.Dialect(), "m.community_id", "m.grid_id")
	m, err := scanMeeting(s.DB.QueryRowContext(ctx, `SELECT `+meetingCols+` FROM op_meeting m WHERE m.id = ? AND `+sc, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	return m, err
}

// ListMeetings lists the meetings in p's scope, newest first, with how many
// opinions each gathered.
func (s *Service) ListMeetings(ctx context.Context, p *auth.Principal, limit int) ([]*Meeting, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	sc, args := p.Scope.SQL(s.DB.Dialect(), "m.community_id", "m.grid_id")
	rows, err := s.DB.QueryContext(ctx, `SELECT `+meetingCols+`,
		(SELECT COUNT(*) FROM op_opinion o WHERE o.community_id = m.community_id AND o.meeting_id = m.id)
		FROM op_meeting m WHERE `+sc+` ORDER BY m.held_on DESC, m.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Meeting
	for rows.Next() {
		m := &Meeting{}
		if err := rows.Scan(&m.ID, &m.CommunityID, &m.GridID, &m.Kind, &m.Title, &m.HeldOn, &m.Place, &m.Attendees, &m.Note, &m.CreatedBy, &m.CreatedAt, &m.Opinions); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ---- opinions ----

const opinionCols = `o.id, o.community_id, COALESCE(o.grid_id, 0), o.category, o.source, COALESCE(o.meeting_id, 0), COALESCE(o.record_id, 0), o.content,
	COALESCE(o.person_id, 0), o.raiser_name, o.anonymous, o.raiser_phone_mask, COALESCE(o.owner_user_id, 0), o.status, o.answer,
	COALESCE(o.answered_by, 0), COALESCE(o.answered_at, 0), COALESCE(o.case_id, 0), COALESCE(o.closed_at, 0), o.raised_on, COALESCE(o.created_by, 0), o.created_at`

func scanOpinion(sc interface{ Scan(...any) error }) (*Opinion, error) {
	o := &Opinion{}
	err := sc.Scan(&o.ID, &o.CommunityID, &o.GridID, &o.Category, &o.Source, &o.MeetingID, &o.RecordID, &o.Content,
		&o.PersonID, &o.RaiserName, &o.Anonymous, &o.PhoneMask, &o.OwnerUserID, &o.Status, &o.Answer,
		&o.AnsweredBy, &o.AnsweredAt, &o.CaseID, &o.ClosedAt, &o.RaisedOn, &o.CreatedBy, &o.CreatedAt)
	return o, err
}

// validPhone normalises a mobile or landline number.
func validPhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if m, err := identity.ParseMobile(s); err == nil {
		return m, true
	}
	if l, err := identity.ParseLandline(s); err == nil {
		return l, true
	}
	return "", false
}

// phoneAAD binds a sealed phone to its column.
const phoneAAD = "opinions.raiser_phone"

// sealPhone seals a phone number for its column, with its mask.
func (s *Service) sealPhone(phone string) ([]byte, string) {
	if phone == "" || s.Keys == nil {
		return nil, ""
	}
	return s.Keys.Seal(phone, phoneAAD), privacy.MaskPhone(phone)
}

// checkContent checks what every new opinion says: its category, content,
// a raiser's name and phone.
func checkContent(errs *i18n.Errors, category string, content, name, phone *string) {
	*content, *name = strings.TrimSpace(*content), strings.TrimSpace(*name)
	if !oneOf(category, Categories) {
		errs.Add("category", "err.choice", "field", i18n.T("opinions.category"))
	}
	if errs.Required("content", i18n.T("opinions.content"), *content) {
		errs.MaxLen("content", i18n.T("opinions.content"), *content, maxContent)
	}
	errs.MaxLen("raiser_name", i18n.T("opinions.raiser_name"), *name, maxName)
	ph, ok := validPhone(*phone)
	if !ok {
		errs.Add("raiser_phone", "err.invalid", "field", i18n.T("opinions.raiser_phone"))
	}
	*phone = ph
}

// newOpinion is a checked opinion to write.
type newOpinion struct {
	community, grid  int64
	category, source string
	meeting, record  int64
	content          string
	person           int64
	name             string
	anonymous        bool
	phone            string
	owner            int64
	receipt          string // hash
	on               string
	by               int64
}

func (s *Service) insert(ctx context.Context, tx *db.Tx, n newOpinion) (int64, error) {
	sealed, mask := s.sealPhone(n.phone)
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO op_opinion (community_id, grid_id, category, source, meeting_id, record_id, content, person_id, raiser_name,
		anonymous, raiser_phone, raiser_phone_mask, owner_user_id, receipt_hash, status, raised_on, raised_month, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		n.community, nullID(n.grid), n.category, n.source, nullID(n.meeting), nullID(n.record), n.content, nullID(n.person), n.name,
		n.anonymous, sealed, mask, nullID(n.owner), n.receipt, StatusOpen, n.on, n.on[:7], nullID(n.by), db.Now()).Scan(&id)
	return id, err
}

// check checks a staff opinion and resolves where it is from; it returns
// the opinion to write.
func (s *Service) check(ctx context.Context, p *auth.Principal, in OpinionInput, errs *i18n.Errors) newOpinion {
	checkContent(errs, in.Category, &in.Content, &in.RaiserName, &in.RaiserPhone)
	if !oneOf(in.Source, StaffSources) {
		errs.Add("source", "err.choice", "field", i18n.T("opinions.source"))
	}
	n := newOpinion{category: in.Category, source: in.Source, content: in.Content, name: in.RaiserName, phone: in.RaiserPhone, by: p.UserID,
		community: in.CommunityID, grid: in.GridID}
	switch in.Source {
	case SourceMeeting:
		m, err := s.GetMeeting(ctx, p, in.MeetingID)
		if err != nil {
			errs.Add("meeting_id", "opinions.err_meeting")
			break
		}
		n.meeting, n.community = m.ID, m.CommunityID
		if n.grid == 0 {
			n.grid = m.GridID
		}
		if in.RaisedOn == "" {
			in.RaisedOn = m.HeldOn
		}
	case SourceVisit:
		if in.RecordID == 0 {
			break // a visit not recorded as a follow-up
		}
		var v Visit
		var err error = auth.ErrNotFound
		if s.Visits != nil {
			v, err = s.Visits.Record(ctx, p, in.RecordID)
		}
		if err != nil {
			errs.Add("record_id", "opinions.err_record")
			break
		}
		n.record, n.community, n.grid = v.ID, v.CommunityID, v.GridID
		if in.PersonID == 0 && in.RaiserName == "" {
			in.PersonID = v.PersonID
		}
		if in.RaisedOn == "" {
			in.RaisedOn = v.On
		}
	}
	if in.PersonID != 0 {
		var per Person
		var err error = auth.ErrNotFound
		if s.People != nil {
			per, err = s.People.Person(ctx, p, in.PersonID)
		}
		if err != nil {
			errs.Add("person_id", "opinions.err_person")
		} else {
			n.person = per.ID
			if n.name == "" {
				n.name = per.Name
			}
			if n.community == 0 {
				n.community, n.grid = per.CommunityID, per.GridID
			}
		}
	}
	if n.meeting == 0 && n.record == 0 {
		n.community = s.place(ctx, p, n.community, n.grid, errs)
	}
	if in.RaisedOn == "" {
		in.RaisedOn = s.today()
	} else if _, err := time.Parse(time.DateOnly, in.RaisedOn); err != nil {
		errs.Add("raised_on", "err.invalid", "field", i18n.T("opinions.raised_on"))
		in.RaisedOn = s.today()
	} else if in.RaisedOn > s.today() {
		errs.Add("raised_on", "opinions.err_future", "field", i18n.T("opinions.raised_on"))
	}
	n.on = in.RaisedOn
	return n
}

// Create records an opinion heard by staff.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in OpinionInput) (int64, error) {
	ids, err := s.CreateMany(ctx, p, []OpinionInput{in})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// CreateMany records several opinions at once (those gathered at one
// meeting): all or none. Field errors of the i-th name it "i.field" when
// there are several.
func (s *Service) CreateMany(ctx context.Context, p *auth.Principal, list []OpinionInput) ([]int64, error) {
	if err := p.Require(PermWrite); err != nil {
		return nil, err
	}
	errs := &i18n.Errors{}
	if len(list) == 0 {
		errs.Add("content", "err.required", "field", i18n.T("opinions.content"))
		return nil, errs
	}
	var checked []newOpinion
	for i, in := range list {
		one := &i18n.Errors{}
		n := s.check(ctx, p, in, one)
		for _, f := range one.Fields {
			field := f.Field
			if len(list) > 1 {
				field = itoa(int64(i)) + "." + field
			}
			errs.Fields = append(errs.Fields, i18n.FieldError{Field: field, Msg: f.Msg})
		}
		checked = append(checked, n)
	}
	if errs.Any() {
		return nil, errs
	}
	for _, n := range checked {
		if !p.Scope.Allows(n.community, n.grid) {
			return nil, auth.ErrForbidden
		}
	}
	var ids []int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, n := range checked {
			id, err := s.insert(ctx, tx, n)
			if err != nil {
				return err
			}
			ids = append(ids, id)
			if err := s.Audit.Record(ctx, tx, audit.Event(p, "opinions.create", "op_opinion", id, n.community, audit.Success).
				WithDetail(map[string]any{"category": n.category, "source": n.source})); err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}

// CreatePortal records an opinion from the portal: from a logged-in resident
// (p) or an anonymous visitor (p nil). A visitor gets a receipt code with
// which to read the answer later.
func (s *Service) CreatePortal(ctx context.Context, p *auth.Principal, in PortalInput) (id int64, receipt string, err error) {
	if p != nil {
		if err := p.Require(PermPortal); err != nil {
			return 0, "", err
		}
	}
	errs := &i18n.Errors{}
	checkContent(errs, in.Category, &in.Content, &in.Name, &in.Phone)
	// Community names are public; a resident's account reaches no org unit.
	if c, ok := s.Org.Lookup(ctx, in.CommunityID); !ok || c.Level != org.Community {
		errs.Add("community_id", "err.choice", "field", i18n.T("opinions.community"))
	}
	if errs.Any() {
		return 0, "", errs
	}
	n := newOpinion{community: in.CommunityID, category: in.Category, source: SourcePortal, content: in.Content, name: in.Name,
		anonymous: in.Anonymous || in.Name == "", phone: in.Phone, on: s.today()}
	actor := p
	if p != nil {
		n.owner = p.UserID
		if n.name == "" && !in.Anonymous {
			n.name, n.anonymous = p.DisplayName, false
		}
	} else {
		receipt = newReceipt()
		n.receipt = receiptHash(receipt)
		actor = auth.System("portal")
	}
	if n.anonymous {
		n.name = ""
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = s.insert(ctx, tx, n); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(actor, "opinions.portal", "op_opinion", id, n.community, audit.Success).
			WithDetail(map[string]any{"category": n.category}))
	})
	return id, receipt, err
}

// newReceipt is a visitor's receipt code: 12 characters, easy to copy.
func newReceipt() string {
	const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}

func receiptHash(code string) string {
	sum := sha256.Sum256([]byte(strings.ToUpper(strings.TrimSpace(code))))
	return hex.EncodeToString(sum[:])
}

// ByReceipt reads the opinion a receipt code was given for (an anonymous
// visitor's own). It crosses the scope on purpose: the code is the visitor's
// proof (ARCHITECTURE.md, "Reads that cross the scope").
func (s *Service) ByReceipt(ctx context.Context, code string) (*Opinion, error) {
	code = strings.TrimSpace(code)
	if len(code) < 8 || len(code) > 20 {
		return nil, auth.ErrNotFound
	}
	o, err := scanOpinion(s.DB.QueryRowContext(ctx, `SELECT `+opinionCols+` FROM op_opinion o WHERE o.receipt_hash = ?`, receiptHash(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	return o, err
}

// Allow counts one portal submission of key (an address or an account) and
// reports whether it is within the limit: n in the window.
func (s *Service) Allow(key string, n int, window time.Duration) bool {
	now := s.now()
	s.limitMu.Lock()
	defer s.limitMu.Unlock()
	if s.limits == nil || len(s.limits) > 10000 {
		s.limits = map[string][]time.Time{} // forget all rather than grow
	}
	var kept []time.Time
	for _, t := range s.limits[key] {
		if now.Sub(t) < window {
			kept = append(kept, t)
		}
	}
	if len(kept) >= n {
		s.limits[key] = kept
		return false
	}
	s.limits[key] = append(kept, now)
	return true
}

// Get reads an opinion in p's scope with what p may do with it. A resident
// reads only their own.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Opinion, Access, error) {
	var o *Opinion
	var err error
	switch {
	case p.Can(PermRead):
		sc, args := p.Scope.SQL(s.DB.Dialect(), "o.community_id", "o.grid_id")
		o, err = scanOpinion(s.DB.QueryRowContext(ctx, `SELECT `+opinionCols+` FROM op_opinion o WHERE o.id = ? AND `+sc, append([]any{id}, args...)...))
	case p.Can(PermPortal) && p.UserID != 0:
		o, err = scanOpinion(s.DB.QueryRowContext(ctx, `SELECT `+opinionCols+` FROM op_opinion o WHERE o.id = ? AND o.owner_user_id = ?`, id, p.UserID))
	default:
		return nil, Access{}, auth.ErrForbidden
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Access{}, auth.ErrNotFound
	}
	if err != nil {
		return nil, Access{}, err
	}
	if err := s.decorate(ctx, []*Opinion{o}); err != nil {
		return nil, Access{}, err
	}
	return o, s.access(p, o), nil
}

func (s *Service) access(p *auth.Principal, o *Opinion) Access {
	w := p.Can(PermWrite)
	live := o.Status == StatusOpen || o.Status == StatusAnswered
	return Access{Answer: w && live, ToCase: w && live && s.Cases != nil, Close: w && live, Reveal: p.Can(PermReveal) && o.PhoneMask != ""}
}

// decorate names the grids, meetings and those who answered.
func (s *Service) decorate(ctx context.Context, list []*Opinion) error {
	users := map[int64]bool{}
	for _, o := range list {
		if u, ok := s.Org.Lookup(ctx, o.GridID); ok && o.GridID != 0 {
			o.GridName = u.Name
		}
		if u, ok := s.Org.Lookup(ctx, o.CommunityID); ok {
			o.CommunityName = u.Name
		}
		if o.AnsweredBy != 0 {
			users[o.AnsweredBy] = true
		}
	}
	if len(users) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(users))
	for id := range users {
		ids = append(ids, id)
	}
	in, args := s.DB.Dialect().IDSet("id", ids)
	rows, err := s.DB.QueryContext(ctx, `SELECT id, display_name FROM auth_user WHERE `+in, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	names := map[int64]string{}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		names[id] = n
	}
	for _, o := range list {
		o.AnsweredByName = names[o.AnsweredBy]
	}
	return rows.Err()
}

// Filter selects opinions.
type Filter struct {
	Month       string // "2026-11"; "" any
	Category    string
	Source      string
	Status      string
	CommunityID int64
	GridID      int64
	MeetingID   int64
	Q           string
	// Late: open past TodoAfter (the home page's 待办).
	Late   bool
	Offset int
	Limit  int // 0: 50
}

// where builds the condition of f for p (the scope first).
func (s *Service) where(p *auth.Principal, f Filter) (string, []any, error) {
	errs := &i18n.Errors{}
	if f.Month != "" && !monthRe.MatchString(f.Month) {
		errs.Add("month", "opinions.err_month", "field", i18n.T("opinions.month"))
	}
	if f.Category != "" && !oneOf(f.Category, Categories) {
		errs.Add("category", "err.choice", "field", i18n.T("opinions.category"))
	}
	if f.Source != "" && !oneOf(f.Source, Sources) {
		errs.Add("source", "err.choice", "field", i18n.T("opinions.source"))
	}
	if f.Status != "" && !oneOf(f.Status, Statuses) {
		errs.Add("status", "err.choice", "field", i18n.T("opinions.status"))
	}
	if errs.Any() {
		return "", nil, errs
	}
	sc, args := p.Scope.SQL(s.DB.Dialect(), "o.community_id", "o.grid_id")
	conds := []string{sc}
	add := func(c string, v any) { conds, args = append(conds, c), append(args, v) }
	if f.Month != "" {
		add("o.raised_month = ?", f.Month)
	}
	if f.Category != "" {
		add("o.category = ?", f.Category)
	}
	if f.Source != "" {
		add("o.source = ?", f.Source)
	}
	if f.Status != "" {
		add("o.status = ?", f.Status)
	}
	if f.CommunityID != 0 {
		add("o.community_id = ?", f.CommunityID)
	}
	if f.GridID != 0 {
		add("o.grid_id = ?", f.GridID)
	}
	if f.MeetingID != 0 {
		add("o.meeting_id = ?", f.MeetingID)
	}
	if f.Late {
		add("o.status = ?", StatusOpen)
		add("o.created_at < ?", s.now().Add(-s.todoAfter()).UnixMilli())
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		pat := db.Contains(q)
		conds = append(conds, `(o.content LIKE ? ESCAPE '\' OR o.raiser_name LIKE ? ESCAPE '\' OR o.answer LIKE ? ESCAPE '\')`)
		args = append(args, pat, pat, pat)
	}
	return strings.Join(conds, " AND "), args, nil
}

// List lists the opinions in p's scope that f selects, newest first, and how
// many there are.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]*Opinion, int, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, 0, err
	}
	where, args, err := s.where(p, f)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM op_opinion o WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	list, err := s.query(ctx, `SELECT `+opinionCols+` FROM op_opinion o WHERE `+where+` ORDER BY o.raised_on DESC, o.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, f.Offset)...)
	return list, total, err
}

func (s *Service) query(ctx context.Context, q string, args ...any) ([]*Opinion, error) {
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []*Opinion
	for rows.Next() {
		o, err := scanOpinion(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.decorate(ctx, out)
}

// ListOwn lists a resident's own opinions, newest first.
func (s *Service) ListOwn(ctx context.Context, p *auth.Principal) ([]*Opinion, error) {
	if err := p.Require(PermPortal); err != nil {
		return nil, err
	}
	return s.query(ctx, `SELECT `+opinionCols+` FROM op_opinion o WHERE o.owner_user_id = ? ORDER BY o.created_at DESC, o.id DESC LIMIT 100`, p.UserID)
}

// Answer answers an opinion (or answers it again, while it is open or
// answered).
func (s *Service) Answer(ctx context.Context, p *auth.Principal, id int64, answer string) error {
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	o, acc, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	answer = strings.TrimSpace(answer)
	errs := &i18n.Errors{}
	if errs.Required("answer", i18n.T("opinions.answer"), answer) {
		errs.MaxLen("answer", i18n.T("opinions.answer"), answer, maxAnswer)
	}
	if errs.Any() {
		return errs
	}
	if !acc.Answer {
		return i18n.NewError("conflict", "opinions.err_not_open")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE op_opinion SET status = ?, answer = ?, answered_by = ?, answered_at = ?
			WHERE community_id = ? AND id = ? AND status IN (?, ?)`, StatusAnswered, answer, nullID(p.UserID), db.Now(), o.CommunityID, o.ID, StatusOpen, StatusAnswered)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return i18n.NewError("conflict", "opinions.err_not_open")
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "opinions.answer", "op_opinion", o.ID, o.CommunityID, audit.Success))
	})
}

// Close closes an opinion that needs nothing more (with an optional note
// kept as its answer when it has none).
func (s *Service) Close(ctx context.Context, p *auth.Principal, id int64, note string) error {
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	o, acc, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	errs := &i18n.Errors{}
	errs.MaxLen("note", i18n.T("opinions.close_note"), note, maxAnswer)
	if errs.Any() {
		return errs
	}
	if !acc.Close {
		return i18n.NewError("conflict", "opinions.err_not_open")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE op_opinion SET status = ?, closed_at = ?, answer = CASE WHEN answer = '' THEN ? ELSE answer END
			WHERE community_id = ? AND id = ? AND status IN (?, ?)`, StatusClosed, db.Now(), note, o.CommunityID, o.ID, StatusOpen, StatusAnswered)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return i18n.NewError("conflict", "opinions.err_not_open")
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "opinions.close", "op_opinion", o.ID, o.CommunityID, audit.Success))
	})
}

// CaseTypes are the case types p may turn an opinion into.
func (s *Service) CaseTypes(ctx context.Context, p *auth.Principal) ([]CaseType, error) {
	if s.Cases == nil {
		return nil, nil
	}
	return s.Cases.Types(ctx, p)
}

// ToCaseInput is what turning an opinion into a case takes.
type ToCaseInput struct {
	Type, Category, Title string
}

// ToCase turns an opinion into a case (诉求) through the case engine, which
// applies its own rules about who files what, and links the two. The case is
// filed first: an opinion is marked only once its case exists.
func (s *Service) ToCase(ctx context.Context, p *auth.Principal, id int64, in ToCaseInput) (int64, string, error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, "", err
	}
	o, acc, err := s.Get(ctx, p, id)
	if err != nil {
		return 0, "", err
	}
	if !acc.ToCase {
		return 0, "", i18n.NewError("conflict", "opinions.err_not_open")
	}
	in.Title = strings.TrimSpace(in.Title)
	if in.Type == "" {
		in.Type = "request"
	}
	if in.Title == "" {
		in.Title = clip(o.Content, 40)
	}
	phone, err := s.phone(ctx, o)
	if err != nil {
		return 0, "", err
	}
	caseID, number, err := s.Cases.Open(ctx, p, CaseInput{OpinionID: o.ID, CommunityID: o.CommunityID, GridID: o.GridID, Type: in.Type, Category: in.Category,
		Title: in.Title, Description: o.Content, ReporterName: o.RaiserName, ReporterPhone: phone})
	if err != nil {
		return 0, "", err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE op_opinion SET status = ?, case_id = ? WHERE community_id = ? AND id = ? AND status IN (?, ?)`,
			StatusCase, caseID, o.CommunityID, o.ID, StatusOpen, StatusAnswered)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return i18n.NewError("conflict", "opinions.err_not_open")
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "opinions.to_case", "op_opinion", o.ID, o.CommunityID, audit.Success).
			WithDetail(map[string]any{"ref_id": caseID, "type": in.Type}))
	})
	return caseID, number, err
}

// phone opens an opinion's sealed phone (for its case, which seals it again).
func (s *Service) phone(ctx context.Context, o *Opinion) (string, error) {
	var sealed []byte
	if err := s.DB.QueryRowContext(ctx, `SELECT raiser_phone FROM op_opinion WHERE community_id = ? AND id = ?`, o.CommunityID, o.ID).Scan(&sealed); err != nil {
		return "", err
	}
	if len(sealed) == 0 || s.Keys == nil {
		return "", nil
	}
	return s.Keys.Open(sealed, phoneAAD)
}

// RevealPhone shows the full phone number a resident left, audited.
func (s *Service) RevealPhone(ctx context.Context, p *auth.Principal, id int64) (string, error) {
	if err := p.Require(PermReveal); err != nil {
		return "", err
	}
	o, _, err := s.Get(ctx, p, id)
	if err != nil {
		return "", err
	}
	phone, err := s.phone(ctx, o)
	if err != nil || phone == "" {
		return "", err
	}
	err = s.Audit.RecordAlone(ctx, s.DB, audit.Event(p, "opinions.reveal_phone", "op_opinion", o.ID, o.CommunityID, audit.Success))
	return phone, err
}

// clip cuts s after n characters, marking the cut.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// Package cases runs every case to its end, on time: resident requests (诉求,
// 接诉即办), disputes and their mediation (矛盾纠纷), safety hazards (安全隐患) and
// grid patrol events (网格事件). One engine drives them all; each type is data
// (see types.go). Time limits count working days on the holiday calendar,
// overdue cases escalate grid → community → street, and the assessment rates
// are aggregates over the case rows.
package cases

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/calendar"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
	"linli/internal/places"
	"linli/internal/privacy"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the cases module's schema (after org, auth and places).
var Migrations = db.NewMigrations("cases", migrationFS).
	Reference("case_type_config").
	ByCommunity("cases", "case_event", "case_file", "case_link", "case_party", "case_session", "case_document", "case_alert", "case_doc_counter")

// Permissions. What a user may do to one case is decided further by the
// case type's transitions (roles), the level the case is held at and its
// assignee; these gate the routes.
var (
	// PermRead: see cases in scope (volunteers: only those they reported).
	PermRead = auth.Define("cases.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker, auth.RoleVolunteer)
	// PermReport: open cases (楼栋长 report events and hazards).
	PermReport = auth.Define("cases.report", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker, auth.RoleVolunteer)
	// PermWork: move cases, comment, attach, link, mediate.
	PermWork = auth.Define("cases.work", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermMerge: merge duplicates (the dispatcher's decision).
	PermMerge = auth.Define("cases.merge", auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
	// PermStats: read the rates of the units in scope.
	PermStats = auth.Define("cases.stats", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermReveal: show a reporter's or party's full phone number (audited).
	PermReveal = auth.Define("cases.reveal", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermPortal: residents submit and follow their own requests.
	PermPortal = auth.Define("cases.portal", auth.RoleResident)
	// PermFile: download a case's files (staff in scope, residents their own).
	PermFile = auth.Define("cases.file", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker, auth.RoleVolunteer, auth.RoleResident)
	// PermConfigure: the system administrator keeps the case types.
	PermConfigure = auth.Define("cases.configure", auth.RoleSysAdmin)
)

// Service is the case engine.
type Service struct {
	DB       *db.DB
	Audit    *audit.Log
	Keys     *privacy.Keys
	Org      *org.Service
	Places   *places.Service
	Calendar *calendar.Service
	Log      *slog.Logger
	// ResidentHome says where a resident lives (the registry provides it), so
	// that a portal request lands in their community and grid unasked. When nil
	// or !ok the resident picks their community.
	ResidentHome func(ctx context.Context, p *auth.Principal) (communityID, gridID int64, ok bool)
	// MaxFile bounds one uploaded file (10 MB by default).
	MaxFile int64
	// Tick is how often the worker looks for reminders and escalations.
	Tick time.Duration

	typeMu sync.Mutex
	types  *typeSnapshot
	// charts keeps the home page's charts (homeCharts).
	charts chartCache
	linkMu sync.RWMutex
	links  map[string]LinkResolver
	order  []string
}

func (s *Service) logWarn(msg string, kv ...any) {
	if s.Log != nil {
		s.Log.Warn(msg, kv...)
	}
}

// Case is one case as a user sees it.
type Case struct {
	ID             int64
	Type           *TypeDef
	TypeCode       string
	Category       string
	Stage          string
	Title          string
	Description    string
	Location       string
	Source         string
	CommunityID    int64
	GridID         int64
	Level          string
	HolderOrgID    int64
	AssigneeID     int64
	FirstContactID int64
	CreatedBy      int64
	OwnerUserID    int64
	ReporterName   string
	PhoneMask      string
	Fields         map[string]string
	CreatedAt      int64
	UpdatedAt      int64
	RespondDueAt   int64
	RespondedAt    int64
	DueAt          int64
	ClosedAt       int64
	RemindAt       int64
	RemindedAt     int64
	EscalateAt     int64
	Escalations    int
	Resolved       sql.NullBool
	Rating         string
	RatedAt        int64
	Reopened       int
	MergedInto     int64
	Version        int

	// Names for display.
	CommunityName    string
	GridName         string
	HolderName       string
	AssigneeName     string
	FirstContactName string
	CreatedByName    string
	// MergedNumber is the tracking number of the case this one was merged
	// into (filled by Get): shown to whoever reads this one, though they may
	// not read that case.
	MergedNumber string

	// Access is what the reader may do with the case (filled by Get; zero in
	// lists, which are only read).
	Access CaseAccess

	now int64
}

// CaseAccess is what the principal who read a case may do with it. Get
// decides it once; the pages, the API and the portal only read it, and each
// write decides again on the case it reads.
type CaseAccess struct {
	Work     bool         // comment, link, add parties, write documents (mayWork)
	Actions  []Transition // the steps the principal may take now (Available)
	Merge    bool         // merge it into another case
	Escalate bool         // send it up a level by hand
	Reveal   bool         // see the reporter's phone in full (audited)
	Sessions bool         // record a mediation session now
	Rate     string       // the resident's step that rates the result, "" when they may not
}

// access decides CaseAccess for a case p has read with Get.
func (s *Service) access(p *auth.Principal, c *Case) CaseAccess {
	a := CaseAccess{Work: mayWork(p, c) == nil, Actions: s.Available(p, c)}
	a.Merge = p.Can(PermMerge) && c.Open() && c.MergedInto == 0
	a.Escalate = a.Work && c.Open() && c.Level != LevelStreet && c.MergedInto == 0
	a.Reveal = p.Can(PermReveal) && c.PhoneMask != ""
	if c.Type != nil && c.Type.Parties && c.Open() {
		if st, ok := c.Type.Stage(c.Stage); ok && st.Sessions {
			a.Sessions = a.Work
		}
	}
	for _, tr := range a.Actions {
		if tr.Reporter && tr.Rating {
			a.Rate = tr.Code
		}
	}
	return a
}

const caseCols = `c.id, c.type, c.category, c.stage, c.title, c.description, c.location, c.source, c.community_id, COALESCE(c.grid_id, 0),
	c.level, c.holder_org_id, COALESCE(c.assignee_id, 0), COALESCE(c.first_contact_id, 0), COALESCE(c.created_by, 0), COALESCE(c.owner_user_id, 0),
	c.reporter_name, c.reporter_phone_mask, c.fields, c.created_at, c.updated_at, c.respond_due_at, COALESCE(c.responded_at, 0), c.due_at,
	COALESCE(c.closed_at, 0), COALESCE(c.remind_at, 0), COALESCE(c.reminded_at, 0), COALESCE(c.escalate_at, 0), c.escalations, c.resolved,
	COALESCE(c.rating, ''), COALESCE(c.rated_at, 0), c.reopened, COALESCE(c.merged_into, 0), c.version`

func scanCase(sc interface{ Scan(...any) error }) (*Case, error) {
	c := &Case{}
	var fields string
	err := sc.Scan(&c.ID, &c.TypeCode, &c.Category, &c.Stage, &c.Title, &c.Description, &c.Location, &c.Source, &c.CommunityID, &c.GridID,
		&c.Level, &c.HolderOrgID, &c.AssigneeID, &c.FirstContactID, &c.CreatedBy, &c.OwnerUserID,
		&c.ReporterName, &c.PhoneMask, &fields, &c.CreatedAt, &c.UpdatedAt, &c.RespondDueAt, &c.RespondedAt, &c.DueAt,
		&c.ClosedAt, &c.RemindAt, &c.RemindedAt, &c.EscalateAt, &c.Escalations, &c.Resolved,
		&c.Rating, &c.RatedAt, &c.Reopened, &c.MergedInto, &c.Version)
	if err != nil {
		return nil, err
	}
	c.Fields = map[string]string{}
	_ = json.Unmarshal([]byte(fields), &c.Fields)
	return c, nil
}

// Number is the tracking number: type prefix, the day it was opened and its id
// ("SQ20260314000123"). It needs no column: the id inside it is the key.
func (c *Case) Number() string {
	prefix := "AJ"
	if c.Type != nil {
		prefix = c.Type.Prefix
	}
	return FormatNumber(prefix, c.CreatedAt, c.ID)
}

// FormatNumber builds a tracking number.
func FormatNumber(prefix string, createdAt, id int64) string {
	return fmt.Sprintf("%s%s%06d", prefix, time.UnixMilli(createdAt).In(locale.Zone).Format("20060102"), id)
}

var numberRe = regexp.MustCompile(`^([A-Z]{1,4})(\d{8})(\d{6,})$`)

// ParseNumber returns the id inside a tracking number (or a plain id).
func ParseNumber(s string) (int64, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
		return id, true
	}
	m := numberRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[3], 10, 64)
	return id, err == nil && id > 0
}

// Open reports whether the case is still being worked.
func (c *Case) Open() bool { return c.ClosedAt == 0 }

// ResidentFacing reports whether someone outside the office follows the case:
// its resident on the portal, or an Open311 client. Staff forms offer a reply
// to the resident (给居民的回复) only then.
func (c *Case) ResidentFacing() bool {
	return c.OwnerUserID != 0 || (c.Type != nil && c.Type.Open311)
}

// Overdue reports whether an open case is past its due time, or a closed one
// was closed late.
func (c *Case) Overdue() bool {
	if c.ClosedAt != 0 {
		return c.ClosedAt > c.DueAt
	}
	return c.now >= c.DueAt
}

// DueSoon reports whether an open case has entered its reminder window.
func (c *Case) DueSoon() bool {
	return c.ClosedAt == 0 && c.now < c.DueAt && c.RemindAt != 0 && c.now >= c.RemindAt
}

// DueClass is the badge class of the due time: err overdue, warn due soon.
func (c *Case) DueClass() string {
	switch {
	case c.Overdue():
		return "err"
	case c.DueSoon(), c.ClosedAt == 0 && c.DueAt < tomorrow(c.now):
		return "warn"
	case c.ClosedAt != 0:
		return "ok"
	}
	return ""
}

// DueLabel says the due state in words.
func (c *Case) DueLabel() string {
	switch {
	case c.ClosedAt != 0 && c.ClosedAt > c.DueAt:
		return i18n.T("cases.closed_late")
	case c.ClosedAt != 0:
		return i18n.T("cases.closed_on_time")
	case c.Overdue():
		return i18n.T("cases.overdue")
	case c.DueAt < tomorrow(c.now):
		return i18n.T("cases.mine.today")
	case c.DueSoon():
		return i18n.T("cases.due_soon")
	}
	return i18n.T("cases.in_time")
}

// TypeName, StageName, CategoryName … are labels for templates.
func (c *Case) TypeName() string {
	if c.Type == nil {
		return c.TypeCode
	}
	return c.Type.Name
}

// StageName is the current stage's label.
func (c *Case) StageName() string {
	if c.Type == nil {
		return c.Stage
	}
	return c.Type.StageName(c.Stage)
}

// StageKind is the current stage's kind.
func (c *Case) StageKind() string {
	if c.Type != nil {
		if st, ok := c.Type.Stage(c.Stage); ok {
			return st.Kind
		}
	}
	return ""
}

// CategoryName is the category's label.
func (c *Case) CategoryName() string {
	if c.Type == nil {
		return c.Category
	}
	return c.Type.CategoryName(c.Category)
}

// SourceName, LevelName and RatingName are catalogue labels.
func (c *Case) SourceName() string { return i18n.T("cases.source." + c.Source) }

// LevelName is the label of the level the case is held at.
func (c *Case) LevelName() string { return i18n.T("cases.level." + c.Level) }

// RatingName is the label of the rating, if any.
func (c *Case) RatingName() string {
	if c.Rating == "" {
		return ""
	}
	return i18n.T("cases.rating." + c.Rating)
}

// ResolvedLabel says whether the case was resolved.
func (c *Case) ResolvedLabel() string {
	if !c.Resolved.Valid {
		return ""
	}
	if c.Resolved.Bool {
		return i18n.T("cases.resolved_yes")
	}
	return i18n.T("cases.resolved_no")
}

// FieldLabel renders a stored field value with its option label.
func (c *Case) FieldLabel(key string) string {
	v := c.Fields[key]
	if c.Type == nil || v == "" {
		return v
	}
	for _, tr := range c.Type.Transitions {
		for _, f := range tr.Fields {
			if f.Key == key && f.Type == "select" {
				return f.OptionName(v)
			}
		}
	}
	return v
}

// ---- visibility ----

// workRank is how high a user works: 1 grid, 2 community, 3 street.
func workRank(p *auth.Principal) int {
	if p.IsSystem {
		return 3
	}
	r := 0
	for _, ro := range p.Roles {
		switch ro {
		case auth.RoleStreetAdmin:
			r = max(r, 3)
		case auth.RoleCommunityAdmin, auth.RoleSocialWorker:
			r = max(r, 2)
		case auth.RoleGridWorker:
			r = max(r, 1)
		}
	}
	return r
}

// isDispatcher: community and street administrators dispatch and may act in
// place of an assignee.
func isDispatcher(p *auth.Principal) bool {
	return p.IsSystem || p.Has(auth.RoleCommunityAdmin) || p.Has(auth.RoleStreetAdmin)
}

// byLine reports whether the user sees case types only by their lines of work:
// a social worker with no broader role.
func byLine(p *auth.Principal) bool {
	return !p.IsSystem && p.Has(auth.RoleSocialWorker) && !p.Has(auth.RoleCommunityAdmin) && !p.Has(auth.RoleStreetAdmin) && !p.Has(auth.RoleGridWorker)
}

// SeesType reports whether p works cases of type t (social workers by line).
func SeesType(p *auth.Principal, t *TypeDef) bool {
	if !byLine(p) || len(t.Lines) == 0 {
		return true
	}
	for _, l := range t.Lines {
		if p.HasLine(l) {
			return true
		}
	}
	return false
}

// VisibleTypes are the case types p sees (all of them but for social workers,
// who see the types of their lines): the choices of the list and the rates
// pages and of the API, and the types visibility lets through.
func (s *Service) VisibleTypes(ctx context.Context, p *auth.Principal) ([]*TypeDef, error) {
	return s.typesWhere(ctx, func(t *TypeDef) bool { return SeesType(p, t) })
}

// ReportableTypes are the case types p may file on the staff pages and the API
// (Create checks the same with reportsType).
func (s *Service) ReportableTypes(ctx context.Context, p *auth.Principal) ([]*TypeDef, error) {
	return s.typesWhere(ctx, func(t *TypeDef) bool { return p.IsSystem || reportsType(p, t, false) })
}

func (s *Service) typesWhere(ctx context.Context, keep func(*TypeDef) bool) ([]*TypeDef, error) {
	types, err := s.Types(ctx)
	if err != nil {
		return nil, err
	}
	var out []*TypeDef
	for _, t := range types {
		if keep(t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// WorkBuckets are the my-work buckets p's work page offers, and the one shown
// when none is asked for: a worker's queue, or for anyone else who reads cases
// only what they reported (a list of theirs is always that bucket: see where).
func WorkBuckets(p *auth.Principal) ([]string, string) {
	if p.Can(PermWork) {
		return MineBuckets, MineTodo
	}
	return []string{MineReported}, MineReported
}

// visibility is the WHERE condition (alias c) of the cases p may read, and its
// arguments: staff in scope (social workers by line), volunteers what they
// reported, residents their own requests. The user's and the scope's ids are
// arguments, so that the text is the same for every user alike (see
// db.Dialect.IDSet); the codes of a social worker's lines are inlined: they
// are validated codes from the configuration.
func (s *Service) visibility(ctx context.Context, p *auth.Principal) (string, []any, error) {
	d := s.DB.Dialect()
	switch {
	case p.Can(PermWork):
		cond, args := p.Scope.SQL(d, "c.community_id", "c.grid_id")
		if byLine(p) {
			types, err := s.Types(ctx)
			if err != nil {
				return "", nil, err
			}
			seen, err := s.VisibleTypes(ctx, p)
			if err != nil {
				return "", nil, err
			}
			if len(seen) == 0 {
				return "1=0", nil, nil
			}
			if len(seen) < len(types) {
				codes := make([]string, len(seen))
				for i, t := range seen {
					codes[i] = "'" + t.Code + "'"
				}
				cond = "(" + cond + ") AND c.type IN (" + strings.Join(codes, ",") + ")"
			}
		}
		return cond, args, nil
	case p.Can(PermRead):
		cond, args := p.Scope.SQL(d, "c.community_id", "c.grid_id")
		return "(" + cond + ") AND c.created_by = " + d.IntMark(), append(args, p.UserID), nil
	case p.Can(PermPortal):
		return "c.owner_user_id = " + d.IntMark(), []any{p.UserID}, nil
	}
	return "", nil, auth.ErrForbidden
}

// Get returns a case p may read, with what p may do with it (Case.Access).
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Case, error) {
	vis, visArgs, err := s.visibility(ctx, p)
	if err != nil {
		return nil, err
	}
	c, err := scanCase(s.DB.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases c WHERE c.id = ? AND `+vis, append([]any{id}, visArgs...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := s.decorate(ctx, []*Case{c}); err != nil {
		return nil, err
	}
	if c.MergedInto != 0 && c.Type != nil {
		// Read past p's visibility, and only the number: a resident's request
		// merged into a case they cannot read still says where it went.
		var created int64
		// A case is merged into one of its own community (cases_merged_into_fkey).
		if err := s.DB.QueryRowContext(ctx, `SELECT created_at FROM cases WHERE community_id = ? AND id = ?`, c.CommunityID, c.MergedInto).Scan(&created); err == nil {
			c.MergedNumber = FormatNumber(c.Type.Prefix, created, c.MergedInto)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	c.Access = s.access(p, c)
	return c, nil
}

// loadTx reads a case of a known community inside a write transaction without
// a scope check (the caller checked it), for the worker and for writes that
// re-read.
func loadTx(ctx context.Context, q db.Queryer, community, id int64) (*Case, error) {
	c, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases c WHERE c.community_id = ? AND c.id = ?`, community, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	return c, err
}

// decorate fills type definitions and display names.
func (s *Service) decorate(ctx context.Context, list []*Case) error {
	now := db.Now()
	users := map[int64]bool{}
	for _, c := range list {
		c.now = now
		c.Type, _ = s.Type(ctx, c.TypeCode)
		if u, ok := s.Org.Lookup(ctx, c.CommunityID); ok {
			c.CommunityName = u.Name
		}
		if u, ok := s.Org.Lookup(ctx, c.GridID); ok && c.GridID != 0 {
			c.GridName = u.Name
		}
		if u, ok := s.Org.Lookup(ctx, c.HolderOrgID); ok {
			c.HolderName = u.Name
		}
		for _, id := range []int64{c.AssigneeID, c.FirstContactID, c.CreatedBy} {
			if id != 0 {
				users[id] = true
			}
		}
	}
	if len(users) == 0 {
		return nil
	}
	names, err := s.userNames(ctx, users)
	if err != nil {
		return err
	}
	for _, c := range list {
		c.AssigneeName, c.FirstContactName, c.CreatedByName = names[c.AssigneeID], names[c.FirstContactID], names[c.CreatedBy]
	}
	return nil
}

// userNames reads display names of accounts. Names of staff are shown on the
// cases they handle; the auth module offers no batch lookup, so this reads its
// table directly (read-only).
func (s *Service) userNames(ctx context.Context, ids map[int64]bool) (map[int64]string, error) {
	list := make([]int64, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	out := map[int64]string{}
	in, args := s.DB.IDsIn("id", list)
	rows, err := s.DB.QueryContext(ctx, `SELECT id, display_name FROM auth_user WHERE `+in, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// ---- lists ----

// Buckets of the my-work list.
const (
	MineIntake   = "intake"   // 待受理
	MineTodo     = "todo"     // 待处置
	MineDueSoon  = "due_soon" // 即将超时: in the reminder window, due after today
	MineToday    = "today"    // 今天到期: due before midnight, not yet overdue
	MineOverdue  = "overdue"  // 已超时
	MineFirst    = "first"    // 我首接的
	MineReported = "reported" // 我上报的
)

// MineBuckets in display order.
var MineBuckets = []string{MineIntake, MineTodo, MineDueSoon, MineToday, MineOverdue, MineFirst, MineReported}

// mineWaiting is the rest of a queue once 已超时, 今天到期 and 即将超时 are
// taken out (the home page's 待受理/待处置 group); not a tab of its own.
const mineWaiting = "waiting"

// Each bucket's 口径 is shown where its count is (the work page's tabs, the
// home page's 待办).
var _ = i18n.Family("cases.mine.", MineBuckets...) && i18n.Family("cases.mine_def.", MineBuckets...)

// tomorrow is the first instant of the day after now's, in the users' time
// zone: what is due before it is due today.
func tomorrow(now int64) int64 {
	t := time.UnixMilli(now).In(locale.Zone)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, locale.Zone).UnixMilli()
}

// The urgency of an open case, one of four that do not overlap: 已超时
// (due_at <= now), 今天到期 (now < due_at < tomorrow), 即将超时 (in the
// reminder window and due after today) and the rest. The my-work buckets,
// MyWork, the list's status filter and the home page all use these.
const (
	condOverdue = "c.due_at <= ?"                                              // now
	condToday   = "c.due_at > ? AND c.due_at < ?"                              // now, tomorrow
	condDueSoon = "c.remind_at <= ? AND c.due_at >= ?"                         // now, tomorrow
	condWaiting = "(c.remind_at IS NULL OR c.remind_at > ?) AND c.due_at >= ?" // now, tomorrow
)

// Filter selects cases.
type Filter struct {
	Mine        string
	Type        string
	Stage       string
	Category    string
	Status      string // open, closed, overdue, due_soon
	CommunityID int64
	GridID      int64
	Q           string // tracking number or a fragment of the title or location
	From, To    string // opened between these dates (YYYY-MM-DD)
	Limit       int
	Offset      int
}

// half is one half of a queue: a condition and its arguments.
type half struct {
	cond string
	args []any
}

// queue is "my" open cases as two disjoint conditions: assigned to me, and
// held by one of my units with nobody assigned. Queries ask for each apart and
// add them up (UNION ALL): each half then reads its own index in due order,
// where the two joined by OR make SQLite read every open case in the scope.
// The ids are arguments (see visibility).
func (s *Service) queue(p *auth.Principal) []half {
	d := s.DB.Dialect()
	mine := half{"c.assignee_id = " + d.IntMark(), []any{p.UserID}}
	if len(p.Scope.Roots) == 0 {
		return []half{mine}
	}
	roots := make([]int64, len(p.Scope.Roots))
	for i, r := range p.Scope.Roots {
		roots[i] = r.ID
	}
	in, args := d.IDSet("c.holder_org_id", roots)
	return []half{mine, {"c.assignee_id IS NULL AND " + in, args}}
}

// union is "SELECT cols FROM cases c WHERE cond" over each half of a queue,
// joined by UNION ALL, with cond's arguments and then the half's for each;
// with no halves it is the one plain SELECT. Each half's rows carry its index
// in the column half (MyWork tells its halves apart by it). cols start with c.community_id:
// Citus then runs the union on each shard (one statement; for a street's
// users over its communities' shards in parallel); without it, each half is
// a distributed statement of its own whose rows are gathered on the
// coordinator first, ten times slower.
func union(cols, cond string, args []any, halves []half) (string, []any) {
	if !strings.HasPrefix(cols, "c.community_id") {
		panic("cases: union's columns must start with c.community_id")
	}
	if len(halves) == 0 {
		return `SELECT ` + cols + ` FROM cases c WHERE ` + cond, args
	}
	parts := make([]string, len(halves))
	var all []any
	for i, h := range halves {
		parts[i] = `SELECT ` + cols + `, ` + strconv.Itoa(i) + ` AS half FROM cases c WHERE ` + cond + ` AND ` + h.cond
		all = append(all, args...)
		all = append(all, h.args...)
	}
	return strings.Join(parts, " UNION ALL "), all
}

// stageKindCond is the condition "the case's stage is of kind k", built from the
// type definitions.
func (s *Service) stageKindCond(ctx context.Context, kind string) (string, error) {
	types, err := s.Types(ctx)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, t := range types {
		var codes []string
		for _, st := range t.Stages {
			if st.Kind == kind {
				codes = append(codes, "'"+st.Code+"'")
			}
		}
		if len(codes) > 0 {
			parts = append(parts, "(c.type = '"+t.Code+"' AND c.stage IN ("+strings.Join(codes, ",")+"))")
		}
	}
	if len(parts) == 0 {
		return "1=0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", nil
}

// where turns f into conditions on cases c. For the my-work buckets it also
// returns the halves of p's queue (see queue), each to be ANDed to the
// conditions in a query of its own.
func (s *Service) where(ctx context.Context, p *auth.Principal, f Filter, now int64) (string, []any, []half, error) {
	vis, args, err := s.visibility(ctx, p)
	if err != nil {
		return "", nil, nil, err
	}
	where := []string{vis}
	var halves []half
	if !p.Can(PermWork) && p.Can(PermRead) {
		// A reader who does not work cases (a volunteer) lists what they
		// reported, whichever bucket was asked for.
		f.Mine = MineReported
	}
	switch f.Mine {
	case "":
	case MineIntake, MineTodo:
		kind := KindIntake
		if f.Mine == MineTodo {
			kind = KindWork
		}
		kc, err := s.stageKindCond(ctx, kind)
		if err != nil {
			return "", nil, nil, err
		}
		where = append(where, "c.closed_at IS NULL", kc)
		halves = s.queue(p)
	case MineDueSoon:
		where = append(where, "c.closed_at IS NULL", condDueSoon)
		args = append(args, now, tomorrow(now))
		halves = s.queue(p)
	case MineToday:
		where = append(where, "c.closed_at IS NULL", condToday)
		args = append(args, now, tomorrow(now))
		halves = s.queue(p)
	case MineOverdue:
		where = append(where, "c.closed_at IS NULL", condOverdue)
		args = append(args, now)
		halves = s.queue(p)
	case mineWaiting:
		where = append(where, "c.closed_at IS NULL", condWaiting)
		args = append(args, now, tomorrow(now))
		halves = s.queue(p)
	case MineFirst:
		where = append(where, "c.closed_at IS NULL", "c.first_contact_id = ?")
		args = append(args, p.UserID)
	case MineReported:
		where = append(where, "c.created_by = ?")
		args = append(args, p.UserID)
	default:
		return "", nil, nil, i18n.NewError("bad_request", "err.bad_request")
	}
	if f.Type != "" {
		where = append(where, "c.type = ?")
		args = append(args, f.Type)
	}
	if f.Stage != "" {
		where = append(where, "c.stage = ?")
		args = append(args, f.Stage)
	}
	if f.Category != "" {
		where = append(where, "c.category = ?")
		args = append(args, f.Category)
	}
	switch f.Status {
	case "":
	case "open":
		where = append(where, "c.closed_at IS NULL")
	case "closed":
		where = append(where, "c.closed_at IS NOT NULL")
	case "overdue":
		where = append(where, "c.closed_at IS NULL", "c.due_at <= ?")
		args = append(args, now)
	case "due_soon":
		where = append(where, "c.closed_at IS NULL", condDueSoon)
		args = append(args, now, tomorrow(now))
	case "today":
		where = append(where, "c.closed_at IS NULL", condToday)
		args = append(args, now, tomorrow(now))
	case "late":
		where = append(where, "c.closed_at IS NOT NULL", "c.closed_at > c.due_at")
	}
	if f.CommunityID != 0 {
		where = append(where, "c.community_id = ?")
		args = append(args, f.CommunityID)
	}
	if f.GridID != 0 {
		where = append(where, "c.grid_id = ?")
		args = append(args, f.GridID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		if id, ok := ParseNumber(q); ok && numberRe.MatchString(strings.ToUpper(q)) {
			where = append(where, "c.id = ?")
			args = append(args, id)
		} else {
			where = append(where, `(c.title LIKE ? ESCAPE '\' OR c.location LIKE ? ESCAPE '\')`)
			args = append(args, db.Contains(q), db.Contains(q))
		}
	}
	if f.From != "" {
		if t, err := time.ParseInLocation(time.DateOnly, f.From, locale.Zone); err == nil {
			where = append(where, "c.created_at >= ?")
			args = append(args, t.UnixMilli())
		}
	}
	if f.To != "" {
		if t, err := time.ParseInLocation(time.DateOnly, f.To, locale.Zone); err == nil {
			where = append(where, "c.created_at < ?")
			args = append(args, t.AddDate(0, 0, 1).UnixMilli())
		}
	}
	return strings.Join(where, " AND "), args, halves, nil
}

// List returns the cases matching f and how many match.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]*Case, int, error) {
	now := db.Now()
	cond, args, halves, err := s.where(ctx, p, f, now)
	if err != nil {
		return nil, 0, err
	}
	var total int
	matching, countArgs := union("c.community_id, c.id", cond, args, halves)
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+matching+`) q`, countArgs...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var rows *sql.Rows
	if len(halves) == 0 {
		order := " ORDER BY c.created_at DESC, c.id DESC"
		if f.Mine != "" && f.Mine != MineReported {
			order = " ORDER BY c.due_at, c.id"
		}
		rows, err = s.DB.QueryContext(ctx, `SELECT `+caseCols+` FROM cases c WHERE `+cond+order+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	} else {
		// The page's keys from the halves merged in due order, then their rows
		// by key: each statement names the cases' communities (on Citus, the
		// nodes holding them; a grid worker's one).
		keys, keyArgs := union("c.community_id, c.id, c.due_at", cond, args, halves)
		var comms, ids []int64
		comms, ids, err = s.pageKeys(ctx, `SELECT q.community_id, q.id FROM (`+keys+`) q ORDER BY q.due_at, q.id LIMIT ? OFFSET ?`, append(keyArgs, f.Limit, f.Offset))
		if err != nil || len(ids) == 0 {
			return nil, total, err
		}
		commIn, commArgs := s.DB.Dialect().IDSet("c.community_id", comms)
		idIn, idArgs := s.DB.IDsIn("c.id", ids)
		rows, err = s.DB.QueryContext(ctx, `SELECT `+caseCols+` FROM cases c WHERE `+commIn+` AND `+idIn+` ORDER BY c.due_at, c.id`, append(commArgs, idArgs...)...)
	}
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	if err := s.decorate(ctx, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// pageKeys reads a page's (community_id, id) pairs: the communities once each
// and the ids.
func (s *Service) pageKeys(ctx context.Context, q string, args []any) ([]int64, []int64, error) {
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var comms, ids []int64
	seen := map[int64]bool{}
	for rows.Next() {
		var c, id int64
		if err := rows.Scan(&c, &id); err != nil {
			return nil, nil, err
		}
		if !seen[c] {
			seen[c] = true
			comms = append(comms, c)
		}
		ids = append(ids, id)
	}
	return comms, ids, rows.Err()
}

// WorkCounts are the sizes of the my-work buckets.
type WorkCounts struct {
	Intake, Todo, DueSoon, Today, Overdue, First int
}

// Count returns the size of a bucket by name, for templates.
func (w WorkCounts) Count(bucket string) int {
	switch bucket {
	case MineIntake:
		return w.Intake
	case MineTodo:
		return w.Todo
	case MineDueSoon:
		return w.DueSoon
	case MineToday:
		return w.Today
	case MineOverdue:
		return w.Overdue
	case MineFirst:
		return w.First
	}
	return -1
}

// MyWork counts the open cases waiting for p, in one pass over their queue.
func (s *Service) MyWork(ctx context.Context, p *auth.Principal) (WorkCounts, error) {
	var w WorkCounts
	if !p.Can(PermWork) {
		return w, nil
	}
	vis, visArgs, err := s.visibility(ctx, p)
	if err != nil {
		return w, err
	}
	intake, err := s.stageKindCond(ctx, KindIntake)
	if err != nil {
		return w, err
	}
	now := db.Now()
	// The queue's halves and, as a last half of its own, the cases p is the
	// first contact of: every count in one statement (on Citus each is a trip
	// over the shards of p's communities). The marker column tells them apart.
	halves := s.queue(p)
	first := strconv.Itoa(len(halves))
	halves = append(halves, half{"c.first_contact_id = " + s.DB.Dialect().IntMark(), []any{p.UserID}})
	mine, args := union("c.community_id, c.type, c.stage, c.remind_at, c.due_at", "c.closed_at IS NULL AND "+vis, visArgs, halves)
	queue := `c.half <> ` + first
	err = s.DB.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN `+queue+` AND `+intake+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+queue+` AND NOT `+intake+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+queue+` AND `+condDueSoon+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+queue+` AND `+condToday+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+queue+` AND `+condOverdue+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.half = `+first+` THEN 1 ELSE 0 END), 0)
		FROM (`+mine+`) c`, append([]any{now, tomorrow(now), now, tomorrow(now), now}, args...)...).Scan(&w.Intake, &w.Todo, &w.DueSoon, &w.Today, &w.Overdue, &w.First)
	return w, err
}

// ---- helpers ----

// street returns the street above a community.
func (s *Service) street(ctx context.Context, communityID int64) int64 {
	if u, ok := s.Org.Lookup(ctx, communityID); ok {
		return u.ParentID
	}
	return 0
}

// holderFor is the org unit that holds a case at level.
func (s *Service) holderFor(ctx context.Context, level string, communityID, gridID int64) int64 {
	switch level {
	case LevelGrid:
		if gridID != 0 {
			return gridID
		}
		return communityID
	case LevelStreet:
		if st := s.street(ctx, communityID); st != 0 {
			return st
		}
	}
	return communityID
}

// levelOf is the level of an org unit.
func (s *Service) levelOf(ctx context.Context, orgID int64) string {
	u, ok := s.Org.Lookup(ctx, orgID)
	if !ok {
		return LevelCommunity
	}
	switch u.Level {
	case org.Grid:
		return LevelGrid
	case org.Community:
		return LevelCommunity
	}
	return LevelStreet
}

func (s *Service) cal(ctx context.Context) (*calendar.Calendar, error) {
	return s.Calendar.Calendar(ctx)
}

func (s *Service) maxFile() int64 {
	if s.MaxFile > 0 {
		return s.MaxFile
	}
	return 10 << 20
}

// monthOf is the yyyymm of a timestamp in local time.
func monthOf(ms int64) int {
	t := time.UnixMilli(ms).In(locale.Zone)
	return t.Year()*100 + int(t.Month())
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

func conflict(key string, kv ...any) error { return i18n.NewError("conflict", key, kv...) }

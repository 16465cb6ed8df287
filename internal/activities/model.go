// Package activities keeps the community's activities (活动): the annual
// plan with monthly themes and special days, each activity's topic, format,
// organiser, partners, speakers, venue, time, audience and quota; its life
// from draft through publication, sign-up, holding (check-in), summary and
// report upward (or cancellation); sign-ups with a waiting list that moves
// up when someone cancels, check-in by a rotating QR code or the staff's
// roster, feedback, and the month's figures.
package activities

import (
	"embed"
	"strconv"
	"time"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the module's schema (after org: every table is a community
// table).
var Migrations = db.NewMigrations("activities", migrationFS).
	ByCommunity("activity", "activity_signup", "activity_plan", "activity_reach", "activity_helper", "activity_file", "activity_term")

// Permissions. Which activities a user sees is their scope: those of the
// communities they reach (a grid worker: their grid's community) and of the
// streets above them.
var (
	// PermRead: see activities, rosters, the plan and the figures.
	PermRead = auth.Define("activities.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermSignUp: sign residents up on their behalf, tick the roster.
	PermSignUp = auth.Define("activities.signup", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermManage: plan, create, publish, cancel, summarise and report
	// activities; keep the plan.
	PermManage = auth.Define("activities.manage", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker)
	// PermPortal: residents see upcoming activities, sign up, cancel and
	// check in.
	PermPortal = auth.Define("activities.portal", auth.RoleResident)
	// PermJoin: the sign-up API's routes, used by staff (on a resident's
	// behalf) and by residents (for themselves); the service tells them apart.
	PermJoin = auth.Define("activities.join", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker, auth.RoleResident)
)

// Topics are the built-in activity topics, in display order: a street's
// list until it edits it (terms.go).
var Topics = []string{"science", "law", "medical", "health", "culture", "life_skills", "work_skills", "safety", "party", "other"}

// Formats are the built-in activity formats, in display order (as Topics).
var Formats = []string{"lecture", "training", "outreach", "visit", "exhibition", "contest", "show", "consult", "other"}

// Activity states. "Held" is reached by the first check-in; a published
// activity is open for sign-up until it starts.
const (
	StatusDraft      = "draft"
	StatusPublished  = "published"
	StatusHeld       = "held"
	StatusSummarised = "summarised"
	StatusReported   = "reported"
	StatusCancelled  = "cancelled"
)

// Statuses lists the states in display order.
var Statuses = []string{StatusDraft, StatusPublished, StatusHeld, StatusSummarised, StatusReported, StatusCancelled}

// Sign-up states.
const (
	SignAccepted  = "accepted"
	SignWaiting   = "waiting"
	SignCancelled = "cancelled"
	SignWalkIn    = "walkin" // came without signing up
)

// SignStatuses lists the sign-up states.
var SignStatuses = []string{SignAccepted, SignWaiting, SignCancelled, SignWalkIn}

// Sign-up sources.
const (
	SourcePortal = "portal" // the resident on the portal
	SourceStaff  = "staff"  // staff on the resident's behalf
	SourceWalkIn = "walkin" // recorded at the venue
)

// Sources lists the sign-up sources.
var Sources = []string{SourcePortal, SourceStaff, SourceWalkIn}

// Plan entry kinds: a month's theme, a special day.
const (
	PlanTheme = "theme"
	PlanDay   = "day"
)

// PlanKinds lists the plan entry kinds.
var PlanKinds = []string{PlanTheme, PlanDay}

var (
	_ = i18n.Family("activities.topic.", Topics...)
	_ = i18n.Family("activities.format.", Formats...)
	_ = i18n.Family("activities.status.", Statuses...)
	_ = i18n.Family("activities.sign.", SignStatuses...)
	_ = i18n.Family("activities.source.", Sources...)
	_ = i18n.Family("activities.plan_kind.", PlanKinds...)
)

// Limits.
const (
	maxTitle     = 60
	maxText      = 2000
	maxShort     = 200
	maxQuota     = 100000
	maxBudget    = 100000000 // yuan
	maxLength    = 72 * time.Hour
	checkinEarly = time.Hour // the QR code works from an hour before the start
	checkinLate  = time.Hour // to an hour after the end
)

// Activity is one activity.
type Activity struct {
	ID, CommunityID int64
	Title           string
	Topic, Format   string
	ThemeID         int64
	Organiser       string
	Partners        string // 共建单位
	Speakers        string
	VenueID         int64
	Place           string
	StartsAt        int64 // unix ms
	EndsAt          int64
	Month           string // "2026-12"
	AudienceTag     string // a registry tag code: only such people may sign up ("" all)
	AudienceNote    string // buildings or groups, as people read it
	Quota           int    // 0: no limit
	Budget          int    // yuan
	Materials       string
	Content         string
	Status          string
	PublishedAt     int64
	CancelNote      string
	Accepted        int
	Waiting         int
	Attended        int
	WalkIns         int
	Summary         string
	SummaryAt       int64
	ReportedAt      int64
	CreatedBy       int64
	CreatedAt       int64

	// For display.
	CommunityName string
	ThemeName     string
	// The labels of the street's lists (terms.go); "" until labelled.
	topicLabel, formatLabel string

	Access Access
}

// Access is what a viewer may do with an activity.
type Access struct {
	Publish bool // draft → published
	Cancel  bool // published → cancelled, with a notice
	SignUp  bool // sign someone up on their behalf
	Roster  bool // tick attendance, record walk-ins, show the QR code
	Summary bool // write the summary (小结)
	Report  bool // report it upward
	Manage  bool // any management at all
	Helpers bool // add the volunteers serving at it, check them out
	Edit    bool // change a draft or published one
}

// StatusName is the state's label.
func (a *Activity) StatusName() string { return i18n.T("activities.status." + a.Status) }

// TopicName is the topic's label in the street's list.
func (a *Activity) TopicName() string {
	if a.topicLabel != "" {
		return a.topicLabel
	}
	return builtinLabel(KindTopic, a.Topic)
}

// FormatName is the format's label in the street's list.
func (a *Activity) FormatName() string {
	if a.formatLabel != "" {
		return a.formatLabel
	}
	return builtinLabel(KindFormat, a.Format)
}

// Span is the activity's time as people read it.
func (a *Activity) Span() string {
	f, t := time.UnixMilli(a.StartsAt).In(locale.Zone), time.UnixMilli(a.EndsAt).In(locale.Zone)
	if f.Format(time.DateOnly) == t.Format(time.DateOnly) {
		return f.Format("2006-01-02 15:04") + "–" + t.Format("15:04")
	}
	return f.Format("2006-01-02 15:04") + " – " + t.Format("2006-01-02 15:04")
}

// Day is the activity's start date as the month's agenda heads it:
// "12-08 周二".
func (a *Activity) Day() string {
	t := time.UnixMilli(a.StartsAt).In(locale.Zone)
	return t.Format("01-02") + " " + i18n.T("activities.weekday."+strconv.Itoa(int(t.Weekday())))
}

// Weekdays are time.Weekday's numbers as the catalogue names them.
var Weekdays = []string{"0", "1", "2", "3", "4", "5", "6"}

var _ = i18n.Family("activities.weekday.", Weekdays...)

// Reached is the attendance in 人次: those checked in and the anonymous
// walk-ins.
func (a *Activity) Reached() int { return a.Attended + a.WalkIns }

// Full reports whether the places are all taken.
func (a *Activity) Full() bool { return a.Quota > 0 && a.Accepted >= a.Quota }

// Input is a new or changed activity.
type Input struct {
	OrgID         int64 // its community, or a street for the street's own
	Title         string
	Topic, Format string
	ThemeID       int64
	Organiser     string
	Partners      string
	Speakers      string
	VenueID       int64 // reserve this venue (through the app's Venues)
	Place         string
	StartsAt      time.Time
	EndsAt        time.Time
	AudienceTag   string
	AudienceNote  string
	Quota         int
	Budget        int
	Materials     string
	Content       string
	Publish       bool

	// pre: errors already found reading the input (a time that does not
	// parse), reported with the rest.
	pre *i18n.Errors
}

// SignUp is one person's sign-up.
type SignUp struct {
	CommunityID, ActivityID, PersonID int64
	Name                              string
	Status                            string
	Seq                               int
	Source                            string
	AttendedAt                        int64
	CheckIn                           string // "qr" or "staff"
	Satisfaction                      int
	Feedback                          string
	CreatedAt                         int64

	// Position in the waiting list (1 first), for waiting ones.
	Position int
	// The activity, for a person's lists.
	Activity *Activity
}

// StatusName is the sign-up state's label.
func (s *SignUp) StatusName() string { return i18n.T("activities.sign." + s.Status) }

// Result is a sign-up's outcome: accepted, or waiting at a position.
type Result struct {
	Status   string `json:"status"`
	Position int    `json:"position"`
}

// PlanEntry is a month's theme or a special day of the annual plan.
type PlanEntry struct {
	ID, CommunityID int64
	Year, Month     int
	Kind            string
	Day             string // "03-08" for a special day
	Name, Note      string
}

// Filter selects activities.
type Filter struct {
	CommunityID int64
	Month       string // "2026-12"
	Status      string
	Topic       string
	Format      string
	Q           string
	Limit       int
	Offset      int
}

// Package opinions keeps residents' opinions and suggestions (社情民意):
// gathered at visits, at meetings (居民代表会, 楼栋长会, 座谈会, 议事会), at the
// door, by phone and on the resident portal, each with its category and where
// it came from; staff answer it, turn it into a case, or close it, and a
// monthly digest sums up the community's month.
package opinions

import (
	"embed"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the module's schema (after org: both tables are community
// tables; a case or follow-up record an opinion names is referred to by id
// only, as modules do not share keys).
var Migrations = db.NewMigrations("opinions", migrationFS).
	ByCommunity("op_meeting", "op_opinion")

// Permissions. Which opinions and meetings a user sees is decided further by
// scope (the opinion's community and grid).
var (
	// PermRead: see opinions, meetings and the digest in scope.
	PermRead = auth.Define("opinions.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermWrite: record meetings and opinions, answer, close, turn into a case.
	PermWrite = auth.Define("opinions.write", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermReveal: show the full phone number a resident left (audited).
	PermReveal = auth.Define("opinions.reveal", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermPortal: residents give opinions and read the answers to their own.
	PermPortal = auth.Define("opinions.portal", auth.RoleResident)
)

// Categories are the opinion categories, in display order.
var Categories = []string{"environment", "property", "security", "traffic", "elderly", "medical", "jobs", "culture", "policy", "other"}

// Where an opinion came from.
const (
	SourceVisit   = "visit"   // a follow-up visit (走访)
	SourceMeeting = "meeting" // a meeting
	SourceDoor    = "door"    // at the office door (门口/来访)
	SourcePhone   = "phone"
	SourcePortal  = "portal" // the resident portal (residents only)
	SourceOther   = "other"
)

// Sources lists the sources in display order.
var Sources = []string{SourceVisit, SourceMeeting, SourceDoor, SourcePhone, SourcePortal, SourceOther}

// StaffSources are the sources staff may record (the portal is the residents').
var StaffSources = []string{SourceVisit, SourceMeeting, SourceDoor, SourcePhone, SourceOther}

// Opinion states.
const (
	StatusOpen     = "open"
	StatusAnswered = "answered"
	StatusCase     = "case" // turned into a case
	StatusClosed   = "closed"
)

// Statuses lists the states in display order.
var Statuses = []string{StatusOpen, StatusAnswered, StatusCase, StatusClosed}

// MeetingKinds are the kinds of meeting.
var MeetingKinds = []string{"representatives", "building_heads", "forum", "council", "other"}

var (
	_ = i18n.Family("opinions.category.", Categories...)
	_ = i18n.Family("opinions.source.", Sources...)
	_ = i18n.Family("opinions.status.", Statuses...)
	_ = i18n.Family("opinions.meeting_kind.", MeetingKinds...)
)

// Meeting is one meeting where opinions were gathered.
type Meeting struct {
	ID, CommunityID, GridID int64
	Kind, Title, HeldOn     string
	Place                   string
	Attendees               int
	Note                    string
	CreatedBy               int64
	CreatedAt               int64
	// For display.
	Opinions int
}

// KindName is the meeting kind's label.
func (m *Meeting) KindName() string { return i18n.T("opinions.meeting_kind." + m.Kind) }

// MeetingInput is a new meeting.
type MeetingInput struct {
	CommunityID, GridID int64
	Kind, Title, HeldOn string
	Place               string
	Attendees           int
	Note                string
}

// Opinion is one opinion or suggestion.
type Opinion struct {
	ID, CommunityID, GridID int64
	Category, Source        string
	MeetingID, RecordID     int64
	Content                 string
	PersonID                int64
	RaiserName              string
	Anonymous               bool
	PhoneMask               string
	OwnerUserID             int64
	Status                  string
	Answer                  string
	AnsweredBy              int64
	AnsweredAt              int64
	CaseID                  int64
	ClosedAt                int64
	RaisedOn                string
	CreatedBy               int64
	CreatedAt               int64

	// For display.
	GridName, CommunityName string
	AnsweredByName          string
	MeetingTitle            string
}

// CategoryName is the category's label.
func (o *Opinion) CategoryName() string { return i18n.T("opinions.category." + o.Category) }

// SourceName is the source's label.
func (o *Opinion) SourceName() string { return i18n.T("opinions.source." + o.Source) }

// StatusName is the state's label.
func (o *Opinion) StatusName() string { return i18n.T("opinions.status." + o.Status) }

// Raiser says who raised it, as staff see it: a name, or 匿名.
func (o *Opinion) Raiser() string {
	if o.Anonymous || o.RaiserName == "" {
		return i18n.T("opinions.anonymous")
	}
	return o.RaiserName
}

// Access is what a principal may do with one opinion.
type Access struct {
	Answer bool // answer it (again, while not closed or a case)
	ToCase bool // turn it into a case
	Close  bool
	Reveal bool // see the full phone number (audited)
}

// OpinionInput is a new opinion from staff.
type OpinionInput struct {
	CommunityID, GridID int64
	Category, Source    string
	MeetingID           int64 // Source meeting
	RecordID            int64 // Source visit: the follow-up record
	Content             string
	PersonID            int64 // a registry person, or
	RaiserName          string
	RaiserPhone         string
	RaisedOn            string // "" is today
}

// PortalInput is an opinion from the portal: a logged-in resident (p) or an
// anonymous visitor (p nil).
type PortalInput struct {
	CommunityID int64
	Category    string
	Content     string
	Name        string // "" or Anonymous: 匿名
	Anonymous   bool
	Phone       string
}

// Limits of free text, in characters.
const (
	maxContent = 2000
	maxAnswer  = 2000
	maxName    = 30
	maxTitle   = 100
	maxPlace   = 200
	maxNote    = 2000
)

// Brief is the start of the content, for lists.
func (o *Opinion) Brief() string { return clip(o.Content, 60) }

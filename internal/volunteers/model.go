// Package volunteers keeps the community's volunteers (志愿者): registry
// people or outsiders with their skills, availability and training; the
// teams they belong to (志愿服务队, 文体队伍, 巡逻队 …) with their membership
// history; their service records (志愿服务记录) with hours per year and in
// all and the recognition level those hours reach; the printable 志愿服务记录
// 证明; and the expert and talent pool (人才资源库) activities draw speakers
// from.
//
// Volunteers, teams and experts belong to a community, not to a grid: whoever
// reaches a community (a grid worker through their grid) sees its volunteers,
// as with venues.
package volunteers

import (
	"embed"
	"fmt"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the module's schema (after org and registry: every table is
// a community table; registry people and activities are referred to by id
// only, as modules do not share keys).
var Migrations = db.NewMigrations("volunteers", migrationFS).
	ByCommunity("vol_volunteer", "vol_team", "vol_member", "vol_record", "vol_band", "vol_expert")

// Permissions.
var (
	// PermRead: see volunteers, teams, records and experts in scope.
	PermRead = auth.Define("volunteers.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermWrite: register volunteers, record hours (pending unless the
	// recorder may confirm), keep team membership and experts.
	PermWrite = auth.Define("volunteers.write", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermConfirm: confirm registrations and service records, keep teams,
	// print certificates.
	PermConfirm = auth.Define("volunteers.confirm", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker)
	// PermBands: set a street's recognition bands.
	PermBands = auth.Define("volunteers.bands", auth.RoleStreetAdmin)
	// PermImport: import volunteer registers.
	PermImport = auth.Define("volunteers.import", auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
	// PermPortal: residents register as volunteers and see their hours.
	PermPortal = auth.Define("volunteers.portal", auth.RoleResident)
)

// Volunteer states.
const (
	StatusPending   = "pending"
	StatusConfirmed = "confirmed"
	StatusLeft      = "left"
)

// Statuses lists the volunteer states in display order.
var Statuses = []string{StatusPending, StatusConfirmed, StatusLeft}

// Where a registration came from.
const (
	FromStaff  = "staff"
	FromPortal = "portal"
	FromImport = "import"
)

// Froms lists the registration sources.
var Froms = []string{FromStaff, FromPortal, FromImport}

// TeamKinds are the kinds of team, in display order.
var TeamKinds = []string{"service", "culture", "patrol", "other"}

// Service record sources.
const (
	SourceActivity = "activity" // an activity's check-in/check-out
	SourceLeader   = "leader"   // entered for a team leader, confirmed by staff
	SourceStaff    = "staff"    // entered by staff
	SourceImport   = "import"   // an imported register
)

// Sources lists the record sources.
var Sources = []string{SourceActivity, SourceLeader, SourceStaff, SourceImport}

// Record states.
const (
	RecordPending   = "pending"
	RecordConfirmed = "confirmed"
	RecordRefused   = "refused"
)

// RecordStatuses lists the record states.
var RecordStatuses = []string{RecordPending, RecordConfirmed, RecordRefused}

// Fields are the expert pool's fields.
var Fields = []string{"medical", "legal", "education", "psychology", "other"}

var (
	_ = i18n.Family("volunteers.status.", Statuses...)
	_ = i18n.Family("volunteers.from.", Froms...)
	_ = i18n.Family("volunteers.team_kind.", TeamKinds...)
	_ = i18n.Family("volunteers.source.", Sources...)
	_ = i18n.Family("volunteers.record_status.", RecordStatuses...)
	_ = i18n.Family("volunteers.field.", Fields...)
)

// DefaultBands are the common national bands: one to five stars at 100,
// 300, 600, 1000 and 1500 hours, in minutes.
var DefaultBands = []int{100 * 60, 300 * 60, 600 * 60, 1000 * 60, 1500 * 60}

// Limits of free text, in characters.
const (
	maxName     = 30
	maxText     = 200
	maxNote     = 1000
	maxSchedule = 200
	maxTarget   = 10000
	maxMinutes  = 24 * 60 // one record: at most a day
)

// Volunteer is one volunteer.
type Volunteer struct {
	ID, CommunityID, GridID int64
	PersonID                int64 // 0: an outsider
	Name, PhoneMask         string
	Skills, Availability    string
	Training, Note          string
	Status, Source          string
	UserID                  int64
	ConfirmedAt             int64
	CreatedAt               int64

	// For display.
	CommunityName string
	Minutes       int // confirmed service in all
	Access        Access
}

// StatusName is the state's label.
func (v *Volunteer) StatusName() string { return i18n.T("volunteers.status." + v.Status) }

// SourceName is where the registration came from.
func (v *Volunteer) SourceName() string { return i18n.T("volunteers.from." + v.Source) }

// Hours is the confirmed service in hours, for display.
func (v *Volunteer) Hours() string { return Hours(v.Minutes) }

// Access is what a viewer may do with a volunteer.
type Access struct {
	Write   bool // edit, record hours, join teams
	Confirm bool // confirm the registration or a record, print the certificate
	Reveal  bool // see the full phone, with a reason
}

// Hours writes minutes as hours with at most one decimal ("12.5").
func Hours(minutes int) string {
	if minutes%60 == 0 {
		return fmt.Sprint(minutes / 60)
	}
	return fmt.Sprintf("%.1f", float64(minutes)/60)
}

// VolunteerInput is a new or changed volunteer.
type VolunteerInput struct {
	CommunityID          int64
	PersonID             int64 // a registry person, or
	Name, Phone          string
	Skills, Availability string
	Training, Note       string
}

// Team is a team or association.
type Team struct {
	ID, CommunityID int64
	Name, Kind      string
	LeaderID        int64
	TargetSize      int
	Schedule, Note  string
	Active          bool
	CreatedAt       int64

	// For display.
	CommunityName string
	LeaderName    string
	Members       int // current
	Access        Access
}

// KindName is the kind's label.
func (t *Team) KindName() string { return i18n.T("volunteers.team_kind." + t.Kind) }

// TeamInput is a new or changed team.
type TeamInput struct {
	CommunityID    int64
	Name, Kind     string
	LeaderID       int64
	TargetSize     int
	Schedule, Note string
}

// Member is one stretch of a volunteer's membership of a team.
type Member struct {
	ID, TeamID, VolunteerID int64
	JoinedOn, LeftOn        string
	// For display.
	TeamName, VolunteerName string
}

// Record is one service record.
type Record struct {
	ID, CommunityID, VolunteerID int64
	TeamID                       int64
	ServedOn                     string
	Minutes                      int
	What, Place, Beneficiary     string
	Source                       string
	ActivityID                   int64
	Status                       string
	RecordedBy, ConfirmedBy      int64
	ConfirmedAt, CreatedAt       int64

	// For display.
	VolunteerName, TeamName, CommunityName string
	Access                                 Access
}

// Hours is the record's length in hours.
func (r *Record) Hours() string { return Hours(r.Minutes) }

// SourceName is the source's label.
func (r *Record) SourceName() string { return i18n.T("volunteers.source." + r.Source) }

// StatusName is the state's label.
func (r *Record) StatusName() string { return i18n.T("volunteers.record_status." + r.Status) }

// RecordInput is a service record entered by hand.
type RecordInput struct {
	VolunteerID              int64
	TeamID                   int64
	ServedOn                 string
	Hours                    string // decimal hours ("2.5")
	What, Place, Beneficiary string
	Source                   string // leader or staff
}

// ActivityInput is what an activity's check-out records (RecordFromActivity).
type ActivityInput struct {
	By          *auth.Principal
	CommunityID int64
	ActivityID  int64
	VolunteerID int64
	// PersonID finds the volunteer when VolunteerID is 0.
	PersonID             int64
	CheckIn, CheckOut    int64 // unix ms
	What, Place, ForWhom string
}

// YearHours is the confirmed service of one year.
type YearHours struct {
	Year    string
	Minutes int
}

// Hours is the year's service in hours.
func (y YearHours) Hours() string { return Hours(y.Minutes) }

// Level is where a volunteer's hours stand among the bands.
type Level struct {
	Stars    int // 0: none yet
	Minutes  int // in all
	NextAt   int // minutes of the next band, 0 at the top
	ToNext   int // minutes still to serve for it
	NextStar int
}

// Expert is one person of the expert and talent pool.
type Expert struct {
	ID, CommunityID int64
	PersonID        int64
	Name, PhoneMask string
	Field           string
	Organisation    string
	Topics, Note    string
	Active          bool
	CreatedAt       int64

	CommunityName string
}

// FieldName is the field's label.
func (e *Expert) FieldName() string { return i18n.T("volunteers.field." + e.Field) }

// ExpertInput is a new expert.
type ExpertInput struct {
	CommunityID         int64
	PersonID            int64
	Name, Phone         string
	Field, Organisation string
	Topics, Note        string
}

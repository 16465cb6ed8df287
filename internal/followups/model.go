// Package followups keeps the community's recurring contact (走访): duty rules
// say who must be visited, talked with, inspected or screened, how often and by
// whom; each rule applied to one subject is a duty with a due date; a record of
// a visit, talk, inspection or screening fulfils its duty and sets the next due
// date. The grid worker's due list, the household file's 走访记录 panel and the
// home page's 待办 read the duties and records kept here.
package followups

import (
	"embed"
	"strconv"
	"time"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/uploads"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the module's schema (after org, auth and registry: a rule may
// name a registry tag).
var Migrations = db.NewMigrations("followups", migrationFS).
	Reference("fu_rule").
	ByCommunity("fu_rule_subject", "fu_duty", "fu_record", "fu_record_photo").
	ByCommunity("fu_record_item", "fu_record_case")

// Permissions. Which duties and records a user sees is decided further by
// scope and, for duties of a sensitive group (帮教, 重点人员), by whether the
// user may see that group's tag (its roles and lines of work).
var (
	// PermRead: see duties and records in scope.
	PermRead = auth.Define("followups.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermRecord: record visits, talks, inspections and screenings.
	PermRecord = auth.Define("followups.record", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermImport: bring in a community's visit and talk ledgers. Stricter
	// than PermRecord: an import takes a whole community, which grid workers
	// never reach, and writes many records at once under the importer's name;
	// the community-wide staff who import the resident ledger.
	PermImport = auth.Define("followups.import", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker)
	// PermRules: keep the duty rules of one's street or community.
	PermRules = auth.Define("followups.rules", auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
)

// Kinds of contact a rule asks for and a record is.
const (
	KindVisit      = "visit"      // 走访
	KindTalk       = "talk"       // 谈话 (帮教, 信访)
	KindInspection = "inspection" // 检查 (hazardous courtyards, shops)
	KindScreening  = "screening"  // 排查 (dispute screening; 零报告 when nothing found)
)

// Kinds lists the kinds in display order.
var Kinds = []string{KindVisit, KindTalk, KindInspection, KindScreening}

// Ways a contact was made.
var Ways = []string{"home", "phone", "wechat", "office", "meeting", "onsite"}

// Subjects of a rule: people carrying a tag, named people, named buildings, or
// every grid of the community.
const (
	SubjectTag      = "tag"
	SubjectPerson   = "person"
	SubjectBuilding = "building"
	SubjectGrid     = "grid"
)

// SubjectKinds lists the rule subjects.
var SubjectKinds = []string{SubjectTag, SubjectPerson, SubjectBuilding, SubjectGrid}

// Units of a rule's frequency. A week or month rule is due by the end of the
// calendar week (Sunday) or month: "每周一次" is kept by any day of the week.
const (
	UnitDay     = "day"
	UnitWorkday = "workday"
	UnitWeek    = "week"
	UnitMonth   = "month"
)

// Units lists the frequency units.
var Units = []string{UnitDay, UnitWorkday, UnitWeek, UnitMonth}

// Who a duty falls to.
const (
	AssignGridWorker = "grid_worker" // the grid workers of the subject's grid
	AssignLine       = "line"        // the social workers of one line of work (综治 for 帮教)
	AssignUsers      = "users"       // named accounts
)

// Assigns lists the assignment kinds.
var Assigns = []string{AssignGridWorker, AssignLine, AssignUsers}

// Due lists (the pinned `when` of GET /api/v1/followups/due).
const (
	WhenOverdue = "overdue" // due before today
	WhenToday   = "today"   // due today
	WhenWeek    = "week"    // due from today through the sixth day after it
)

// Duty states.
const (
	DutyActive = "active"
	DutyEnded  = "ended" // the subject left (tag ended, moved out, died) or the rule ended
)

var (
	_ = i18n.Family("followups.kind.", Kinds...)
	_ = i18n.Family("followups.way.", Ways...)
	_ = i18n.Family("followups.subject.", SubjectKinds...)
	_ = i18n.Family("followups.unit.", Units...)
	_ = i18n.Family("followups.assign.", Assigns...)
	_ = i18n.Family("followups.when.", WhenOverdue, WhenToday, WhenWeek)
	_ = i18n.Family("followups.status.", DutyActive, DutyEnded)
)

// Rule is one duty rule.
type Rule struct {
	ID, OrgID, ParentID int64
	Name                string
	Kind                string
	Subject             string
	TagID               int64
	Every               int    // every N units
	Unit                string // day, workday, week, month
	// FirstYearEvery: for a tag rule, every N units in the first year after
	// the person was given the tag (刑释解教: more often in the first year);
	// 0 is Every.
	FirstYearEvery int
	Assign         string
	Line           string  // AssignLine: the line of work
	Users          []int64 // AssignUsers: the accounts
	// EscalateAfter: a duty overdue by this many days is shown to the
	// community's leaders (their 待办).
	EscalateAfter int
	Active        bool
	// Subjects: the named people or buildings of a person or building rule,
	// per community.
	Subjects []int64
	// Checklist: an inspection rule's items, in order (消防通道畅通 …).
	Checklist []string

	CreatedAt int64
	UpdatedAt int64

	// For display.
	OrgName string
	TagName string
}

// Duty is one rule applied to one subject.
type Duty struct {
	ID, CommunityID, RuleID int64
	SubjectKind             string
	SubjectID               int64
	SubjectName             string
	HouseholdID, GridID     int64
	Since                   string // the day the subject came under the rule (a tag's since)
	Status                  string
	LastDoneOn              string
	DueOn                   string
	EndedOn                 string

	// From the rule, for display and access.
	RuleName string
	Kind     string
	Assign   string
	Line     string
	TagID    int64
	GridName string
}

// Overdue reports whether the duty was due before today.
func (d *Duty) Overdue(today string) bool { return d.Status == DutyActive && d.DueOn < today }

// Record is one visit, talk, inspection or screening.
type Record struct {
	ID, CommunityID, DutyID, RuleID int64
	Kind, Way                       string
	SubjectKind                     string
	SubjectID                       int64
	SubjectName                     string
	HouseholdID, GridID             int64
	HappenedAt                      int64
	HappenedOn                      string
	DueOn                           string
	OnTime                          bool
	Met                             string
	Note                            string
	Fields                          map[string]string
	Needs                           string
	Location                        string
	CreatedBy                       int64
	CreatedByName                   string
	CreatedAt                       int64
	// ZeroReport: a screening that found nothing (零报告).
	ZeroReport bool
	// Items: an inspection's answers and a screening's matters found, in
	// order (read by GetRecord and the API, not by every list).
	Items []RecordItem
	// Photos are the seq numbers of the record's photos, in order.
	Photos []int
}

// PhotoURL is where photo seq of the record is served.
func (r *Record) PhotoURL(seq int) string {
	return "/followups/records/" + strconv.FormatInt(r.ID, 10) + "/photos/" + strconv.Itoa(seq)
}

// Photo is a photo as received with a record.
type Photo = uploads.File

// RecordInput is what a form or the API sends for a new record.
type RecordInput struct {
	DutyID     int64
	Way        string
	HappenedAt time.Time // zero: now
	Met        string
	Note       string
	Fields     map[string]string // 身体状况, 生活状况, 思想动态 … (see RecordFields)
	Needs      string
	Location   string
	// Items: an inspection's answers, one for each item of its rule's
	// checklist (Seq from 1, in the checklist's order).
	Items []ItemAnswer
	// Found, for a screening: FoundNone (零报告), FoundSome (with Matters),
	// or "" (not said: Matters decide, none is a zero report).
	Found   string
	Matters []string
	// IdempotencyKey: the phone's key for this record; the same key from the
	// same account again returns the first record instead of a second one.
	IdempotencyKey string
	// Photos: up to MaxPhotos, each at most MaxPhotoBytes (the phone resizes
	// them first), JPEG, PNG or WebP.
	Photos []Photo
}

// RecordFields are the configurable "how the person is" fields of a visit or
// talk, in form order.
var RecordFields = []string{"health", "living", "mood"}

var _ = i18n.Family("followups.field.", RecordFields...)

// Limits of free text, in characters.
const (
	maxNote = 2000
	maxKey  = 100
)

// Limits of a record's photos.
const (
	MaxPhotos     = 6
	MaxPhotoBytes = 2 << 20
)

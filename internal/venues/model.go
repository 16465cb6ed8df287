// Package venues keeps the community's rooms and open spaces (场地) and their
// bookings (场地预约): capacity, opening hours, equipment and who may book
// them (staff, teams, residents); bookings with approval where the venue
// needs it; weekly recurring bookings with dates skipped; and the month's
// usage. No venue is ever booked twice for the same time: each 30-minute
// slot a booking holds is a row under a unique key (see the migration).
package venues

import (
	"embed"
	"strings"
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
var Migrations = db.NewMigrations("venues", migrationFS).
	ByCommunity("venue", "venue_series", "venue_booking", "venue_booking_slot")

// Permissions. Which venues and bookings a user sees is their scope: the
// venues of the communities they reach (a grid worker: their grid's
// community) and of the streets above them.
var (
	// PermRead: see venues, their weeks, the day, bookings and usage.
	PermRead = auth.Define("venues.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermBook: book a venue (as staff or for a team) and cancel one's own.
	PermBook = auth.Define("venues.book", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermManage: keep venues, approve or refuse bookings, cancel any.
	PermManage = auth.Define("venues.manage", auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
	// PermPortal: residents see the venues open to them and book them.
	PermPortal = auth.Define("venues.portal", auth.RoleResident)
)

// Kinds are the venue kinds, in display order.
var Kinds = []string{"activity_room", "library", "school", "day_care", "meeting_room", "square", "other"}

// Booker kinds: who a booking is for.
const (
	BookerStaff    = "staff"
	BookerTeam     = "team"
	BookerResident = "resident"
)

// BookerKinds lists the booker kinds in display order.
var BookerKinds = []string{BookerStaff, BookerTeam, BookerResident}

// Booking states. Pending and approved bookings hold their slots.
const (
	StatusPending   = "pending"
	StatusApproved  = "approved"
	StatusRefused   = "refused"
	StatusCancelled = "cancelled"
)

// Statuses lists the states in display order.
var Statuses = []string{StatusPending, StatusApproved, StatusRefused, StatusCancelled}

// Where a booking came from.
const (
	SourceManual   = "manual"   // staff's form or the API
	SourcePortal   = "portal"   // a resident on the portal
	SourceActivity = "activity" // an activity reserved its venue (Reserve)
)

// Sources lists the sources.
var Sources = []string{SourceManual, SourcePortal, SourceActivity}

var (
	_ = i18n.Family("venues.kind.", Kinds...)
	_ = i18n.Family("venues.booker.", BookerKinds...)
	_ = i18n.Family("venues.status.", Statuses...)
	_ = i18n.Family("venues.source.", Sources...)
	_ = i18n.Family("venues.weekday.", Weekdays...)
)

// Weekdays are the days of the week as the forms name them, Monday first
// (time.Weekday's numbers, Sunday 0).
var Weekdays = []string{"1", "2", "3", "4", "5", "6", "0"}

// Slot is the grid bookings are made on.
const Slot = 30 * time.Minute

// Limits.
const (
	MaxLength      = 12 * time.Hour // one booking
	maxAhead       = 400            // days ahead a booking may start
	maxName        = 50
	maxTitle       = 60
	maxText        = 500
	maxTeam        = 50
	maxContact     = 50
	maxCapacity    = 10000
	maxOccurrences = 120 // of one recurring booking
)

// DefaultHours are a new venue's opening hours, every day.
const DefaultHours = "08:00-21:00"

// Venue is one room or open space.
type Venue struct {
	ID, CommunityID int64
	Name, Kind      string
	Capacity        int
	Hours           Hours
	Equipment       string
	BookStaff       bool
	BookTeams       bool
	BookResidents   bool
	NeedsApproval   bool
	Active          bool
	Note            string
	CreatedAt       int64

	// For display.
	CommunityName string
	// Access: what the viewer may do with it (filled by Get and List).
	Access VenueAccess
}

// KindName is the kind's label.
func (v *Venue) KindName() string { return i18n.T("venues.kind." + v.Kind) }

// Who lists who may book, as people read it: 工作人员、队伍、居民.
func (v *Venue) Who() string {
	var parts []string
	if v.BookStaff {
		parts = append(parts, i18n.T("venues.booker.staff"))
	}
	if v.BookTeams {
		parts = append(parts, i18n.T("venues.booker.team"))
	}
	if v.BookResidents {
		parts = append(parts, i18n.T("venues.booker.resident"))
	}
	return strings.Join(parts, "、")
}

// VenueAccess is what a viewer may do with a venue.
type VenueAccess struct {
	Book   bool // book it as staff or for a team
	Manage bool // approve its bookings, cancel any
}

// Hours are a venue's opening hours per weekday: [time.Weekday] "08:00-21:00",
// "" closed.
type Hours [7]string

// String is the stored form: Sunday first, separated by commas.
func (h Hours) String() string { return strings.Join(h[:], ",") }

// ParseHours reads the stored form; a short or empty one is open on
// DefaultHours.
func ParseHours(s string) Hours {
	var h Hours
	parts := strings.Split(s, ",")
	for i := range h {
		if len(parts) == 7 {
			h[i] = parts[i]
		} else {
			h[i] = DefaultHours
		}
	}
	return h
}

// Open returns the opening and closing minutes of day wd (ok false: closed).
func (h Hours) Open(wd time.Weekday) (from, to int, ok bool) {
	return parseSpan(h[wd])
}

// Label is one weekday's hours for display.
func (h Hours) Label(wd string) string {
	d := weekdayNum(wd)
	if d < 0 || h[d] == "" {
		return i18n.T("venues.closed")
	}
	return strings.Replace(h[d], "-", "–", 1)
}

// Day is the stored hours of weekday wd ("1".."6", "0").
func (h Hours) Day(wd string) string {
	d := weekdayNum(wd)
	if d < 0 {
		return ""
	}
	return h[d]
}

func weekdayNum(wd string) int {
	if len(wd) != 1 || wd[0] < '0' || wd[0] > '6' {
		return -1
	}
	return int(wd[0] - '0')
}

// parseSpan reads "08:00-21:00" into minutes of the day.
func parseSpan(s string) (from, to int, ok bool) {
	a, b, found := strings.Cut(strings.TrimSpace(s), "-")
	if !found {
		return 0, 0, false
	}
	f, ok1 := parseClock(a)
	t, ok2 := parseClock(b)
	if !ok1 || !ok2 || t <= f {
		return 0, 0, false
	}
	return f, t, true
}

// parseClock reads "HH:MM" (or "24:00") into minutes of the day.
func parseClock(s string) (int, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		if strings.TrimSpace(s) == "24:00" {
			return 24 * 60, true
		}
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// VenueInput is a new or changed venue.
type VenueInput struct {
	OrgID         int64 // its community, or a street for the street's own
	Name, Kind    string
	Capacity      int
	Hours         Hours
	Equipment     string
	BookStaff     bool
	BookTeams     bool
	BookResidents bool
	NeedsApproval bool
	Active        bool
	Note          string
}

// Booking is one booking of a venue.
type Booking struct {
	ID, CommunityID, VenueID int64
	Title, Purpose           string
	BookerKind               string
	BookerUserID             int64
	BookerPersonID           int64
	Team, Contact            string
	Attendees                int
	StartsAt, EndsAt         int64 // unix ms
	Day                      string
	Status                   string
	SeriesID                 int64
	Source                   string
	SourceRef                int64
	DecidedBy                int64
	DecidedAt                int64
	DecisionNote             string
	CreatedBy                int64
	CreatedAt                int64

	// For display.
	VenueName     string
	CommunityName string
	BookerName    string // the account's or person's name
	CreatedByName string
	DecidedByName string

	Access BookingAccess
}

// BookingAccess is what a viewer may do with a booking.
type BookingAccess struct {
	Approve bool // approve or refuse it (pending)
	Cancel  bool // cancel it (pending or approved, not yet over)
}

// StatusName is the state's label.
func (b *Booking) StatusName() string { return i18n.T("venues.status." + b.Status) }

// Who says whom the booking is for: the team, the resident or the staff
// member.
func (b *Booking) Who() string {
	switch {
	case b.BookerKind == BookerTeam && b.Team != "":
		return b.Team
	case b.BookerName != "":
		return b.BookerName
	}
	return i18n.T("venues.booker." + b.BookerKind)
}

// BookerKindName is the booker kind's label.
func (b *Booking) BookerKindName() string { return i18n.T("venues.booker." + b.BookerKind) }

// Span is the booking's time as people read it: "12月8日 周二 19:00–21:00".
func (b *Booking) Span() string { return span(b.StartsAt, b.EndsAt) }

// Clock is its start and end within the day: "19:00–21:00".
func (b *Booking) Clock() string { return clock(b.StartsAt) + "–" + clock(b.EndsAt) }

// Holds reports whether the booking holds its slots.
func (b *Booking) Holds() bool { return b.Status == StatusPending || b.Status == StatusApproved }

// Hours is the booking's length in hours.
func (b *Booking) Hours() float64 { return float64(b.EndsAt-b.StartsAt) / 3_600_000 }

func clock(ms int64) string { return time.UnixMilli(ms).In(locale.Zone).Format("15:04") }

func span(from, to int64) string {
	t := time.UnixMilli(from).In(locale.Zone)
	return t.Format("2006-01-02") + " " + i18n.T("venues.weekday."+itoa(int64(t.Weekday()))) + " " + clock(from) + "–" + clock(to)
}

// BookInput is a new booking.
type BookInput struct {
	VenueID          int64
	Title, Purpose   string
	BookerKind       string // staff, team, or resident: staff booking for PersonID
	PersonID         int64  // the resident a staff booking is for
	Team, Contact    string
	Attendees        int
	StartsAt, EndsAt time.Time
	// IdempotencyKey: "" or a key the client sends once per booking.
	Source    string
	SourceRef int64
}

// SeriesInput is a recurring booking: every week on Weekdays, from From to
// To (dates, inclusive), StartTime–EndTime, except the dates in Except.
type SeriesInput struct {
	VenueID            int64
	Title, Purpose     string
	BookerKind         string
	Team, Contact      string
	Attendees          int
	Weekdays           []string // "1".."6", "0"
	From, To           string
	StartTime, EndTime string // "19:00"
	Except             []string
}

// ReserveInput is an activity reserving its venue (Reserve): who reserves,
// and the activity as the booking's source.
type ReserveInput struct {
	By               *auth.Principal
	VenueID          int64
	Title            string
	Attendees        int
	StartsAt, EndsAt time.Time
	ActivityID       int64
}

// Filter selects bookings.
type Filter struct {
	VenueID    int64
	Status     string
	BookerKind string
	From, To   string // days, inclusive
	PersonIDs  []int64
	Q          string
	Limit      int
	Offset     int
}

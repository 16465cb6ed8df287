// Package patrols keeps the grid workers' patrols (巡查): a worker starts a
// patrol, ticks the buildings of their grid as they pass them, reports what
// they find as grid events (the cases module's form, linked back to the
// patrol) and ends it; with their consent the phone adds track points. The
// minutes patrolled each day are held against a daily target (每天巡查一小时)
// kept per street or community.
package patrols

import (
	"embed"

	"linli/internal/auth"
	"linli/internal/db"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the module's schema (after org, auth and places).
var Migrations = db.NewMigrations("patrols", migrationFS).
	Reference("patrol_target").
	ByCommunity("patrol", "patrol_building", "patrol_point")

// Permissions. Which patrols a user sees is their scope: a grid worker their
// grid's (their own among them), a leader the community's or street's.
var (
	// PermRead: see patrols in scope.
	PermRead = auth.Define("patrols.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermPatrol: go on patrol (start, tick buildings, end, correct one's own).
	PermPatrol = auth.Define("patrols.patrol", auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermStats: the month's minutes per worker and day, with roll-ups by
	// grid and community, for those who oversee the workers.
	PermStats = auth.Define("patrols.stats", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker)
	// PermTarget: set the daily target of one's street or community.
	PermTarget = auth.Define("patrols.target", auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
)

// DefaultTarget is the daily target in minutes where no street or community
// set one: the community plans' 每天巡查一小时.
const DefaultTarget = 60

// MaxOpen is how long a patrol may stay open: one left open (the phone put
// away) counts at most this long, and the worker is asked to end it.
const MaxOpen = 4 * 60 // minutes

// Limits.
const (
	maxNote         = 500
	maxPointsPerReq = 500
	maxPoints       = 5000 // per patrol
	maxTarget       = 8 * 60
)

// Patrol is one patrol.
type Patrol struct {
	ID, CommunityID, GridID, UserID int64
	Day                             string // the local day it started, YYYY-MM-DD
	StartedAt, EndedAt              int64  // unix ms; EndedAt 0 while on patrol
	Minutes                         int
	TrackConsent                    bool
	Note                            string
	CreatedAt, UpdatedAt            int64

	// For display.
	UserName      string
	GridName      string
	CommunityName string
	Points        int

	// Access: what the viewer may do with it (filled by Get).
	Access Access
}

// Open reports whether the patrol is still running.
func (pt *Patrol) Open() bool { return pt.EndedAt == 0 }

// Stale reports whether an open patrol has run past MaxOpen at now (unix ms).
func (pt *Patrol) Stale(now int64) bool {
	return pt.Open() && now-pt.StartedAt > MaxOpen*60_000
}

// Access is what a viewer may do with a patrol: only its own worker acts on
// it, within scope.
type Access struct {
	End     bool // end it (open, own)
	Tick    bool // tick buildings passed (open, own)
	Points  bool // add track points (open, own, consented)
	Correct bool // correct its start and end (ended, own, started today)
}

// Passed is a building ticked on a patrol.
type Passed struct {
	BuildingID int64
	Label      string
	PassedAt   int64
}

// Point is one track point the phone sent.
type Point struct {
	Seq       int     `json:"seq"`
	At        int64   `json:"at"` // unix ms
	Lat       float64 `json:"lat"`
	Lng       float64 `json:"lng"`
	AccuracyM float64 `json:"accuracy_m"`
}

// StartInput starts a patrol.
type StartInput struct {
	GridID       int64 // 0: the worker's only grid
	TrackConsent bool
	Note         string
}

// Past is a patrol already walked, brought in by the system (the demo,
// fixtures): no open-patrol rule, no clock checks.
type Past struct {
	UserID, GridID     int64
	StartedAt, EndedAt int64 // EndedAt 0: still open
	TrackConsent       bool
	Note               string
	Buildings          []int64
}

// Filter selects patrols.
type Filter struct {
	UserID   int64
	GridID   int64
	From, To string // days, inclusive; "" open
	Limit    int
	Offset   int
}

// Span is the patrol's time as people read it: "08:10–09:05" (the end
// blank while it runs).
func (pt *Patrol) Span() string {
	if pt.Open() {
		return clock(pt.StartedAt) + "–"
	}
	return clock(pt.StartedAt) + "–" + clock(pt.EndedAt)
}

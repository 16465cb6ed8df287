// Package goals keeps indicators and targets (指标与目标): the indicators
// as data (each with its 口径 in words, unit, direction and roll-up), the
// targets a street sets its communities and a community its grids, per year
// with optional monthly or quarterly milestones, figures entered with their
// evidence for what no module counts, and the board that sets each actual
// against its target, with a traffic light, the year's trend, the ranking of
// the units below and links down to the records behind a number.
//
// Most indicators are counted by other modules: each fills the registration
// point (Source, Service.Register) through an adapter in internal/app; goals
// imports none of them.
package goals

import (
	"context"
	"embed"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/org"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the module's schema (after org). goal_indicator rows are a
// street's own (their community_id is the street's).
var Migrations = db.NewMigrations("goals", migrationFS).
	ByCommunity("goal_indicator", "goal_target", "goal_entry")

// Permissions.
var (
	// PermRead: see the board, the rankings and the indicators' API.
	PermRead = auth.Define("goals.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermSet: set the targets of the units below one's own (a street its
	// communities', a community its grids').
	PermSet = auth.Define("goals.set", auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
	// PermEnter: enter a community's figures of the entered indicators.
	PermEnter = auth.Define("goals.enter", auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
	// PermDefine: define a street's entered indicators.
	PermDefine = auth.Define("goals.define", auth.RoleStreetAdmin)
)

// Rollup is how the figures of several units (and months) make one.
type Rollup string

// Roll-ups. A ratio is the ratio of the sums of numerators and
// denominators, never an average of percentages.
const (
	RollupSum   Rollup = "sum"
	RollupRatio Rollup = "ratio"
	RollupMax   Rollup = "max"
)

// Direction says which way is better.
type Direction string

// Directions. Zero: a zero-outcome indicator (无重大刑事案件), a count that
// must stay zero.
const (
	Higher Direction = "higher"
	Lower  Direction = "lower"
	Zero   Direction = "zero"
)

// Directions in display order.
var Directions = []Direction{Higher, Lower, Zero}

// Kinds of entered indicators: a ratio (entered as numerator and
// denominator) or a count.
var Kinds = []string{"ratio", "count"}

// Lights of the board.
const (
	LightGreen = "green"
	LightAmber = "amber"
	LightRed   = "red"
	LightNone  = "none"
)

var (
	_ = i18n.Family("goals.direction.", "higher", "lower", "zero")
	_ = i18n.Family("goals.kind.", Kinds...)
	_ = i18n.Family("goals.light.", LightGreen, LightAmber, LightRed, LightNone)
)

// Def is an indicator's definition. Name and Definition are catalogue keys
// for computed indicators and words typed by the street for entered ones
// (Entered).
type Def struct {
	Code       string // "cases.response_rate"; entered: "entered.<id>"
	Name       string
	Definition string // 口径
	Unit       string // "%", "人", "件" …
	Direction  Direction
	Rollup     Rollup
	// Stock: a figure as of now (people registered), not of the period; it
	// has no monthly trend.
	Stock bool
	// Levels the indicator is counted at (none: every level); a community
	// indicator has no figure for a grid.
	CommunityOnly bool
	// Link, when set, leads to the records behind the figure of unit u in
	// year (the late cases, the overdue visits).
	Link    func(u *org.Unit, year int) string
	Entered bool
}

// Title is the indicator's name as shown.
func (d Def) Title() string {
	if d.Entered {
		return d.Name
	}
	return i18n.T(d.Name)
}

// Text is the indicator's 口径 as shown.
func (d Def) Text() string {
	if d.Entered {
		return d.Definition
	}
	return i18n.T(d.Definition)
}

// Kind is "ratio" or "count" (Kinds).
func (d Def) Kind() string {
	if d.Ratio() {
		return "ratio"
	}
	return "count"
}

// Ratio reports whether the figure is a ratio (shown as a percentage).
func (d Def) Ratio() bool { return d.Rollup == RollupRatio }

// Value is a figure: for a ratio its numerator and denominator, for a count
// its number in Num. Has is false when nothing was counted.
type Value struct {
	Num, Den float64
	Has      bool
}

// Count is a count's value.
func Count(n float64) Value { return Value{Num: n, Has: true} }

// Ratio is a ratio's value.
func Ratio(num, den float64) Value { return Value{Num: num, Den: den, Has: true} }

// Of is the figure of v for an indicator rolled up by r, and whether there is
// one (a ratio with nothing to divide has none).
func (v Value) Of(r Rollup) (float64, bool) {
	if !v.Has {
		return 0, false
	}
	if r == RollupRatio {
		if v.Den == 0 {
			return 0, false
		}
		return v.Num / v.Den, true
	}
	return v.Num, true
}

// add rolls o into v.
func (v *Value) add(o Value, r Rollup) {
	if !o.Has {
		return
	}
	if r == RollupMax {
		if !v.Has || o.Num > v.Num {
			v.Num = o.Num
		}
	} else {
		v.Num += o.Num
		v.Den += o.Den
	}
	v.Has = true
}

// Result is what a source counts for one unit in one year: the year's
// figure and each month's (Months[0] is January), by indicator code.
type Result struct {
	Year   map[string]Value
	Months [12]map[string]Value
}

// NewResult is an empty result.
func NewResult() Result {
	r := Result{Year: map[string]Value{}}
	for i := range r.Months {
		r.Months[i] = map[string]Value{}
	}
	return r
}

// Source is the registration point: a module's indicators and how to count
// them. Compute is asked for one community or grid (goals adds the
// communities up for the units above them) and counts within p's scope;
// an auth.ErrForbidden leaves the source's indicators out for p.
type Source interface {
	Indicators() []Def
	Compute(ctx context.Context, p *auth.Principal, u *org.Unit, year int) (Result, error)
}

// Package reports keeps report forms and reports (报表与上报): a street's
// forms as data (rows of indicators and entered fields, a period, a due
// day), each community's report of a period, which fills itself from the
// indicators while staff add the entered fields and remarks, and its way up:
// submitted, returned with a comment or approved by the street. An approved
// report is a frozen snapshot that later data changes do not alter; the
// street's report of a period adds up its communities'.
//
// The figures come from the indicators (goals) through the Figures interface,
// filled by an adapter in internal/app; reports imports no other module.
package reports

import (
	"context"
	"embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the module's schema (after org). report_form rows are a
// street's own (their community_id is the street's).
var Migrations = db.NewMigrations("reports", migrationFS).
	ByCommunity("report_form", "report", "report_event")

// Permissions.
var (
	// PermRead: see the reports of one's communities (a whole community).
	PermRead = auth.Define("reports.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
	// PermFill: open a period's report, type its entered fields, submit it.
	PermFill = auth.Define("reports.fill", auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
	// PermReview: return or approve the submitted reports of the street's
	// communities, and read the street's report.
	PermReview = auth.Define("reports.review", auth.RoleStreetAdmin)
	// PermDefine: keep the street's report forms.
	PermDefine = auth.Define("reports.define", auth.RoleStreetAdmin)
)

// Periods of a form.
const (
	Monthly   = "monthly"
	Quarterly = "quarterly"
	Annual    = "annual"
)

// PeriodKinds in display order.
var PeriodKinds = []string{Monthly, Quarterly, Annual}

// States of a report.
const (
	Draft     = "draft"
	Submitted = "submitted"
	Returned  = "returned"
	Approved  = "approved"
)

// States in display order.
var States = []string{Draft, Submitted, Returned, Approved}

// Kinds of a form's row: an indicator (computed or entered in goals), or a
// field typed in the report, a number or a text.
const (
	KindIndicator = "indicator"
	KindNumber    = "number"
	KindText      = "text"
)

// Events of a report's history.
var Events = []string{"open", "submit", "return", "approve"}

var (
	_ = i18n.Family("reports.period.", PeriodKinds...)
	_ = i18n.Family("reports.state.", States...)
	_ = i18n.Family("reports.event.", Events...)
)

// Row is one row of a form (and of the reports opened from it). Key is the
// indicator's code, or "field.N" for an entered field.
type Row struct {
	Key   string `json:"key"`
	Kind  string `json:"kind"`
	Label string `json:"label"`
	Unit  string `json:"unit"`
	Ratio bool   `json:"ratio,omitempty"`
}

// Indicator reports whether the row is an indicator's (filled by itself).
func (r Row) Indicator() bool { return r.Kind == KindIndicator }

// Figure is a computed figure: for a ratio its numerator and denominator.
type Figure struct {
	Num   float64 `json:"num"`
	Den   float64 `json:"den,omitempty"`
	Has   bool    `json:"has"`
	Ratio bool    `json:"ratio,omitempty"`
}

// Value is the figure in its own terms (a ratio as a fraction) and whether
// there is one.
func (f Figure) Value() (float64, bool) {
	if !f.Has {
		return 0, false
	}
	if f.Ratio {
		if f.Den == 0 {
			return 0, false
		}
		return f.Num / f.Den, true
	}
	return f.Num, true
}

// Text is the figure as shown: "93.5%（187/200）", "12", "—".
func (f Figure) Text() string {
	v, ok := f.Value()
	if !ok {
		return "—"
	}
	if f.Ratio {
		return strconv.FormatFloat(v*100, 'f', 1, 64) + "%（" + num(f.Num) + "/" + num(f.Den) + "）"
	}
	return num(v)
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// add rolls o into f (sums; a ratio as the sums of its parts).
func (f *Figure) add(o Figure) {
	if !o.Has {
		return
	}
	f.Num += o.Num
	f.Den += o.Den
	f.Ratio = f.Ratio || o.Ratio
	f.Has = true
}

// Indicator is an indicator a form's row may name.
type Indicator struct {
	Code, Name, Unit string
	Ratio            bool
}

// Figures is what reports read of the indicators: the indicators of a unit
// and their figures over some months of a year, within p's scope (an
// adapter over goals in internal/app).
type Figures interface {
	Indicators(ctx context.Context, p *auth.Principal, orgID int64) ([]Indicator, error)
	Values(ctx context.Context, p *auth.Principal, orgID int64, year int, months []int) (map[string]Figure, error)
}

// ---- periods ----

// CurrentPeriod is the period of kind that t falls in.
func CurrentPeriod(kind string, t time.Time) string {
	switch kind {
	case Quarterly:
		return fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
	case Annual:
		return strconv.Itoa(t.Year())
	}
	return fmt.Sprintf("%04d-%02d", t.Year(), int(t.Month()))
}

// ParsePeriod reads a period of kind ("2026-11", "2026-Q4", "2026") into its
// year and months.
func ParsePeriod(kind, period string) (year int, months []int, ok bool) {
	period = strings.TrimSpace(period)
	switch kind {
	case Monthly:
		t, err := time.Parse("2006-01", period)
		if err != nil {
			return 0, nil, false
		}
		return t.Year(), []int{int(t.Month())}, true
	case Quarterly:
		y, q, found := strings.Cut(period, "-Q")
		yi, err1 := strconv.Atoi(y)
		qi, err2 := strconv.Atoi(q)
		if !found || err1 != nil || err2 != nil || qi < 1 || qi > 4 || len(y) != 4 {
			return 0, nil, false
		}
		return yi, []int{qi*3 - 2, qi*3 - 1, qi * 3}, true
	case Annual:
		yi, err := strconv.Atoi(period)
		if err != nil || len(period) != 4 {
			return 0, nil, false
		}
		return yi, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, true
	}
	return 0, nil, false
}

// PrevPeriod is the period before period.
func PrevPeriod(kind, period string) string {
	y, ms, ok := ParsePeriod(kind, period)
	if !ok {
		return ""
	}
	first := time.Date(y, time.Month(ms[0]), 1, 0, 0, 0, 0, time.UTC)
	return CurrentPeriod(kind, first.AddDate(0, 0, -1))
}

// DueDate is the day a period's report is due: day dueDay of the month after
// the period ends ("2026-12-05" for November with 5), at most its last day.
func DueDate(kind, period string, dueDay int) string {
	y, ms, ok := ParsePeriod(kind, period)
	if !ok {
		return ""
	}
	next := time.Date(y, time.Month(ms[len(ms)-1])+1, 1, 0, 0, 0, 0, time.UTC)
	last := next.AddDate(0, 1, -1).Day()
	if dueDay > last {
		dueDay = last
	}
	if dueDay < 1 {
		dueDay = 1
	}
	return next.AddDate(0, 0, dueDay-1).Format(time.DateOnly)
}

// PeriodText is a period as shown: "2026年11月", "2026年第4季度", "2026年度".
func PeriodText(kind, period string) string {
	y, ms, ok := ParsePeriod(kind, period)
	if !ok {
		return period
	}
	switch kind {
	case Monthly:
		return i18n.T("reports.period_month", "year", y, "month", ms[0])
	case Quarterly:
		return i18n.T("reports.period_quarter", "year", y, "q", (ms[0]-1)/3+1)
	}
	return i18n.T("reports.period_year", "year", y)
}

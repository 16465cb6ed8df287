// Package calendar is the working-day calendar that time limits count in: the
// weekly rule (Monday–Friday), public holidays (放假) and the weekend days worked
// in exchange (调休上班), and the working hours of a day. The system
// administrator keeps the exceptions; the arithmetic is pure and works on an
// immutable snapshot, so that the same case gets the same due time on every
// instance.
package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kinds of exception days.
const (
	Holiday = "holiday" // a weekday (or any day) off
	Workday = "workday" // a weekend day worked (调休上班)
)

// Day is one exception to the weekly rule.
type Day struct {
	Date string // YYYY-MM-DD
	Kind string
	Name string
}

// Limit is a time limit: whole working days, or working hours.
type Limit struct {
	Days  int `json:"days,omitempty"`
	Hours int `json:"hours,omitempty"`
}

// IsZero reports whether the limit sets no time at all.
func (l Limit) IsZero() bool { return l.Days <= 0 && l.Hours <= 0 }

// String is how the limit reads in Chinese ("3个工作日", "24个工作小时").
func (l Limit) String() string {
	switch {
	case l.Days > 0:
		return strconv.Itoa(l.Days) + "个工作日"
	case l.Hours > 0:
		return strconv.Itoa(l.Hours) + "个工作小时"
	}
	return ""
}

// Calendar is a snapshot of the working-day rules.
type Calendar struct {
	days map[string]string
	// Start and End bound the working hours, in minutes after local midnight.
	Start, End int
	Loc        *time.Location
}

// DefaultStart and DefaultEnd are 8:30 and 17:30.
const (
	DefaultStart = 8*60 + 30
	DefaultEnd   = 17*60 + 30
)

// maxScan bounds every walk over days, so that a calendar edited into having no
// working days at all cannot hang a request.
const maxScan = 3660

// New builds a calendar from exception days and working hours.
func New(days []Day, start, end int, loc *time.Location) *Calendar {
	if loc == nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	if start < 0 || end > 24*60 || start >= end {
		start, end = DefaultStart, DefaultEnd
	}
	m := make(map[string]string, len(days))
	for _, d := range days {
		m[d.Date] = d.Kind
	}
	return &Calendar{days: m, Start: start, End: end, Loc: loc}
}

// IsWorkday reports whether the local date of t is a working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	t = t.In(c.Loc)
	switch c.days[t.Format(time.DateOnly)] {
	case Holiday:
		return false
	case Workday:
		return true
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// KindOf says how the calendar treats a date: "holiday", "workday", or "" when
// the weekly rule applies.
func (c *Calendar) KindOf(date string) string { return c.days[date] }

func (c *Calendar) midnight(t time.Time) time.Time {
	t = t.In(c.Loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, c.Loc)
}

func (c *Calendar) at(day time.Time, minutes int) time.Time {
	return day.Add(time.Duration(minutes) * time.Minute)
}

// nextDay is the following calendar day at midnight (AddDate copes with DST
// should a deployment configure a zone that has it).
func nextDay(day time.Time, n int) time.Time { return day.AddDate(0, 0, n) }

// AddDays returns the end of working hours of the n-th working day after the
// local date of t ("3个工作日内" from Friday 10:00 before a holiday ends on the
// third working day after it, at 17:30). The day of t itself is not counted,
// whether or not it is a working day. n ≤ 0 returns t.
func (c *Calendar) AddDays(t time.Time, n int) time.Time {
	if n <= 0 {
		return t
	}
	day := c.midnight(t)
	for i := 0; i < maxScan && n > 0; i++ {
		day = nextDay(day, 1)
		if c.IsWorkday(day) {
			n--
		}
	}
	return c.at(day, c.End)
}

// AddMinutes moves t by m working minutes, forward (m > 0) or backward (m < 0),
// counting only the working hours of working days.
func (c *Calendar) AddMinutes(t time.Time, m int) time.Time {
	if m == 0 {
		return t
	}
	if m < 0 {
		return c.subMinutes(t, -m)
	}
	t = t.In(c.Loc)
	day := c.midnight(t)
	cur := t
	for i := 0; i < maxScan; i++ {
		start, end := c.at(day, c.Start), c.at(day, c.End)
		if c.IsWorkday(day) && cur.Before(end) {
			if cur.Before(start) {
				cur = start
			}
			left := int(end.Sub(cur) / time.Minute)
			if m <= left {
				return cur.Add(time.Duration(m) * time.Minute)
			}
			m -= left
		}
		day = nextDay(day, 1)
		cur = day
	}
	return cur
}

func (c *Calendar) subMinutes(t time.Time, m int) time.Time {
	t = t.In(c.Loc)
	day := c.midnight(t)
	cur := t
	for i := 0; i < maxScan; i++ {
		start, end := c.at(day, c.Start), c.at(day, c.End)
		if c.IsWorkday(day) && cur.After(start) {
			if cur.After(end) {
				cur = end
			}
			left := int(cur.Sub(start) / time.Minute)
			if m <= left {
				return cur.Add(-time.Duration(m) * time.Minute)
			}
			m -= left
		}
		day = nextDay(day, -1)
		cur = c.at(day, 24*60) // the end of the previous day
	}
	return cur
}

// AddHours moves t by h working hours.
func (c *Calendar) AddHours(t time.Time, h int) time.Time { return c.AddMinutes(t, h*60) }

// Add applies a limit to t: working days win over hours when both are set.
func (c *Calendar) Add(t time.Time, l Limit) time.Time {
	switch {
	case l.Days > 0:
		return c.AddDays(t, l.Days)
	case l.Hours > 0:
		return c.AddHours(t, l.Hours)
	}
	return t
}

// WorkdaysBetween counts the working days after the local date of a up to and
// including the local date of b (0 when b is not after a). It is the inverse of
// AddDays: WorkdaysBetween(t, AddDays(t, n)) == n.
func (c *Calendar) WorkdaysBetween(a, b time.Time) int {
	da, db := c.midnight(a), c.midnight(b)
	n := 0
	for day, i := nextDay(da, 1), 0; !day.After(db) && i < 50*maxScan; day, i = nextDay(day, 1), i+1 {
		if c.IsWorkday(day) {
			n++
		}
	}
	return n
}

// WorkingMinutesBetween counts the working minutes from a to b (negative when b
// is before a).
func (c *Calendar) WorkingMinutesBetween(a, b time.Time) int {
	if b.Before(a) {
		return -c.WorkingMinutesBetween(b, a)
	}
	a, b = a.In(c.Loc), b.In(c.Loc)
	n := 0
	for day, i := c.midnight(a), 0; !day.After(b) && i < 50*maxScan; day, i = nextDay(day, 1), i+1 {
		if !c.IsWorkday(day) {
			continue
		}
		s, e := c.at(day, c.Start), c.at(day, c.End)
		if a.After(s) {
			s = a
		}
		if b.Before(e) {
			e = b
		}
		if e.After(s) {
			n += int(e.Sub(s) / time.Minute)
		}
	}
	return n
}

// ParseClock reads "8:30" or "08:30" as minutes after midnight.
func ParseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, fmt.Errorf("clock %q", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, fmt.Errorf("clock %q", s)
	}
	return hh*60 + mm, nil
}

// FormatClock writes minutes after midnight as "08:30".
func FormatClock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

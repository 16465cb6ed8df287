package followups

import (
	"time"

	"linli/internal/calendar"
)

const day = "2006-01-02"

// nextDue is the day by which a duty must next be done: after the last record
// (last, a date) or, with none yet, counted from the day the subject came
// under the rule (since). A day or working-day rule is due n (working) days
// after; a week or month rule by the end of the calendar week (Sunday) or month
// n periods on — counted from the period of since for a first contact, so that
// "every week" is due this Sunday. In a tag rule's first year after since
// (first > 0) the first-year frequency applies. cal may be nil for rules that do
// not count working days.
func nextDue(cal *calendar.Calendar, unit string, every, first int, since, last string) string {
	if last == "" {
		return dueFrom(cal, unit, every, first, since, since, true)
	}
	return dueFrom(cal, unit, every, first, since, last, false)
}

// firstDue is the due date of a duty not yet done, counted from start when
// that is later than since: a rule made today about people who have carried
// their tag for years makes them due one period from today, not years ago.
func firstDue(cal *calendar.Calendar, unit string, every, first int, since, start string) string {
	if start < since {
		start = since
	}
	return dueFrom(cal, unit, every, first, since, start, true)
}

// dueFrom counts one period on from base (a first contact: within base's
// own week or month for those units); since decides the first year.
func dueFrom(cal *calendar.Calendar, unit string, every, first int, since, base string, firstContact bool) string {
	t, err := time.Parse(day, base)
	if err != nil {
		return base
	}
	n := every
	if first > 0 && since != "" {
		if s, err := time.Parse(day, since); err == nil && t.Before(s.AddDate(1, 0, 0)) {
			n = first
		}
	}
	if n < 1 {
		n = 1
	}
	switch unit {
	case UnitWorkday:
		if cal == nil {
			return t.AddDate(0, 0, n).Format(day)
		}
		// AddDays works on instants: noon of the day in the calendar's zone.
		at := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, cal.Loc)
		return cal.AddDays(at, n).Format(day)
	case UnitWeek:
		sunday := t.AddDate(0, 0, (7-int(t.Weekday()))%7)
		if firstContact {
			return sunday.AddDate(0, 0, 7*(n-1)).Format(day)
		}
		return sunday.AddDate(0, 0, 7*n).Format(day)
	case UnitMonth:
		months := n
		if firstContact {
			months = n - 1
		}
		// The last day of the month `months` after t's.
		return time.Date(t.Year(), t.Month()+time.Month(months)+1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1).Format(day)
	default:
		return t.AddDate(0, 0, n).Format(day)
	}
}

// approxDays is a frequency in days, to compare a community's rule with the
// street's it tightens.
func approxDays(unit string, n int) float64 {
	switch unit {
	case UnitWorkday:
		return float64(n) * 7 / 5
	case UnitWeek:
		return float64(n) * 7
	case UnitMonth:
		return float64(n) * 30.4
	}
	return float64(n)
}

// weekEnd is the last day of the "this week" due list: the sixth day after today.
func weekEnd(today string) string {
	t, err := time.Parse(day, today)
	if err != nil {
		return today
	}
	return t.AddDate(0, 0, 6).Format(day)
}

package followups

import (
	"testing"
	"time"

	"linli/internal/calendar"
)

// Due dates across month ends, holidays and adjusted working days, calendar
// weeks and months, and the first year of a tag rule.
func TestNextDue(t *testing.T) {
	// 2026: National Day holidays 10-01..10-08, Sunday 10-11 made a working day.
	var days []calendar.Day
	for d := 1; d <= 8; d++ {
		days = append(days, calendar.Day{Date: time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC).Format(day), Kind: calendar.Holiday})
	}
	days = append(days, calendar.Day{Date: "2026-10-11", Kind: calendar.Workday})
	cal := calendar.New(days, 0, 0, nil)
	cases := []struct {
		name              string
		unit              string
		every, first      int
		since, last, want string
	}{
		{"days after the last record", UnitDay, 7, 0, "2026-01-01", "2026-02-25", "2026-03-04"},
		{"days across a leap-less February", UnitDay, 30, 0, "2026-01-01", "2026-01-31", "2026-03-02"},
		{"first contact: days after since", UnitDay, 7, 0, "2026-05-10", "", "2026-05-17"},
		{"working days skip the weekend", UnitWorkday, 3, 0, "2026-01-01", "2026-09-25", "2026-09-30"},
		{"working days skip the holiday and count the adjusted Sunday", UnitWorkday, 2, 0, "2026-01-01", "2026-09-30", "2026-10-11"},
		{"a week rule is due by Sunday of the next week", UnitWeek, 1, 0, "2026-01-01", "2026-12-02", "2026-12-13"},
		{"a week rule recorded on Sunday", UnitWeek, 1, 0, "2026-01-01", "2026-12-06", "2026-12-13"},
		{"first contact of a week rule: this Sunday", UnitWeek, 1, 0, "2026-12-02", "", "2026-12-06"},
		{"a month rule is due by the end of the next month", UnitMonth, 1, 0, "2026-01-01", "2026-01-31", "2026-02-28"},
		{"a quarter as three months", UnitMonth, 3, 0, "2026-01-01", "2026-11-15", "2027-02-28"},
		{"first contact of a month rule: this month's end", UnitMonth, 1, 0, "2026-02-10", "", "2026-02-28"},
		{"first year after since: the first-year frequency", UnitDay, 30, 7, "2026-06-01", "2026-12-01", "2026-12-08"},
		{"after the first year: the usual frequency", UnitDay, 30, 7, "2025-06-01", "2026-12-01", "2026-12-31"},
		{"leap February", UnitMonth, 1, 0, "2028-01-01", "2028-01-15", "2028-02-29"},
	}
	for _, c := range cases {
		if got := nextDue(cal, c.unit, c.every, c.first, c.since, c.last); got != c.want {
			t.Errorf("%s: nextDue(%s, %d, %d, %s, %s) = %s, want %s", c.name, c.unit, c.every, c.first, c.since, c.last, got, c.want)
		}
	}
	if got := weekEnd("2026-12-28"); got != "2027-01-03" {
		t.Errorf("weekEnd across the year: %s", got)
	}
}

// A duty not yet done counts from when it began when that is later than the
// day its subject came under the rule: a new rule about people tagged years
// ago makes them due one period on, not years overdue.
func TestFirstDue(t *testing.T) {
	for _, c := range []struct {
		unit               string
		every, first       int
		since, start, want string
	}{
		{UnitDay, 7, 0, "2019-03-01", "2026-12-07", "2026-12-14"},
		{UnitDay, 7, 0, "2026-12-10", "2026-12-07", "2026-12-17"},
		{UnitWeek, 1, 0, "2019-03-01", "2026-12-07", "2026-12-13"},
		{UnitMonth, 3, 0, "2019-03-01", "2026-12-07", "2027-02-28"},
		// In the first year after since, the first-year frequency.
		{UnitDay, 30, 7, "2026-11-01", "2026-12-07", "2026-12-14"},
		{UnitDay, 30, 7, "2024-11-01", "2026-12-07", "2027-01-06"},
	} {
		if got := firstDue(nil, c.unit, c.every, c.first, c.since, c.start); got != c.want {
			t.Errorf("firstDue(%s, %d, %d, since %s, start %s) = %s, want %s", c.unit, c.every, c.first, c.since, c.start, got, c.want)
		}
	}
}

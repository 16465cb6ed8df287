package registry

import "time"

// SetStatisticsAt makes commits refresh statistics at these row counts (tests
// of small ledgers); the returned func restores the default.
func SetStatisticsAt(at map[int]bool) (restore func()) {
	old := statisticsAt
	statisticsAt = at
	return func() { statisticsAt = old }
}

// SetCountTimes shortens how long list totals stay fresh and shown.
func SetCountTimes(ttl, stale time.Duration) (restore func()) {
	oldTTL, oldStale := countTTL, countStale
	countTTL, countStale = ttl, stale
	return func() { countTTL, countStale = oldTTL, oldStale }
}

// CountsRun is how many list totals have been counted in the database.
func CountsRun() int64 { return countsRun.Load() }

// HoldCounts makes every count wait until release is called.
func HoldCounts() (release func()) {
	gate := make(chan struct{})
	wait := func() { <-gate }
	beforeCount.Store(&wait)
	return func() {
		beforeCount.Store(nil)
		close(gate)
	}
}

// PeopleRowsHTML is the resident list page's rows for people.
func PeopleRowsHTML(people []*Person, now time.Time) string { return string(peopleRows(people, now)) }

// IsIdentityConflict tells a violation of reg_identity's key (write.go).
func IsIdentityConflict(err error) bool { return isIdentityConflict(err) }

package db

import "time"

// CachedStatements is how many read statements d keeps prepared (tests).
func (d *DB) CachedStatements() int { return d.stmts.len() }

// SlowCopies makes every queued COPY of a bulk transaction wait d before it
// loads (tests: a statement that did not wait for the queue would overtake it).
func SlowCopies(d time.Duration) (undo func()) {
	copyDelay = d
	return func() { copyDelay = 0 }
}

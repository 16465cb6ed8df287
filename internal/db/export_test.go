package db

// CachedStatements is how many read statements d keeps prepared (tests).
func (d *DB) CachedStatements() int { return d.stmts.len() }

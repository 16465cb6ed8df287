package db

// CachedStatements is how many read statements d keeps prepared (tests).
func (d *DB) CachedStatements() int {
	d.stmts.mu.RLock()
	defer d.stmts.mu.RUnlock()
	return len(d.stmts.m)
}

const MaxCachedStmts = maxCachedStmts

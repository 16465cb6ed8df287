package registry

// SetStatisticsAt makes commits refresh statistics at these row counts (tests
// of small ledgers); the returned func restores the default.
func SetStatisticsAt(at map[int]bool) (restore func()) {
	old := statisticsAt
	statisticsAt = at
	return func() { statisticsAt = old }
}

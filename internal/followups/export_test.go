package followups

// SetSettleAfter lowers the number of rewritten duties after which a
// recompute vacuums fu_duty, for a test's small data set.
func SetSettleAfter(n int) (restore func()) {
	old := settleAfter
	settleAfter = n
	return func() { settleAfter = old }
}

// LapseRules makes the kept rules lapse, as rulesTTL after their read.
func LapseRules(s *Service) {
	s.rulesMu.Lock()
	s.rulesAt = s.rulesAt.Add(-rulesTTL)
	s.rulesMu.Unlock()
}

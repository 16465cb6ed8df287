package places

// ExpireEstateChoices ages every kept estate list past estateChoicesTTL, as if
// that long had passed.
func (s *Service) ExpireEstateChoices() {
	s.choices.mu.Lock()
	defer s.choices.mu.Unlock()
	for k, e := range s.choices.m {
		e.at = e.at.Add(-estateChoicesTTL)
		s.choices.m[k] = e
	}
}

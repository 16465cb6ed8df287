package followups

import (
	"context"
	"sort"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
)

// WhenEscalated selects, on the overview of the duties (not the API's due
// list), the duties of ListEscalated.
const WhenEscalated = "escalated"

var _ = i18n.Family("followups.when.", WhenEscalated)

// ListEscalated lists, for those who keep the rules (the community's and the
// street's leaders), the active duties in their scope that others have let
// run overdue by more than their rule's EscalateAfter days (0: any overdue
// duty), in due order, and how many there are. The leader's own duties are not
// among them: those are in their own due list. Scope and the sensitive groups
// apply as in ListDuties; f.Own and f.When are ignored, f.RuleID, f.GridID,
// f.Offset and f.Limit apply.
func (s *Service) ListEscalated(ctx context.Context, p *auth.Principal, f DutyFilter) ([]*Duty, int, error) {
	if err := p.Require(PermRules); err != nil {
		return nil, 0, err
	}
	visible, _, err := s.visibleRules(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	// The rules whose duties are others', grouped by their threshold: one
	// range of due dates per threshold.
	byAfter := map[int][]int64{}
	var rules []*Rule
	for _, r := range visible {
		if ruleOwn(p, r) {
			continue
		}
		rules = append(rules, r)
		byAfter[r.EscalateAfter] = append(byAfter[r.EscalateAfter], r.ID)
	}
	if len(rules) == 0 {
		return nil, 0, nil
	}
	afters := make([]int, 0, len(byAfter))
	for a := range byAfter {
		afters = append(afters, a)
	}
	sort.Ints(afters)
	d := s.DB.Dialect()
	sc, args := p.Scope.SQL(d, "d.community_id", "d.grid_id")
	today, err := time.Parse(day, s.today())
	if err != nil {
		return nil, 0, err
	}
	var ors []string
	for _, a := range afters {
		rc, rargs := d.IDSet("d.rule_id", byAfter[a])
		// Overdue by more than a days: due before today minus a.
		ors = append(ors, `(`+rc+` AND d.due_on < ?)`)
		args = append(args, rargs...)
		args = append(args, today.AddDate(0, 0, -a).Format(day))
	}
	where := sc + ` AND d.status = 'active' AND (` + strings.Join(ors, ` OR `) + `)`
	return s.dutyPage(ctx, rules, f, where, args)
}

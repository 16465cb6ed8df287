package followups

import (
	"context"
	"strconv"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// homeRoutes puts follow-ups on the home page: the user's own due duties as
// to-do items (and, for leaders, the duties others let run overdue), and the
// quick actions.
func (s *Service) homeRoutes(srv *web.Server) {
	srv.AddTodo(s)
	srv.AddAction(web.Action{Key: "followups.action_due", Href: "/followups", Perm: PermRecord, Roles: []auth.Role{auth.RoleGridWorker, auth.RoleSocialWorker}, Order: 12})
	srv.AddAction(web.Action{Key: "followups.action_all", Href: "/followups/all", Perm: PermRules, Order: 45})
	srv.AddAction(web.Action{Key: "followups.nav_rules", Href: "/followups/rules", Perm: PermRules, Order: 46})
}

// todoTabs are the home page's urgencies and the tab of the due list (or, for
// the escalated duties, of the overview) that holds exactly each one's duties.
var todoTabs = []struct {
	urgency web.Urgency
	when    string
	own     bool
}{
	{web.UrgencyOverdue, WhenOverdue, true},
	{web.UrgencyToday, WhenToday, true},
	{web.UrgencySoon, WhenWeek, true},
	// Others' duties overdue past their rule's threshold: overdue too, for
	// those who keep the rules; never the leader's own (those are above).
	{web.UrgencyOverdue, WhenEscalated, false},
}

// Todos are p's own active duties by urgency — 已超期, 今天到期, due later
// this week — and, for those who keep the rules, others' duties overdue past
// their rule's EscalateAfter: the lists of ListTab, which the 查看全部 links
// open.
func (s *Service) Todos(ctx context.Context, p *auth.Principal, limit int) ([]web.TodoGroup, error) {
	if !p.Can(PermRead) {
		return nil, nil
	}
	var out []web.TodoGroup
	for _, tb := range todoTabs {
		if tb.when == WhenEscalated && !p.Can(PermRules) {
			continue
		}
		list, total, err := s.ListTab(ctx, p, DutyFilter{Own: tb.own, When: tb.when, Limit: limit})
		if err != nil {
			return nil, err
		}
		if total == 0 {
			continue
		}
		g := web.TodoGroup{Urgency: tb.urgency, Total: total}
		kind := i18n.T("followups.todo_due")
		href := "/followups?when=" + tb.when
		if !tb.own {
			kind = i18n.T("followups.todo_escalated")
			href = "/followups/all?when=" + tb.when
		}
		g.All = []web.Link{{Label: i18n.T("followups.todo_all", "name", i18n.T("followups.when."+tb.when), "n", strconv.Itoa(total)), Href: href}}
		for _, d := range list {
			g.Items = append(g.Items, web.TodoItem{Due: dueInstant(d.DueOn), Title: d.SubjectName,
				Kind: kind + " · " + i18n.T("followups.kind."+d.Kind) + " · " + d.RuleName, Where: d.GridName, Href: "/followups/duties/" + itoa(d.ID)})
		}
		out = append(out, g)
	}
	return out, nil
}

// dueInstant is the last instant of a due day, as the home page orders and
// words its items: a duty is done in time any time that day.
func dueInstant(on string) int64 {
	t, err := time.ParseInLocation(day, on, web.Local)
	if err != nil {
		return 0
	}
	return t.AddDate(0, 0, 1).UnixMilli() - 1
}

package patrols

import (
	"context"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// homeRoutes puts patrols on the home page: a grid worker's patrol not yet
// done today (or left running) as a to-do item, and the quick actions.
func (s *Service) homeRoutes(srv *web.Server) {
	srv.AddTodo(s)
	srv.AddAction(web.Action{Key: "patrols.action_patrol", Href: "/patrols", Perm: PermPatrol, Roles: []auth.Role{auth.RoleGridWorker}, Order: 13})
	srv.AddAction(web.Action{Key: "patrols.action_stats", Href: "/patrols/stats", Perm: PermStats, Order: 47})
}

// Todos is the grid worker's patrol of today: 今日尚未巡查 (or short of the
// target) until the day's minutes reach it, due at the end of the day; a
// patrol left running past MaxOpen is overdue (to be ended).
func (s *Service) Todos(ctx context.Context, p *auth.Principal, limit int) ([]web.TodoGroup, error) {
	if !p.Can(PermPatrol) || !p.Has(auth.RoleGridWorker) || p.UserID == 0 || limit <= 0 {
		return nil, nil
	}
	now := s.now().UnixMilli()
	cur, err := s.Current(ctx, p)
	if err != nil {
		return nil, err
	}
	if cur != nil {
		if !cur.Stale(now) {
			return nil, nil // on patrol now
		}
		return []web.TodoGroup{{Urgency: web.UrgencyOverdue, Total: 1, Items: []web.TodoItem{{Due: endAt(cur.StartedAt, now), Title: i18n.T("patrols.todo_stale"),
			Kind: i18n.T("patrols.todo_kind"), Where: cur.GridName, Href: "/patrols"}}}}, nil
	}
	grids, err := s.Grids(ctx, p)
	if err != nil || len(grids) == 0 {
		return nil, err
	}
	mins, err := s.MinutesOn(ctx, p, s.today())
	if err != nil {
		return nil, err
	}
	target, err := s.Target(ctx, grids[0].CommunityID)
	if err != nil {
		return nil, err
	}
	if mins >= target {
		return nil, nil
	}
	title := i18n.T("patrols.todo_none")
	if mins > 0 {
		title = i18n.T("patrols.todo_short", "n", mins, "target", target)
	}
	return []web.TodoGroup{{Urgency: web.UrgencyToday, Total: 1, Items: []web.TodoItem{{Due: web.EndOfDay(now) - 1, Title: title,
		Kind: i18n.T("patrols.todo_kind"), Where: grids[0].Name, Href: "/patrols"}}}}, nil
}

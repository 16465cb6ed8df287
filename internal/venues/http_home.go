package venues

import (
	"context"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// homeRoutes puts venues on the home page: bookings awaiting approval as
// to-do items of those who approve them.
func (s *Service) homeRoutes(srv *web.Server) {
	srv.AddTodo(s)
}

// Todos are the bookings waiting for p's approval (pending, in the
// communities p manages, not yet begun), soonest first: 待审批.
func (s *Service) Todos(ctx context.Context, p *auth.Principal, limit int) ([]web.TodoGroup, error) {
	if !p.Can(PermManage) || limit <= 0 {
		return nil, nil
	}
	list, err := s.Pending(ctx, p)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	today := dayOf(s.now().UnixMilli())
	g := web.TodoGroup{Urgency: web.UrgencyWaiting, Total: len(list), All: []web.Link{{Label: i18n.T("venues.todo_all"), Href: "/venues/bookings?status=pending&from=" + today}}}
	for _, b := range list {
		if len(g.Items) >= limit {
			break
		}
		g.Items = append(g.Items, web.TodoItem{Urgency: web.UrgencyWaiting, Due: b.StartsAt, Title: b.VenueName + "：" + b.Title + "（" + b.Who() + "）",
			Kind: i18n.T("venues.todo_kind"), Where: b.CommunityName, Href: "/venues/bookings/" + itoa(b.ID) + "/approve"})
	}
	return []web.TodoGroup{g}, nil
}

// Pending lists the bookings p may approve now, soonest first.
func (s *Service) Pending(ctx context.Context, p *auth.Principal) ([]*Booking, error) {
	if !p.Can(PermManage) {
		return nil, nil
	}
	sc, args := s.scopeSQL(ctx, p, "b.community_id")
	list, err := s.bookings(ctx, p, `SELECT `+bookingCols+bookingFrom+` WHERE b.status = 'pending' AND b.ends_at > ? AND `+sc+` ORDER BY b.starts_at, b.id LIMIT 500`,
		append([]any{s.now().UnixMilli()}, args...)...)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, b := range list {
		if b.Access.Approve {
			out = append(out, b)
		}
	}
	return out, nil
}

package activities

import (
	"context"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// Todos are the activities p manages that have ended and still need their
// summary (小结): 待办, waiting.
func (s *Service) Todos(ctx context.Context, p *auth.Principal, limit int) ([]web.TodoGroup, error) {
	if !p.Can(PermManage) || limit <= 0 {
		return nil, nil
	}
	list, err := s.NeedSummary(ctx, p)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	g := web.TodoGroup{Urgency: web.UrgencyWaiting, Total: len(list), All: []web.Link{{Label: i18n.T("activities.todo_all"), Href: "/activities?status=held"}}}
	for _, a := range list {
		if len(g.Items) >= limit {
			break
		}
		g.Items = append(g.Items, web.TodoItem{Urgency: web.UrgencyWaiting, Due: a.EndsAt, Title: a.Title, Kind: i18n.T("activities.todo_kind"),
			Where: a.CommunityName, Href: "/activities/" + itoa(a.ID) + "/summary"})
	}
	return []web.TodoGroup{g}, nil
}

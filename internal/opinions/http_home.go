package opinions

import (
	"context"
	"strconv"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// homeRoutes puts opinions on the home page: the unanswered ones as 待办,
// and the quick actions.
func (s *Service) homeRoutes(srv *web.Server) {
	srv.AddTodo(s)
	srv.AddAction(web.Action{Key: "opinions.action_new", Href: "/opinions/new", Perm: PermWrite, Roles: []auth.Role{auth.RoleGridWorker, auth.RoleSocialWorker}, Order: 30})
	srv.AddAction(web.Action{Key: "opinions.action_digest", Href: "/opinions/digest", Perm: PermRead, Roles: []auth.Role{auth.RoleStreetAdmin, auth.RoleCommunityAdmin}, Order: 47})
}

// Todos are the opinions in p's scope unanswered past TodoAfter, oldest
// first, as one 待受理 group.
func (s *Service) Todos(ctx context.Context, p *auth.Principal, limit int) ([]web.TodoGroup, error) {
	list, total, err := s.Unanswered(ctx, p, limit)
	if err != nil || total == 0 {
		return nil, err
	}
	g := web.TodoGroup{Urgency: web.UrgencyWaiting, Total: total,
		All: []web.Link{{Label: i18n.T("opinions.todo_all", "n", strconv.Itoa(total)), Href: "/opinions?status=open&late=1"}}}
	kind := i18n.T("opinions.todo_kind", "days", s.TodoDays())
	for _, o := range list {
		g.Items = append(g.Items, web.TodoItem{Due: o.CreatedAt + s.todoAfter().Milliseconds(), Title: clip(o.Content, 30),
			Kind: kind + " · " + o.CategoryName(), Where: o.GridName, Href: "/opinions/" + itoa(o.ID)})
	}
	return []web.TodoGroup{g}, nil
}

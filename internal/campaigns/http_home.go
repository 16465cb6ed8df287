package campaigns

import (
	"context"
	"strconv"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/web"
)

// todos are the home page's campaign items: for those who run a community's
// campaigns, its open tasks past their deadline (已超时) and rectifications
// due within a week (即将超时); for the street, campaigns awaiting its check
// (待处置).
type todos struct{ s *Service }

// Todos lists p's campaign items, at most limit per group.
func (t todos) Todos(ctx context.Context, p *auth.Principal, limit int) ([]web.TodoGroup, error) {
	s := t.s
	var out []web.TodoGroup
	if p.Can(PermRun) {
		held, err := s.Org.HeldPartitions(ctx, p)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, 0, len(held))
		for _, u := range held {
			ids = append(ids, u.ID)
		}
		if len(ids) > 0 {
			today := s.Today()
			soon := s.now().In(locale.Zone).AddDate(0, 0, 7).Format(time.DateOnly)
			cond, args := s.DB.Dialect().IDSet("t.community_id", ids)
			rows, err := s.DB.QueryContext(ctx, `SELECT t.id, t.campaign_id, t.title, t.deadline, t.origin, c.name, c.community_id FROM campaign_task t
				JOIN campaign c ON c.community_id = t.community_id AND c.id = t.campaign_id
				WHERE `+cond+` AND t.done_at = 0 AND c.state <> 'accepted' AND (t.deadline < ? OR (t.origin = 'rectification' AND t.deadline <= ?))
				ORDER BY t.deadline, t.id`, append(args, today, soon)...)
			if err != nil {
				return nil, err
			}
			late := web.TodoGroup{Urgency: web.UrgencyOverdue, All: []web.Link{{Label: i18n.T("campaigns.nav"), Href: "/campaigns"}}}
			due := web.TodoGroup{Urgency: web.UrgencySoon, All: late.All}
			for rows.Next() {
				var id, cid, comm int64
				var title, deadline, origin, name string
				if err := rows.Scan(&id, &cid, &title, &deadline, &origin, &name, &comm); err != nil {
					rows.Close()
					return nil, err
				}
				g := &due
				if deadline < today {
					g = &late
				}
				g.Total++
				if len(g.Items) < limit {
					where := ""
					if u, ok := s.Org.Lookup(ctx, comm); ok {
						where = u.Name
					}
					dl, _ := time.ParseInLocation(time.DateOnly, deadline, locale.Zone)
					g.Items = append(g.Items, web.TodoItem{Urgency: g.Urgency, Due: dl.AddDate(0, 0, 1).UnixMilli() - 1, Title: title,
						Kind: name + " · " + i18n.T("campaigns.origin."+origin), Where: where, Href: href(cid)})
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
			for _, g := range []web.TodoGroup{late, due} {
				if g.Total > 0 {
					out = append(out, g)
				}
			}
		}
	}
	if p.Can(PermCheck) {
		list, err := s.List(ctx, p, Filter{State: StateSelfChecked})
		if err != nil {
			return nil, err
		}
		g := web.TodoGroup{Urgency: web.UrgencyWaiting, All: []web.Link{{Label: i18n.T("campaigns.awaiting_check"), Href: "/campaigns?state=" + StateSelfChecked}}}
		for _, c := range list {
			if !c.Access.Check {
				continue
			}
			g.Total++
			if len(g.Items) < limit {
				g.Items = append(g.Items, web.TodoItem{Urgency: web.UrgencyWaiting, Title: c.Name + "（" + strconv.Itoa(c.Year) + "）",
					Kind: i18n.T("campaigns.awaiting_check"), Where: c.CommunityName, Href: href(c.ID)})
			}
		}
		if g.Total > 0 {
			out = append(out, g)
		}
	}
	return out, nil
}

// Todos lists p's campaign items as the home page shows them.
func (s *Service) Todos(ctx context.Context, p *auth.Principal, limit int) ([]web.TodoGroup, error) {
	return todos{s}.Todos(ctx, p, limit)
}

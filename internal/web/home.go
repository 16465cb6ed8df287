package web

import (
	"context"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
)

// The home page (工作台) answers "what must I do today" first. Modules fill
// it through four registration points, so that a new module adds its part
// without editing the page:
//
//   - AddTodo: the user's own to-do items by urgency (TodoProvider);
//   - AddAction: quick actions and, for administrators, what they administer;
//   - AddDashboard: the counts of the 概况 panel (DashboardProvider);
//   - AddCharts: charts within the user's scope (ChartProvider).

// Urgency of a to-do item. The home page groups items by it, most urgent
// first; a provider puts each item in exactly one group.
type Urgency int

const (
	UrgencyOverdue Urgency = iota // 已超时: past its time limit
	UrgencyToday                  // 今天到期: due before midnight, not yet overdue
	UrgencySoon                   // 即将超时: in its reminder window, due after today
	UrgencyWaiting                // 待受理/待处置: waiting, not yet close to its limit
)

// Urgencies in display order.
var Urgencies = []Urgency{UrgencyOverdue, UrgencyToday, UrgencySoon, UrgencyWaiting}

var urgencyCodes = []string{"overdue", "today", "soon", "waiting"}

var _ = i18n.Family("web.todo.", urgencyCodes...) && i18n.Family("web.todo_def.", urgencyCodes...)

// Code names the urgency in class names and catalogue keys.
func (u Urgency) Code() string { return urgencyCodes[u] }

// EndOfDay is the first instant (unix ms) of the day after the one now falls
// on, in the users' time zone: items due before it and not overdue are due
// today (UrgencyToday).
func EndOfDay(now int64) int64 {
	t := time.UnixMilli(now).In(Local)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, Local).UnixMilli()
}

// TodoItem is one thing waiting for the user, linking straight to it.
type TodoItem struct {
	Urgency Urgency
	Due     int64  // unix ms; 0 = no time limit
	Title   string // what it is about
	Kind    string // what kind of item and its state, e.g. "诉求 · 待受理"
	Where   string // where, briefly (a grid or community)
	Href    string
}

// Link is a labelled address.
type Link struct {
	Label, Href string
}

// TodoGroup is what a provider has of one urgency: the first items in due
// order (at most the limit asked for), how many there are in all, and where
// the full lists are.
type TodoGroup struct {
	Urgency Urgency
	Items   []TodoItem
	Total   int
	All     []Link
}

// TodoProvider lists the to-do items of p (only p's own: assigned to p or
// waiting at p's units, within p's scope), at most limit per urgency.
type TodoProvider interface {
	Todos(ctx context.Context, p *auth.Principal, limit int) ([]TodoGroup, error)
}

// AddTodo registers a provider of to-do items for the home page.
func (s *Server) AddTodo(t TodoProvider) { s.todos = append(s.todos, t) }

// TodoGroups are p's to-do items from every provider, one group per urgency
// that has any, most urgent first; within a group items are in due order
// (those without a time limit last) and at most limit are kept — but at least
// the first of each provider, so that no module's items vanish behind
// another's — while Total counts them all.
func (s *Server) TodoGroups(ctx context.Context, p *auth.Principal, limit int) ([]TodoGroup, error) {
	type tagged struct {
		TodoItem
		src int
	}
	byUrgency := map[Urgency]*TodoGroup{}
	items := map[Urgency][]tagged{}
	for src, t := range s.todos {
		groups, err := t.Todos(ctx, p, limit)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			if g.Total <= 0 && len(g.Items) == 0 {
				continue
			}
			m := byUrgency[g.Urgency]
			if m == nil {
				m = &TodoGroup{Urgency: g.Urgency}
				byUrgency[g.Urgency] = m
			}
			for _, it := range g.Items {
				it.Urgency = g.Urgency
				items[g.Urgency] = append(items[g.Urgency], tagged{it, src})
			}
			m.Total += max(g.Total, len(g.Items))
			m.All = append(m.All, g.All...)
		}
	}
	inDueOrder := func(list []tagged) {
		sort.SliceStable(list, func(i, j int) bool {
			a, b := list[i].Due, list[j].Due
			if (a == 0) != (b == 0) {
				return b == 0
			}
			return a < b
		})
	}
	var out []TodoGroup
	for _, u := range Urgencies {
		g := byUrgency[u]
		if g == nil {
			continue
		}
		list := items[u]
		inDueOrder(list)
		if len(list) > limit {
			kept := append([]tagged(nil), list[:limit]...)
			count := map[int]int{}
			for _, it := range kept {
				count[it.src]++
			}
			// The first left-out item of each provider with none kept takes
			// the place of the last item of a provider with several.
			for _, it := range list[limit:] {
				if count[it.src] > 0 {
					continue
				}
				for j := len(kept) - 1; j >= 0; j-- {
					if count[kept[j].src] > 1 {
						count[kept[j].src]--
						kept[j] = it
						count[it.src]++
						break
					}
				}
			}
			list = kept
			inDueOrder(list)
		}
		for _, it := range list {
			g.Items = append(g.Items, it.TodoItem)
		}
		out = append(out, *g)
	}
	return out, nil
}

// Action is an entry of the home page: a quick action (上报事件, 新增居民), or
// with Desc, something an administrator administers (账号, 组织架构).
type Action struct {
	Key   string      // catalogue key of the label
	Desc  string      // catalogue key of a one-line description (administration entries)
	Href  string      //
	Perm  auth.Perm   // shown only to holders of Perm
	Roles []auth.Role // and, if any, only to these roles (the role's own shortcuts)
	// Primary marks the action a role does most (上报事件 for a grid worker):
	// drawn as the main button, first on a phone.
	Primary bool
	Order   int
}

// AddAction registers a home page entry.
func (s *Server) AddAction(a Action) {
	s.actions = append(s.actions, a)
	sort.SliceStable(s.actions, func(i, j int) bool { return s.actions[i].Order < s.actions[j].Order })
}

// Actions are the entries p may use: p holds the permission and, where the
// entry names roles, one of them.
func (s *Server) Actions(p *auth.Principal) []Action {
	var out []Action
	for _, a := range s.actions {
		if !p.Can(a.Perm) {
			continue
		}
		ok := len(a.Roles) == 0
		for _, r := range a.Roles {
			ok = ok || p.Has(r)
		}
		if ok {
			out = append(out, a)
		}
	}
	return out
}

// ChartProvider draws charts of p's scope for the home page.
type ChartProvider interface {
	HomeCharts(ctx context.Context, p *auth.Principal) ([]Chart, error)
}

// AddCharts registers a provider of charts for the home page.
func (s *Server) AddCharts(c ChartProvider) { s.charts = append(s.charts, c) }

// registerAdminActions lists on the administrators' home pages what the
// shell's own pages administer (modules add theirs: org, calendar, case types,
// groups).
func (s *Server) registerAdminActions() {
	s.AddAction(Action{Key: "auth.users", Desc: "web.admin_users_desc", Href: "/admin/users", Perm: auth.PermUserAdmin, Order: 900})
	s.AddAction(Action{Key: "auth.users", Desc: "web.admin_users_lock_desc", Href: "/admin/users", Perm: auth.PermUserLock, Roles: []auth.Role{auth.RoleSecurityAdmin}, Order: 900})
	s.AddAction(Action{Key: "auth.security_policy", Desc: "web.admin_security_desc", Href: "/admin/security", Perm: auth.PermSecurityConfig, Order: 910})
	s.AddAction(Action{Key: "nav.audit", Desc: "web.admin_audit_desc", Href: "/admin/audit", Perm: auth.PermAuditRead, Order: 920})
	s.AddAction(Action{Key: "audit.verify", Desc: "web.admin_verify_desc", Href: "/admin/audit/verify", Perm: auth.PermAuditRead, Order: 921})
}

// ---- the page ----

// TodoLimit is how many items of each urgency the home page shows; the rest
// are behind the group's 查看全部 links.
const TodoLimit = 5

type homeTodo struct {
	TodoGroup
	Label, Def, Class string
	Rows              []homeTodoRow
}

type homeTodoRow struct {
	TodoItem
	DueText string
}

type homeAction struct {
	Label, Desc, Href string
}

type homeData struct {
	Todos    []homeTodo
	HasTodo  bool // p works on something: the 待办 block shows, empty or not
	TodoNone bool
	Primary  []homeAction
	Actions  []homeAction
	Admin    []homeAction
	Cards    []Card
	Charts   []template.HTML
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	d := homeData{}
	groups, err := s.TodoGroups(ctx, p, TodoLimit)
	if err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	for _, g := range groups {
		ht := homeTodo{TodoGroup: g, Label: i18n.T("web.todo." + g.Urgency.Code()), Def: i18n.T("web.todo_def." + g.Urgency.Code()), Class: "todo-" + g.Urgency.Code()}
		for _, it := range g.Items {
			ht.Rows = append(ht.Rows, homeTodoRow{TodoItem: it, DueText: dueText(it.Due, now)})
		}
		d.Todos = append(d.Todos, ht)
	}
	for _, a := range s.Actions(p) {
		ha := homeAction{Label: i18n.T(a.Key), Href: a.Href}
		switch {
		case a.Desc != "":
			ha.Desc = i18n.T(a.Desc)
			d.Admin = append(d.Admin, ha)
		case a.Primary:
			d.Primary = append(d.Primary, ha)
		default:
			d.Actions = append(d.Actions, ha)
		}
	}
	// Staff see the 待办 block, empty or not.
	d.HasTodo = len(d.Todos) > 0
	for _, ro := range auth.StaffRoles {
		d.HasTodo = d.HasTodo || p.Has(ro)
	}
	d.TodoNone = d.HasTodo && len(d.Todos) == 0
	for _, dp := range s.dashboards {
		cs, err := dp.DashboardCards(ctx, p)
		if err != nil {
			return err
		}
		d.Cards = append(d.Cards, cs...)
	}
	sort.SliceStable(d.Cards, func(i, j int) bool { return d.Cards[i].Order < d.Cards[j].Order })
	for _, cp := range s.charts {
		cs, err := cp.HomeCharts(ctx, p)
		if err != nil {
			return err
		}
		for _, c := range cs {
			d.Charts = append(d.Charts, c.HTML())
		}
	}
	return s.Render(w, r, "web/home.html", View{Title: i18n.T("nav.home"), ActiveNav: "/", Data: d})
}

// dueText says when an item is due, as the user reads it: 已超时 3 天,
// 今天 17:00 到期, 12月9日 到期.
func dueText(due, now int64) string {
	if due <= 0 {
		return ""
	}
	t := time.UnixMilli(due).In(Local)
	switch {
	case due <= now:
		late := time.Duration(now-due) * time.Millisecond
		if late >= 24*time.Hour {
			return i18n.T("web.due_late_days", "n", strconv.Itoa(int(late/(24*time.Hour))))
		}
		return i18n.T("web.due_late_hours", "n", strconv.Itoa(max(1, int(late/time.Hour))))
	case due < EndOfDay(now):
		return i18n.T("web.due_today", "time", t.Format("15:04"))
	}
	return i18n.T("web.due_on", "date", strconv.Itoa(int(t.Month()))+"月"+strconv.Itoa(t.Day())+"日")
}

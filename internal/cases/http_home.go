package cases

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
	"linli/internal/web"
)

// homeRoutes puts the cases module on the home page: the worker's queue as
// to-do items, the quick actions, and the charts of the rates.
func (s *Service) homeRoutes(srv *web.Server) {
	srv.AddTodo(s)
	srv.AddCharts(s)
	srv.AddAction(web.Action{Key: "cases.action_report", Href: "/cases/report", Perm: PermReport, Roles: []auth.Role{auth.RoleGridWorker, auth.RoleVolunteer}, Primary: true, Order: 10})
	srv.AddAction(web.Action{Key: "cases.action_request", Href: "/cases/new?type=request", Perm: PermWork, Roles: []auth.Role{auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleStreetAdmin}, Primary: true, Order: 10})
	srv.AddAction(web.Action{Key: "cases.action_portal_new", Href: "/portal/requests/new", Perm: PermPortal, Primary: true, Order: 10})
	srv.AddAction(web.Action{Key: "cases.action_portal_list", Href: "/portal/requests", Perm: PermPortal, Order: 11})
	srv.AddAction(web.Action{Key: "cases.action_all", Href: "/cases/all", Perm: PermWork, Roles: []auth.Role{auth.RoleStreetAdmin}, Order: 40})
	srv.AddAction(web.Action{Key: "cases.action_stats", Href: "/cases/stats", Perm: PermStats, Roles: []auth.Role{auth.RoleStreetAdmin, auth.RoleCommunityAdmin}, Order: 50})
	srv.AddAction(web.Action{Key: "cases.nav_types", Desc: "cases.admin_types_desc", Href: "/admin/case-types", Perm: PermConfigure, Order: 940})
}

// maxGridBars is how many grids the ranking shows (the rates page has them all).
const maxGridBars = 10

// todoBuckets are the home page's urgencies and the my-work bucket that holds
// exactly each one's cases.
var todoBuckets = []struct {
	urgency web.Urgency
	mine    string
}{
	{web.UrgencyOverdue, MineOverdue},
	{web.UrgencyToday, MineToday},
	{web.UrgencySoon, MineDueSoon},
	{web.UrgencyWaiting, mineWaiting},
}

// Todos are the open cases of p's queue (assigned to p, or held unassigned by
// one of p's units, within p's visibility), by urgency: the my-work buckets
// 已超时, 今天到期 and 即将超时, and the rest of the queue.
func (s *Service) Todos(ctx context.Context, p *auth.Principal, limit int) ([]web.TodoGroup, error) {
	if !p.Can(PermWork) {
		return nil, nil
	}
	w, err := s.MyWork(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []web.TodoGroup
	for _, b := range todoBuckets {
		g := web.TodoGroup{Urgency: b.urgency}
		switch b.mine {
		case mineWaiting:
			// The buckets above cut the queue (待受理 and 待处置) in four.
			g.Total = w.Intake + w.Todo - w.Overdue - w.Today - w.DueSoon
			for _, m := range []string{MineIntake, MineTodo} {
				g.All = append(g.All, web.Link{Label: i18n.T("cases.todo_more", "name", i18n.T("cases.mine."+m), "n", strconv.Itoa(w.Count(m))), Href: "/cases?mine=" + m})
			}
		default:
			g.Total = w.Count(b.mine)
			g.All = []web.Link{{Label: i18n.T("cases.todo_all", "name", i18n.T("cases.mine."+b.mine)), Href: "/cases?mine=" + b.mine}}
		}
		if g.Total <= 0 {
			continue
		}
		list, _, err := s.List(ctx, p, Filter{Mine: b.mine, Limit: limit})
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			where := c.GridName
			if where == "" {
				where = c.CommunityName
			}
			g.Items = append(g.Items, web.TodoItem{Due: c.DueAt, Title: c.Title, Kind: c.Number() + " · " + c.TypeName() + " · " + c.StageName(),
				Where: where, Href: "/cases/" + strconv.FormatInt(c.ID, 10)})
		}
		out = append(out, g)
	}
	return out, nil
}

// HomeCharts draws, for those who read the rates, the last twelve months of
// 受理量 and 按时办结率 and the grids ranked by 超时未办结 — the figures of the
// rates page (Stats), with the same names and 口径.
func (s *Service) HomeCharts(ctx context.Context, p *auth.Principal) ([]web.Chart, error) {
	if !p.Can(PermStats) {
		return nil, nil
	}
	key := fmt.Sprint(p.UserID, p.Roles, p.Lines, p.Scope.All, p.Scope.Communities, p.Scope.Grids)
	if charts, ok := s.charts.get(key); ok {
		return charts, nil
	}
	gen := caseWrites.Load()
	charts, err := s.homeCharts(ctx, p)
	if err == nil {
		s.charts.put(key, gen, charts)
	}
	return charts, err
}

// The home page's charts are a year of the rates page's aggregate, and the
// home page is opened far more often than a month's figures change: each
// reader's charts (keyed by everything their visibility depends on) are kept
// for chartTTL, and any case write in this process voids them. Another serve
// instance's writes show within chartTTL.
const (
	chartTTL     = time.Minute
	chartEntries = 1024
)

// caseWrites moves on every case write in this process (Service.inTx).
var caseWrites atomic.Uint64

// inTx is db.InTx for case writes: after it, kept charts are void.
func (s *Service) inTx(ctx context.Context, fn func(tx *db.Tx) error) error {
	defer caseWrites.Add(1)
	return s.DB.InTx(ctx, fn)
}

type chartEntry struct {
	charts []web.Chart
	gen    uint64
	at     time.Time
}

type chartCache struct {
	mu sync.Mutex
	m  map[string]chartEntry
}

func (c *chartCache) get(key string) ([]web.Chart, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.gen != caseWrites.Load() || time.Since(e.at) > chartTTL {
		return nil, false
	}
	return e.charts, true
}

// put keeps charts computed from what was committed at generation gen.
func (c *chartCache) put(key string, gen uint64, charts []web.Chart) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= chartEntries {
		c.m = map[string]chartEntry{}
	}
	c.m[key] = chartEntry{charts: charts, gen: gen, at: time.Now()}
}

func (s *Service) homeCharts(ctx context.Context, p *auth.Principal) ([]web.Chart, error) {
	now := time.Now().In(locale.Zone)
	first := time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, locale.Zone)
	st, err := s.Stats(ctx, p, StatsFilter{From: first.Format("2006-01"), To: now.Format("2006-01")})
	if err != nil {
		return nil, err
	}
	byMonth := map[string]Counts{}
	for _, m := range st.Months {
		byMonth[m.Month] = m.Counts
	}
	caption := i18n.T("cases.stats_hint_short", "from", st.From, "to", st.To)
	received := web.Chart{ID: "chart-received", Kind: web.ChartLine, Title: i18n.T("cases.chart_received"), Def: i18n.T("cases.stats_def.received"),
		Caption: caption, Label: i18n.T("cases.stats_month"), Value: i18n.T("cases.stats_received"), Empty: i18n.T("cases.chart_no_cases")}
	ontime := web.Chart{ID: "chart-ontime", Kind: web.ChartLine, Title: i18n.T("cases.chart_ontime"), Def: i18n.T("cases.stats_def.ontime"),
		Caption: caption, Label: i18n.T("cases.stats_month"), Value: i18n.T("cases.stats_ontime"), Percent: true, Empty: i18n.T("cases.chart_no_cases")}
	for i := 0; i < 12; i++ {
		m := first.AddDate(0, i, 0)
		key := m.Format("2006-01")
		c := byMonth[key]
		short := i18n.T("cases.chart_month", "m", strconv.Itoa(int(m.Month())))
		received.Points = append(received.Points, web.Point{Label: short, Long: key, Value: float64(c.Received)})
		r := Rate(c.ClosedOnTime, c.Closed)
		ontime.Points = append(ontime.Points, web.Point{Label: short, Long: key, Value: r * 100, None: r < 0, Text: c.OnTimeRate()})
	}
	charts := []web.Chart{received, ontime}
	// Grids ranked by 超时未办结, when there are grids to compare.
	type gridRow struct {
		StatsRow
		community string
	}
	var grids []gridRow
	communities := map[string]bool{}
	community := ""
	for _, r := range st.Rows {
		switch r.Level {
		case string(org.Community):
			community = r.Name
		case string(org.Grid):
			grids = append(grids, gridRow{r, community})
			communities[community] = true
		}
	}
	if len(grids) >= 2 {
		names := s.Org.LevelNames(ctx)
		sort.SliceStable(grids, func(i, j int) bool { return grids[i].OverdueOpen > grids[j].OverdueOpen })
		if len(grids) > maxGridBars {
			grids = grids[:maxGridBars]
		}
		bars := web.Chart{ID: "chart-grids", Kind: web.ChartBars, Title: i18n.T("cases.chart_grids"), Def: i18n.T("cases.stats_def.overdue_open"),
			Caption: caption, Label: i18n.T("cases.chart_grid"), Value: i18n.T("cases.stats_overdue_open"), Empty: i18n.T("cases.chart_no_overdue")}
		for _, g := range grids {
			// Grids of several communities are told apart by their community,
			// briefly beside the bar, in full in the table.
			short, long := g.Name, g.Name
			if len(communities) > 1 && g.community != "" {
				short = strings.TrimSuffix(g.community, names[org.Community]) + "·" + g.Name
				long = g.community + " " + g.Name
			}
			bars.Points = append(bars.Points, web.Point{Label: short, Long: long, Value: float64(g.OverdueOpen),
				Href: "/cases/stats?org=" + strconv.FormatInt(g.UnitID, 10) + "&from=" + st.From + "&to=" + st.To})
		}
		charts = append(charts, bars)
	}
	return charts, nil
}

package cases_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/cases"
	"linli/internal/db"
	"linli/internal/web"
)

// The home page's 待办 comes through web.Server.AddTodo: the cases of the
// user's own queue, each in exactly one urgency group (已超时, 今天到期, 即将超时,
// 待受理/待处置), most urgent group first, in due order within a group, never
// a case of another grid or of the community's own queue; each group's total
// is the my-work bucket of the same name, so the home page and the work page
// count alike.
func TestHomeTodosByUrgency(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		gw := w.Principal(t, "grid_worker")
		before, err := w.App.Cases.MyWork(ctx, gw)
		mustNil(t, err)
		now := db.Now()
		day := int64(24 * time.Hour / time.Millisecond)
		midday := now + (web.EndOfDay(now)-now)/2 // later today, whatever the hour
		add := func(title, stage string, grid, holder, assignee, due, remind int64) int64 {
			t.Helper()
			level := cases.LevelGrid
			if holder == w.C1 {
				level = cases.LevelCommunity
			}
			var ids []int64
			mustNil(t, w.DB.InTx(ctx, func(tx *db.Tx) error {
				var err error
				ids, err = cases.InsertBulk(ctx, tx, []cases.BulkCase{{Type: "request", Category: "property", Stage: stage, Title: title, Source: "phone",
					CommunityID: w.C1, GridID: grid, Level: level, HolderOrgID: holder, AssigneeID: assignee,
					CreatedAt: now - 10*day, RespondDueAt: now - 9*day, DueAt: due, RemindAt: remind}})
				return err
			}))
			return ids[0]
		}
		me := w.Users["grid_worker"]
		lateOld := add("待办甲超时久", "accepted", w.GridA, w.GridA, 0, now-3*day, now-4*day)
		lateNew := add("待办乙超时近", "dispatched", w.GridA, w.GridA, me, now-day, now-2*day)
		today := add("待办丙今天", "new", w.GridA, w.GridA, 0, midday, 0)
		soon := add("待办丁将超时", "accepted", w.GridA, w.GridA, me, now+2*day, now-3600_000)
		waiting := add("待办戊不急", "new", w.GridA, w.GridA, 0, now+6*day, now+5*day)
		otherGrid := add("待办己他格", "accepted", w.GridB, w.GridB, 0, now-day, now-2*day)
		community := add("待办庚社区", "new", w.GridA, w.C1, 0, now-day, now-2*day)
		colleague := add("待办辛同事", "accepted", w.GridA, w.GridA, w.Users["social_worker"], now-day, now-2*day)

		// The cases module's own groups (the home page merges other modules' in).
		groups, err := w.App.Cases.Todos(ctx, gw, 50)
		mustNil(t, err)
		after, err := w.App.Cases.MyWork(ctx, gw)
		mustNil(t, err)
		if d := after.Today - before.Today; d != 1 {
			t.Errorf("MyWork counts %d more due today, want 1", d)
		}
		href := func(id int64) string { return fmt.Sprintf("/cases/%d", id) }
		want := map[web.Urgency][]int64{web.UrgencyOverdue: {lateOld, lateNew}, web.UrgencyToday: {today}, web.UrgencySoon: {soon}, web.UrgencyWaiting: {waiting}}
		totals := map[web.Urgency]int{web.UrgencyOverdue: after.Overdue, web.UrgencyToday: after.Today, web.UrgencySoon: after.DueSoon,
			web.UrgencyWaiting: after.Intake + after.Todo - after.Overdue - after.Today - after.DueSoon}
		where := map[string]web.Urgency{}
		var order []web.Urgency
		for _, g := range groups {
			order = append(order, g.Urgency)
			if g.Total != totals[g.Urgency] {
				t.Errorf("group %s: total %d, want %d", g.Urgency.Code(), g.Total, totals[g.Urgency])
			}
			for i, it := range g.Items {
				if _, dup := where[it.Href]; dup {
					t.Errorf("%s in two groups", it.Href)
				}
				where[it.Href] = g.Urgency
				if i > 0 && it.Due < g.Items[i-1].Due {
					t.Errorf("group %s out of due order at %d", g.Urgency.Code(), i)
				}
			}
			if len(g.All) == 0 || !strings.HasPrefix(g.All[0].Href, "/cases?mine=") {
				t.Errorf("group %s has no link to its full list: %+v", g.Urgency.Code(), g.All)
			}
		}
		if fmt.Sprint(order) != fmt.Sprint([]web.Urgency{web.UrgencyOverdue, web.UrgencyToday, web.UrgencySoon, web.UrgencyWaiting}) {
			t.Errorf("groups in order %v", order)
		}
		for u, ids := range want {
			for _, id := range ids {
				if got, ok := where[href(id)]; !ok || got != u {
					t.Errorf("case %d in group %v (listed %v), want %s", id, got.Code(), ok, u.Code())
				}
			}
		}
		// Within 已超时, the longer overdue first.
		for _, g := range groups {
			if g.Urgency == web.UrgencyOverdue {
				pos := map[string]int{}
				for i, it := range g.Items {
					pos[it.Href] = i
				}
				if pos[href(lateOld)] > pos[href(lateNew)] {
					t.Errorf("已超时 not in due order: %+v", g.Items)
				}
			}
		}
		for _, id := range []int64{otherGrid, community, colleague} {
			if u, ok := where[href(id)]; ok {
				t.Errorf("the grid worker's 待办 holds case %d (%s), not theirs", id, u.Code())
			}
		}
		// At most the limit per group; the total still counts them all.
		groups, err = w.App.Web.TodoGroups(ctx, gw, 1)
		mustNil(t, err)
		for _, g := range groups {
			if len(g.Items) > 1 || (g.Urgency == web.UrgencyOverdue && (g.Total < 2 || g.Items[0].Href != href(lateOld))) {
				t.Errorf("limited to 1: group %s %d items of %d: %+v", g.Urgency.Code(), len(g.Items), g.Total, g.Items)
			}
		}

		// The page: the items link straight to the case, 已超时 is marked, and
		// another grid's case is nowhere.
		srv := w.Server(t)
		_, body := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password).Get("/")
		for _, s := range []string{`<div class="todo-group todo-overdue" id="todo-overdue">`, `<a href="` + href(lateOld) + `"><span class="todo-title">待办甲超时久</span>`, `id="todo-today"`, `id="todo-soon"`, `id="todo-waiting"`} {
			if !strings.Contains(body, s) {
				t.Errorf("home of the grid worker lacks %s", s)
			}
		}
		for _, s := range []string{"待办己他格", "待办庚社区", "待办辛同事"} {
			if strings.Contains(body, s) {
				t.Errorf("home of the grid worker shows %s", s)
			}
		}
		// The community leader's queue is the community's.
		leader := w.Principal(t, "community_admin")
		groups, err = w.App.Web.TodoGroups(ctx, leader, 50)
		mustNil(t, err)
		found := false
		for _, g := range groups {
			for _, it := range g.Items {
				found = found || it.Href == href(community)
				if it.Href == href(lateOld) || it.Href == href(otherGrid) {
					t.Errorf("the leader's 待办 holds a grid's unassigned case %s", it.Href)
				}
			}
		}
		if !found {
			t.Error("the leader's 待办 lacks the community's case")
		}
		// Those who do not work cases have none.
		for _, u := range []string{"volunteer", "resident", "sys_admin"} {
			groups, err := w.App.Web.TodoGroups(ctx, w.Principal(t, u), 5)
			mustNil(t, err)
			for _, g := range groups {
				for _, it := range g.Items {
					if strings.HasPrefix(it.Href, "/cases/") {
						t.Errorf("%s has a case in 待办: %+v", u, it)
					}
				}
			}
		}
	})
}

// The home page's charts are the rates page's figures for the same months and
// units: 受理量 and 按时办结率 month by month, 超时未办结 by grid, the numbers
// of each also in its table; a grid worker gets no ranking of one grid.
func TestHomeChartsAreTheStats(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		now := db.Now()
		day := int64(24 * time.Hour / time.Millisecond)
		mustNil(t, w.DB.InTx(ctx, func(tx *db.Tx) error {
			var list []cases.BulkCase
			for i, g := range []int64{w.GridA, w.GridB, w.GridB} {
				list = append(list, cases.BulkCase{Type: "request", Category: "property", Stage: "accepted", Title: fmt.Sprint("图表", i), Source: "phone",
					CommunityID: w.C1, GridID: g, Level: cases.LevelGrid, HolderOrgID: g, CreatedAt: now - 5*day, RespondDueAt: now - 4*day, DueAt: now - day})
			}
			_, err := cases.InsertBulk(ctx, tx, list)
			return err
		}))
		leader := w.Principal(t, "community_admin")
		charts, err := w.App.Cases.HomeCharts(ctx, leader)
		mustNil(t, err)
		if len(charts) != 3 || charts[0].ID != "chart-received" || charts[1].ID != "chart-ontime" || charts[2].ID != "chart-grids" {
			t.Fatalf("charts %+v", charts)
		}
		loc := time.Now().In(web.Local)
		first := time.Date(loc.Year(), loc.Month()-11, 1, 0, 0, 0, 0, web.Local)
		st, err := w.App.Cases.Stats(ctx, leader, cases.StatsFilter{From: first.Format("2006-01"), To: loc.Format("2006-01")})
		mustNil(t, err)
		months := map[string]cases.Counts{}
		for _, m := range st.Months {
			months[m.Month] = m.Counts
		}
		if len(charts[0].Points) != 12 || charts[0].Points[11].Long != loc.Format("2006-01") {
			t.Fatalf("months %+v", charts[0].Points)
		}
		for i, pt := range charts[0].Points {
			c := months[pt.Long]
			if int(pt.Value) != c.Received || charts[1].Points[i].Text != c.OnTimeRate() {
				t.Errorf("%s: 受理量 %v 按时办结率 %s, stats %d %s", pt.Long, pt.Value, charts[1].Points[i].Text, c.Received, c.OnTimeRate())
			}
		}
		var b, a int
		for _, r := range st.Rows {
			switch r.UnitID {
			case w.GridA:
				a = r.OverdueOpen
			case w.GridB:
				b = r.OverdueOpen
			}
		}
		bars := charts[2].Points
		if b < 2 || a < 1 || bars[0].Value != float64(b) || bars[1].Value != float64(a) || bars[0].Value < bars[len(bars)-1].Value {
			t.Errorf("grids ranked %+v, stats A %d B %d", bars, a, b)
		}
		html := string(charts[2].HTML())
		for _, s := range []string{`<svg class="chart-svg"`, `role="img"`, `<table class="chart-table">`, fmt.Sprintf(`<td>%d</td>`, b), `<details class="def">`} {
			if !strings.Contains(html, s) {
				t.Errorf("bars chart lacks %s:\n%s", s, html)
			}
		}
		gwCharts, err := w.App.Cases.HomeCharts(ctx, w.Principal(t, "grid_worker"))
		mustNil(t, err)
		if len(gwCharts) != 2 {
			t.Errorf("the grid worker gets %d charts", len(gwCharts))
		}
		for _, u := range []string{"volunteer", "resident", "sys_admin"} {
			if c, err := w.App.Cases.HomeCharts(ctx, w.Principal(t, u)); err != nil || len(c) != 0 {
				t.Errorf("%s gets charts %v %v", u, c, err)
			}
		}
		// The charts are kept between page loads, but a new case shows at once.
		before := charts[0].Points[11].Value
		_, err = w.App.Cases.Create(ctx, leader, cases.CreateInput{Type: "request", Category: "property", Title: "图表之后", GridID: w.GridA})
		mustNil(t, err)
		again, err := w.App.Cases.HomeCharts(ctx, leader)
		mustNil(t, err)
		if got := again[0].Points[11].Value; got != before+1 {
			t.Errorf("after a new case this month's 受理量 is %v, was %v", got, before)
		}
	})
}

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"linli/internal/auth"
	"linli/internal/cases"
	"linli/internal/org"
	"linli/internal/web"
)

// homeViewports are the desktop and the 390 px phone the home page is
// checked on.
var homeViewports = []struct {
	name string
	w, h int64
}{{"desktop", 1280, 900}, {"phone", 390, 844}}

// The home page per role, on a desktop and a phone: a grid worker's 待办 and
// 上报事件 come first, the groups counted as the work page and the follow-up
// due lists count them and 已超时 marked, each item a link to its case or duty; the 概况 panel has no 社区 count
// for a grid worker; the charts are SVG with their tables, holding the rates
// page's numbers; the community leader's and the street's actions, ranking of
// grids and counts; the system administrator's header names the role once and
// the page lists what it administers; 接口令牌 only for those who may create
// tokens.
func TestHomePerRole(t *testing.T) {
	site := StartDemo(t, 300)
	ctx := Browser(t)
	bg := context.Background()
	principal := func(user string) *auth.Principal {
		t.Helper()
		res, err := site.App.Auth.Login(bg, user, DemoPassword, "e2e", "e2e", auth.KindWeb)
		if err != nil {
			t.Fatal(err)
		}
		return res.Principal
	}
	texts := func(css string) []string {
		t.Helper()
		return Eval[[]string](t, ctx, `Array.from(document.querySelectorAll(`+jsString(css)+`)).map(e => e.textContent.trim())`)
	}
	// Charts carry the rates page's figures for the same twelve months.
	checkCharts := func(p *auth.Principal, wantGrids bool) {
		t.Helper()
		now := time.Now().In(web.Local)
		first := time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, web.Local)
		st, err := site.App.Cases.Stats(bg, p, cases.StatsFilter{From: first.Format("2006-01"), To: now.Format("2006-01")})
		if err != nil {
			t.Fatal(err)
		}
		months := map[string]cases.Counts{}
		for _, m := range st.Months {
			months[m.Month] = m.Counts
		}
		var received, ontime []string
		some := 0
		for i := 0; i < 12; i++ {
			c := months[first.AddDate(0, i, 0).Format("2006-01")]
			received = append(received, fmt.Sprint(c.Received))
			ontime = append(ontime, c.OnTimeRate())
			some += c.Received
		}
		if some == 0 {
			t.Fatal("the demo has no cases in the last twelve months")
		}
		for _, id := range []string{"#chart-received", "#chart-ontime"} {
			if n := Eval[int](t, ctx, `document.querySelectorAll('`+id+` svg[role=img] circle').length`); n == 0 {
				t.Errorf("%s has no points", id)
			}
		}
		if got := texts(`#chart-received tbody td`); strings.Join(got, " ") != strings.Join(received, " ") {
			t.Errorf("受理量 table %v, stats %v", got, received)
		}
		if got := texts(`#chart-ontime tbody td`); strings.Join(got, " ") != strings.Join(ontime, " ") {
			t.Errorf("按时办结率 table %v, stats %v", got, ontime)
		}
		// Same name and 口径 as the rates page.
		if def := Eval[string](t, ctx, `document.querySelector('#chart-received details.def summary').title`); def != "统计期间登记的事项数（合并的重复事项不计）。" {
			t.Errorf("受理量 口径 %q", def)
		}
		hasGrids := Eval[bool](t, ctx, `document.querySelector('#chart-grids') !== null`)
		if hasGrids != wantGrids {
			t.Fatalf("ranking of grids shown: %v, want %v", hasGrids, wantGrids)
		}
		if !wantGrids {
			return
		}
		// By the table's label: the grid, after its community when the
		// chart covers several.
		overdue := map[string]int{}
		most, community := 0, ""
		for _, r := range st.Rows {
			switch r.Level {
			case "community":
				community = r.Name
			case "grid":
				overdue[r.Name] = r.OverdueOpen
				overdue[community+" "+r.Name] = r.OverdueOpen
				most = max(most, r.OverdueOpen)
			}
		}
		rows := Eval[[][]string](t, ctx, `Array.from(document.querySelectorAll('#chart-grids tbody tr')).map(r => [r.cells[0].textContent, r.cells[1].textContent])`)
		if len(rows) == 0 || rows[0][1] != fmt.Sprint(most) {
			t.Errorf("grids ranked %v, the largest 超时未办结 is %d", rows, most)
		}
		for _, r := range rows {
			if n, ok := overdue[r[0]]; !ok || fmt.Sprint(n) != r[1] {
				t.Errorf("grid %s: %s in the chart, %d on the rates page", r[0], r[1], overdue[r[0]])
			}
		}
		if n := Eval[int](t, ctx, `document.querySelectorAll('#chart-grids svg rect.bar').length`); n != len(rows) {
			t.Errorf("%d bars for %d rows", n, len(rows))
		}
	}
	// The 待办 groups hold what the work page and the follow-up due lists
	// count, in urgency order, and 已超时 is drawn in red.
	checkTodo := func(p *auth.Principal) {
		t.Helper()
		w, err := site.App.Cases.MyWork(bg, p)
		if err != nil {
			t.Fatal(err)
		}
		fu := map[web.Urgency]int{}
		groups, err := site.App.Followups.Todos(bg, p, web.TodoLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range groups {
			fu[g.Urgency] += g.Total
		}
		// Patrols' (今日尚未巡查) join the same groups.
		pgroups, err := site.App.Patrols.Todos(bg, p, web.TodoLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range pgroups {
			fu[g.Urgency] += g.Total
		}
		ops, err := site.App.Opinions.Todos(bg, p, web.TodoLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range ops {
			fu[g.Urgency] += g.Total
		}
		// Venues' bookings awaiting approval (待审批) join the waiting group.
		vgroups, err := site.App.Venues.Todos(bg, p, web.TodoLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range vgroups {
			fu[g.Urgency] += g.Total
		}
		// Volunteers' registrations and service records awaiting
		// confirmation (待确认) too.
		volgroups, err := site.App.Volunteers.Todos(bg, p, web.TodoLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range volgroups {
			fu[g.Urgency] += g.Total
		}
		// Activities awaiting their summary (待小结) join the waiting group.
		agroups, err := site.App.Activities.Todos(bg, p, web.TodoLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range agroups {
			fu[g.Urgency] += g.Total
		}
		// Reports to fill (by due date) and to review (waiting) too.
		rgroups, err := site.App.Reports.Todos(bg, p, web.TodoLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range rgroups {
			fu[g.Urgency] += g.Total
		}
		// Campaigns' late tasks, rectifications due and runs to check.
		cgroups, err := site.App.Campaigns.Todos(bg, p, web.TodoLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range cgroups {
			fu[g.Urgency] += g.Total
		}
		var want []string
		for _, g := range []struct {
			id string
			n  int
		}{{"todo-overdue", w.Overdue + fu[web.UrgencyOverdue]}, {"todo-today", w.Today + fu[web.UrgencyToday]}, {"todo-soon", w.DueSoon + fu[web.UrgencySoon]},
			{"todo-waiting", w.Intake + w.Todo - w.Overdue - w.Today - w.DueSoon + fu[web.UrgencyWaiting]}} {
			if g.n > 0 {
				want = append(want, fmt.Sprintf("%s %d", g.id, g.n))
			}
		}
		got := Eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#todo .todo-group')).map(g => g.id + ' ' + g.querySelector('.count').textContent)`)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("待办 groups %v, want %v", got, want)
		}
		if len(want) == 0 {
			t.Fatal("the demo gives this account no 待办")
		}
		for _, n := range Eval[[]int](t, ctx, `Array.from(document.querySelectorAll('#todo .todo-list')).map(l => l.children.length)`) {
			if n > web.TodoLimit {
				t.Errorf("a group shows %d items", n)
			}
		}
		if w.Overdue+fu[web.UrgencyOverdue] > 0 {
			if c := Eval[string](t, ctx, `getComputedStyle(document.querySelector('#todo-overdue h3')).color`); c != "rgb(207, 34, 46)" {
				t.Errorf("已超时 drawn in %s", c)
			}
		}
	}
	// The first item leads straight to its case or follow-up duty.
	followFirstTodo := func() {
		t.Helper()
		title := Text(t, ctx, `#todo .todo-list a .todo-title`)
		href := Eval[string](t, ctx, `document.querySelector('#todo .todo-list a').getAttribute('href')`)
		if !strings.HasPrefix(href, "/cases/") && !strings.HasPrefix(href, "/followups/duties/") && !strings.HasPrefix(href, "/opinions/") &&
			!strings.HasPrefix(href, "/reports/") && !strings.HasPrefix(href, "/campaigns/") {
			t.Fatalf("first 待办 links to %s", href)
		}
		Do(t, ctx, chromedp.Click(Sel(`#todo .todo-list a`)), WaitURL(href), WaitSel(`h1`))
		if h1 := Text(t, ctx, "main"); !strings.Contains(h1, title) {
			t.Errorf("%s does not show %q", href, title)
		}
		Do(t, ctx, chromedp.Navigate(site.URL+"/"), WaitSel(`main`))
	}
	top := func(css string) float64 {
		t.Helper()
		return Eval[float64](t, ctx, `document.querySelector(`+jsString(css)+`).getBoundingClientRect().top + window.scrollY`)
	}

	for _, vp := range homeViewports {
		t.Run(vp.name, func(t *testing.T) {
			Do(t, ctx, chromedp.EmulateViewport(vp.w, vp.h))

			// The grid worker.
			gw := principal("grid_worker")
			Do(t, ctx, Login(site.URL, "grid_worker", DemoPassword), chromedp.Navigate(site.URL+"/"), WaitSel(`#todo`))
			if got := texts(`#home-actions a.primary`); strings.Join(got, ",") != "上报事件" {
				t.Errorf("grid worker's main action %v", got)
			}
			if got := texts(`#home-actions a`); !strings.Contains(strings.Join(got, ","), "查找居民") || strings.Contains(strings.Join(got, ","), "导入台账") {
				t.Errorf("grid worker's actions %v", got)
			}
			checkTodo(gw)
			for _, dt := range texts(`#overview dt`) {
				if dt == "社区" {
					t.Errorf("the grid worker's 概况 counts 社区: %v", texts(`#overview .figures > div`))
				}
			}
			if main := Text(t, ctx, "main"); strings.Contains(main, "0 社区") || strings.Contains(main, "社区0") {
				t.Error("the grid worker's page says 0 社区")
			}
			checkCharts(gw, false)
			if n := Eval[int](t, ctx, `document.querySelectorAll('header a[href="/account/tokens"]').length`); n != 1 {
				t.Errorf("grid worker: %d 接口令牌 links", n)
			}
			if role := texts(`.who .role`); strings.Join(role, ",") != "网格员" {
				t.Errorf("grid worker's role %v", role)
			}
			if vp.name == "phone" {
				// First on the phone: the report button, then the 待办,
				// then the counts and charts.
				report, todo, overview, charts := top(`#home-actions a.primary`), top(`#todo`), top(`#overview`), top(`#charts`)
				if !(report < todo && todo < overview && overview < charts) || todo > float64(vp.h) {
					t.Errorf("phone order: report %v, 待办 %v, 概况 %v, charts %v", report, todo, overview, charts)
				}
				if w := Eval[float64](t, ctx, `document.querySelector('#home-actions a.primary').getBoundingClientRect().width`); w < 300 {
					t.Errorf("the report button is %v px wide on a phone", w)
				}
				if sw := Eval[int](t, ctx, `document.documentElement.scrollWidth`); sw > 390 {
					t.Errorf("the page is %d px wide on a 390 px phone", sw)
				}
				if svgW := Eval[float64](t, ctx, `document.querySelector('#chart-received svg').getBoundingClientRect().width`); svgW > 390 || svgW < 300 {
					t.Errorf("the chart is %v px wide on a phone", svgW)
				}
			}
			// 口径 shows on tap, without script.
			Do(t, ctx, chromedp.Click(Sel(`#todo .todo-group details.def summary`)))
			if def := Text(t, ctx, `#todo .todo-group details.def[open] .def-text`); def == "" {
				t.Error("口径 does not open")
			}
			// A second tap closes it: on a desktop it opens over the list.
			Do(t, ctx, chromedp.Click(Sel(`#todo .todo-group details.def summary`)))
			if open := Eval[bool](t, ctx, `!!document.querySelector('#todo .todo-group details.def[open]')`); open {
				t.Error("口径 does not close")
			}
			followFirstTodo()
			Do(t, ctx, Logout())

			// The community leader.
			leader := principal("community_admin")
			Do(t, ctx, Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(site.URL+"/"), WaitSel(`#todo`))
			if got := texts(`#home-actions a`); strings.Join(got, ",") != "受理诉求,查找居民,新增居民,导入台账,全部走访任务,走访规则,巡查统计,社情民意月报,考核统计" {
				t.Errorf("community leader's actions %v", got)
			}
			checkTodo(leader)
			if got := texts(`#todo-overdue .todo-due`); len(got) == 0 || !strings.HasPrefix(got[0], "已超时") {
				t.Errorf("overdue items say %v", got)
			}
			if dts := "," + strings.Join(texts(`#overview dt`), ",") + ","; !strings.Contains(dts, ",在册居民,") || !strings.Contains(dts, ",网格,") || strings.Contains(dts, ",社区,") {
				t.Errorf("community leader's 概况: %s", dts)
			}
			checkCharts(leader, true)
			// A figure on both pages has one name and one 口径: the home
			// page's charts and the rates page's totals.
			defs := func() map[string]string {
				return Eval[map[string]string](t, ctx, `(function(){const m={}; for (const d of document.querySelectorAll('details.def')) { const box = d.closest('figure') ? d.closest('figcaption') : d.parentElement; m[box.textContent.replace(d.textContent,'').trim()] = d.querySelector('summary').title } return m})()`)
			}
			home := defs()
			Do(t, ctx, chromedp.Navigate(site.URL+"/cases/stats"), WaitSel(`#stats-total`))
			stats := defs()
			for homeName, statsName := range map[string]string{"受理量（近 12 个月）": "受理量", "按时办结率（近 12 个月）": "按时办结率", "各网格超时未办结（近 12 个月登记）": "超时未办结"} {
				var h string
				for k, v := range home {
					if strings.HasPrefix(k, homeName) {
						h = v
					}
				}
				if h == "" || h != stats[statsName] {
					t.Errorf("口径 of %s on the home page %q, of %s on the rates page %q", homeName, h, statsName, stats[statsName])
				}
			}
			if !strings.Contains(stats["超时未办结"], "已超时") {
				t.Errorf("超时未办结 does not say how it differs from the home page's 已超时: %q", stats["超时未办结"])
			}
			Do(t, ctx, chromedp.Navigate(site.URL+"/"), WaitSel(`#todo`))
			followFirstTodo()
			Do(t, ctx, Logout())

			// The street.
			street := principal("street_admin")
			Do(t, ctx, Login(site.URL, "street_admin", DemoPassword), chromedp.Navigate(site.URL+"/"), WaitSel(`#charts`))
			if got := texts(`#home-actions a.primary`); strings.Join(got, ",") != "受理诉求" {
				t.Errorf("street's main action %v", got)
			}
			comms, err := site.App.Org.InScope(bg, street, org.Community)
			if err != nil {
				t.Fatal(err)
			}
			if got := Eval[string](t, ctx, `(function(){for (const d of document.querySelectorAll('#overview .figures > div')) if (d.querySelector('dt').textContent === '社区') return d.querySelector('dd').textContent.trim(); return ''})()`); got != fmt.Sprint(len(comms)) {
				t.Errorf("street's 社区 count %q, want %d", got, len(comms))
			}
			checkCharts(street, true)
			Do(t, ctx, Logout())

			// The system administrator.
			Do(t, ctx, Login(site.URL, "sys_admin", DemoPassword), chromedp.Navigate(site.URL+"/"), WaitSel(`#home-admin`))
			if who := Text(t, ctx, ".who"); strings.Count(who, "系统管理员") != 1 {
				t.Errorf("the header names the role %d times: %q", strings.Count(who, "系统管理员"), who)
			}
			if n := Eval[int](t, ctx, `document.querySelectorAll('a[href="/account/tokens"]').length`); n != 0 {
				t.Error("the system administrator is offered 接口令牌")
			}
			hrefs := strings.Join(Eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#home-admin a')).map(a => a.getAttribute('href'))`), " ")
			for _, h := range []string{"/admin/users", "/org", "/admin/calendar", "/admin/case-types", "/registry/tags"} {
				if !strings.Contains(hrefs+" ", h+" ") {
					t.Errorf("the system administrator's home lacks %s: %s", h, hrefs)
				}
			}
			for _, css := range []string{"#todo", "#charts", "#home-actions"} {
				if Eval[bool](t, ctx, `document.querySelector('`+css+`') !== null`) {
					t.Errorf("the system administrator's home has %s", css)
				}
			}
			Do(t, ctx, chromedp.Click(Sel(`#home-admin a[href="/admin/calendar"]`)), WaitURL("/admin/calendar"))
			Do(t, ctx, Logout())
		})
	}
}

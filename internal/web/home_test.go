package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"linli/internal/auth"
)

type fakeTodos []TodoGroup

func (f fakeTodos) Todos(_ context.Context, _ *auth.Principal, limit int) ([]TodoGroup, error) {
	out := make([]TodoGroup, len(f))
	for i, g := range f {
		if len(g.Items) > limit {
			g.Items = g.Items[:limit]
		}
		out[i] = g
	}
	return out, nil
}

// Items of several providers meet in one group per urgency, most urgent group
// first, in due order within a group (no time limit last), at most the limit
// shown while the total counts them all — each provider keeping at least one
// item — and every provider's full list linked.
func TestTodoGroupsMergeProviders(t *testing.T) {
	s := &Server{}
	s.AddTodo(fakeTodos{
		{Urgency: UrgencyWaiting, Total: 7, Items: []TodoItem{{Title: "a-w1", Due: 50}, {Title: "a-w2", Due: 90}}, All: []Link{{"A", "/a"}}},
		{Urgency: UrgencyOverdue, Total: 2, Items: []TodoItem{{Title: "a-o1", Due: 10}, {Title: "a-o2", Due: 30}}, All: []Link{{"A", "/a?o"}}},
		{Urgency: UrgencySoon, Total: 0},
	})
	s.AddTodo(fakeTodos{
		{Urgency: UrgencyOverdue, Total: 1, Items: []TodoItem{{Title: "b-o1", Due: 20}}, All: []Link{{"B", "/b?o"}}},
		{Urgency: UrgencyWaiting, Total: 1, Items: []TodoItem{{Title: "b-w0"}}},
		{Urgency: UrgencyToday, Total: 1, Items: []TodoItem{{Title: "b-t1", Due: 40, Urgency: UrgencyOverdue}}},
	})
	groups, err := s.TodoGroups(context.Background(), &auth.Principal{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range groups {
		var titles []string
		for _, it := range g.Items {
			titles = append(titles, it.Title)
			if it.Urgency != g.Urgency {
				t.Errorf("%s carries urgency %d in group %d", it.Title, it.Urgency, g.Urgency)
			}
		}
		var links []string
		for _, l := range g.All {
			links = append(links, l.Href)
		}
		got = append(got, fmt.Sprintf("%s %d [%s] %s", g.Urgency.Code(), g.Total, strings.Join(titles, " "), strings.Join(links, " ")))
	}
	want := []string{
		"overdue 3 [a-o1 b-o1] /a?o /b?o",
		"today 1 [b-t1] ",
		"waiting 8 [a-w1 b-w0] /a", // b's only item keeps a place
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("groups:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Quick actions show only to holders of their permission and, where named,
// of one of their roles.
func TestActionsByPermissionAndRole(t *testing.T) {
	s := &Server{}
	s.AddAction(Action{Key: "b", Href: "/b", Perm: PermHome, Roles: []auth.Role{auth.RoleGridWorker}, Order: 2})
	s.AddAction(Action{Key: "a", Href: "/a", Perm: PermHome, Order: 1})
	s.AddAction(Action{Key: "c", Href: "/c", Perm: auth.PermUserAdmin, Order: 0})
	keys := func(p *auth.Principal) string {
		var out []string
		for _, a := range s.Actions(p) {
			out = append(out, a.Key)
		}
		return strings.Join(out, ",")
	}
	if got := keys(&auth.Principal{Roles: []auth.Role{auth.RoleGridWorker}}); got != "a,b" {
		t.Errorf("grid worker: %s", got)
	}
	if got := keys(&auth.Principal{Roles: []auth.Role{auth.RoleCommunityAdmin}}); got != "a" {
		t.Errorf("community admin: %s", got)
	}
	if got := keys(&auth.Principal{Roles: []auth.Role{auth.RoleSysAdmin}}); got != "c,a" {
		t.Errorf("system administrator: %s", got)
	}
}

// A due time reads as the user says it.
func TestDueText(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, Local).UnixMilli()
	hour := int64(time.Hour / time.Millisecond)
	for _, tc := range []struct {
		due  int64
		want string
	}{
		{now - 50*hour, "已超时 2 天"},
		{now - 3*hour, "已超时 3 小时"},
		{now - 1, "已超时 1 小时"},
		{now + 7*hour, "今天 17:00 到期"},
		{now + 15*hour, "12月8日到期"},
		{0, ""},
	} {
		if got := dueText(tc.due, now); got != tc.want {
			t.Errorf("due %d: %q, want %q", tc.due, got, tc.want)
		}
	}
	if EndOfDay(now) != time.Date(2026, 12, 8, 0, 0, 0, 0, Local).UnixMilli() {
		t.Error("EndOfDay")
	}
}

// A chart is an SVG with its numbers as a table, escaped, with a gap where a
// value is missing.
func TestChartHTML(t *testing.T) {
	c := Chart{ID: "c1", Kind: ChartLine, Title: "按时办结率", Def: "口径<x>", Label: "月份", Value: "按时办结率", Percent: true,
		Points: []Point{{Label: "1月", Long: "2026-01", Value: 50}, {Label: "2月", Long: "2026-02", None: true}, {Label: "3月", Long: "2026-03", Value: 100, Text: "100.0%"}}}
	h := string(c.HTML())
	for _, s := range []string{`<svg class="chart-svg"`, `role="img"`, `<title id="c1-t">按时办结率：2026-01 50.0%，2026-02 —，2026-03 100.0%</title>`,
		`<tr><th scope="row">2026-02</th><td>—</td></tr>`, `口径&lt;x&gt;`, `<path d="M36.0 79.0 M350.0 12.0"`} {
		if !strings.Contains(h, s) {
			t.Errorf("line chart lacks %s:\n%s", s, h)
		}
	}
	if strings.Count(h, "<circle") != 2 || strings.Contains(h, "<x>") {
		t.Errorf("points or escaping:\n%s", h)
	}
	bars := Chart{ID: "c2", Kind: ChartBars, Title: "超时", Empty: "没有", Points: []Point{{Label: "甲", Value: 0}}}
	if h := string(bars.HTML()); strings.Contains(h, "<svg") || !strings.Contains(h, "没有") || !strings.Contains(h, "<td>0</td>") {
		t.Errorf("empty bars:\n%s", h)
	}
}

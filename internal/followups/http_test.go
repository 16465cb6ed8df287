package followups_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/followups"
	"linli/internal/web"
)

var keyRe = regexp.MustCompile(`name="key" value="([^"]+)"`)

// later moves the follow-ups' clock on by days: the fixture's duties, visited
// today, fall due and overdue.
func later(w *apptest.World, days int) {
	w.App.Followups.Now = func() time.Time { return time.Now().AddDate(0, 0, days) }
}

func page(t *testing.T, c *apptest.Client, path string, status int, want ...string) string {
	t.Helper()
	resp, body := c.Get(path)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %d, want %d\n%.600s", path, resp.StatusCode, status, body)
	}
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Fatalf("GET %s lacks %q", path, s)
		}
	}
	return body
}

func lacks(t *testing.T, what, body string, not ...string) {
	t.Helper()
	for _, s := range not {
		if strings.Contains(body, s) {
			t.Fatalf("%s shows %q", what, s)
		}
	}
}

func records(t *testing.T, w *apptest.World, duty int64, note string) int {
	t.Helper()
	var n int
	if err := w.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fu_record WHERE duty_id = ? AND note = ?`, duty, note).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A grid worker finds their overdue visit on the due list and on the home
// page, records it through the form (a double submit makes one record, a
// missing or unknown way is refused naming the field), and the visit moves
// the duty's due date and shows on the duty page and in the household file.
func TestGridWorkerRecordsAVisit(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		later(w, 70)
		srv := w.Server(t)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		duty := dutyOf(t, w, "重点对象走访", w.Objects["person"][apptest.InA])
		today := w.App.Followups.Today()
		late := duty.OverdueDays(today)
		if late < 1 {
			t.Fatalf("the fixture duty is due %s, not overdue on %s", duty.DueOn, today)
		}

		// The due list opens on 已超期, with the duty and how late it is.
		body := page(t, gw, "/followups", 200, "居民甲户主", "重点对象走访", fmt.Sprintf("超期 %d 天", late), "网格甲A",
			fmt.Sprintf(`href="/followups/duties/%d"`, duty.ID), `href="?when=overdue" class="active late"`)
		lacks(t, "the grid worker's due list", body, "居民乙户主", "居民丁户主", "帮教谈话")
		page(t, gw, "/followups?when=today", 200, "没有需要走访的对象")
		// The home page's 待办 has it, to its page.
		body = page(t, gw, "/", 200, "居民甲户主", fmt.Sprintf(`href="/followups/duties/%d"`, duty.ID))
		lacks(t, "the grid worker's home page", body, "帮教谈话")

		// The duty page, and its button to the form.
		page(t, gw, fmt.Sprintf("/followups/duties/%d", duty.ID), 200, "记录走访", "甲走访情况良好", "每 1 个月一次", duty.DueOn)
		form := page(t, gw, fmt.Sprintf("/followups/duties/%d/record", duty.ID), 200, "入户", "电话", "微信", "来访", "座谈", "现场", "身体状况", "思想动态")
		m := keyRe.FindStringSubmatch(form)
		if m == nil {
			t.Fatal("the form has no idempotency key")
		}
		key := m[1]
		if other := keyRe.FindStringSubmatch(page(t, gw, fmt.Sprintf("/followups/duties/%d/record", duty.ID), 200)); len(other) < 2 || other[1] == key {
			t.Fatal("a fresh form does not get a fresh key")
		}

		path := fmt.Sprintf("/followups/duties/%d/record", duty.ID)
		note := "老人身体不错，家中整洁"
		post := url.Values{"key": {key}, "met": {"本人"}, "note": {note}, "field_health": {"良好"}, "needs": {"希望上门理发"}}
		// No way: refused naming the field, with what was typed kept.
		resp, body := gw.PostForm(path, post)
		if resp.StatusCode != 422 || !strings.Contains(body, "走访方式") || !strings.Contains(body, note) || !strings.Contains(body, key) {
			t.Fatalf("without a way: %d\n%.800s", resp.StatusCode, body)
		}
		post.Set("way", "teleport")
		if resp, body = gw.PostForm(path, post); resp.StatusCode != 422 || !strings.Contains(body, "请从列表中选择“走访方式”") {
			t.Fatalf("an unknown way: %d", resp.StatusCode)
		}
		post.Set("way", "home")
		post.Set("happened_at", "昨天下午")
		if resp, body = gw.PostForm(path, post); resp.StatusCode != 422 || !strings.Contains(body, "走访时间") {
			t.Fatalf("a time that is no time: %d", resp.StatusCode)
		}
		if n := records(t, w, duty.ID, note); n != 0 {
			t.Fatalf("refused forms saved %d records", n)
		}

		// Sent, and sent again (a double tap): one record.
		post.Set("happened_at", w.App.Followups.NowTime().In(web.Local).Format("2006-01-02T15:04"))
		for i := 0; i < 2; i++ {
			resp, _ = gw.PostForm(path, post)
			if resp.StatusCode != 303 || resp.Header.Get("Location") != "/followups" {
				t.Fatalf("sending %d: %d %s", i+1, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		if n := records(t, w, duty.ID, note); n != 1 {
			t.Fatalf("a form sent twice made %d records", n)
		}
		page(t, gw, "/followups", 200, "已记录走访")

		// The duty moved on: done today, due a month on.
		moved := dutyOf(t, w, "重点对象走访", w.Objects["person"][apptest.InA])
		if moved.LastDoneOn != today || moved.DueOn <= today || moved.Overdue(today) {
			t.Fatalf("after the visit: last %s, due %s (today %s)", moved.LastDoneOn, moved.DueOn, today)
		}
		page(t, gw, fmt.Sprintf("/followups/duties/%d", duty.ID), 200, note, "身体状况：良好", "希望上门理发", today+" 入户走访", moved.DueOn)
		body = page(t, gw, "/followups?when=overdue", 200)
		lacks(t, "the overdue list after the visit", body, "居民甲户主")

		// The household file's 走访记录 panel.
		body = page(t, gw, fmt.Sprintf("/registry/households/%d", w.Objects["household"][apptest.InA]), 200, "走访记录", "入户走访：老人身体不错",
			fmt.Sprintf(`href="/followups/duties/%d"`, duty.ID))
		lacks(t, "the grid worker's household file", body, "帮教谈话记录甲")
		// The person page has it too.
		page(t, gw, fmt.Sprintf("/registry/people/%d", w.Objects["person"][apptest.InA]), 200, "入户走访：老人身体不错")

		// The rule stopped while the form was open: the form comes back with
		// what was typed and why nothing was saved; the form is not offered
		// again.
		form = page(t, gw, path, 200)
		ctx := context.Background()
		sys := auth.System("test")
		rule, err := w.App.Followups.GetRule(ctx, sys, duty.RuleID)
		if err != nil {
			t.Fatal(err)
		}
		rule.Active = false
		if err := w.App.Followups.UpdateRule(ctx, sys, rule.ID, *rule); err != nil {
			t.Fatal(err)
		}
		post = url.Values{"key": {keyRe.FindStringSubmatch(form)[1]}, "way": {"phone"}, "note": {"电话未接通"}}
		if resp, body = gw.PostForm(path, post); resp.StatusCode != 409 || !strings.Contains(body, "这项走访任务已结束") || !strings.Contains(body, "电话未接通") {
			t.Fatalf("a record of an ended duty: %d\n%.800s", resp.StatusCode, body)
		}
		if n := records(t, w, duty.ID, "电话未接通"); n != 0 {
			t.Fatal("a record of an ended duty was saved")
		}
		body = page(t, gw, path, 200, "不能再记录走访")
		lacks(t, "the form of an ended duty", body, `id="record-form"`)
		lacks(t, "the page of an ended duty", page(t, gw, fmt.Sprintf("/followups/duties/%d", duty.ID), 200, "已结束"), `id="record-go"`)
	})
}

// The rule form: the units and groups the leader may choose, a number that is
// not one refused naming its field, a rule made and changed; a street's rule
// is not a community leader's to change.
func TestRuleForm(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		leader := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		page(t, gw, "/followups/rules/new", 403)
		form := page(t, leader, "/followups/rules/new", 200, "一号社区", "老年人", "重点对象走访")
		lacks(t, "the community leader's rule form", form, "二号社区", "测试街道</option>")
		var elderly int64
		if err := w.DB.QueryRowContext(context.Background(), `SELECT id FROM reg_tag WHERE code = 'elderly'`).Scan(&elderly); err != nil {
			t.Fatal(err)
		}
		post := url.Values{"org_id": {fmt.Sprint(w.C1)}, "name": {"老年人定期走访"}, "kind": {"visit"}, "subject": {"tag"}, "tag_id": {fmt.Sprint(elderly)},
			"every": {"两"}, "unit": {"week"}, "assign": {"grid_worker"}, "escalate_after": {"3"}}
		resp, body := leader.PostForm("/followups/rules/new", post)
		if resp.StatusCode != 422 || !strings.Contains(body, "“频次”应为数字") || !strings.Contains(body, "老年人定期走访") {
			t.Fatalf("a frequency that is no number: %d", resp.StatusCode)
		}
		post.Set("every", "2")
		post.Set("org_id", fmt.Sprint(w.C2))
		if resp, _ = leader.PostForm("/followups/rules/new", post); resp.StatusCode != 403 {
			t.Fatalf("a rule of another community: %d", resp.StatusCode)
		}
		post.Set("org_id", fmt.Sprint(w.C1))
		if resp, _ = leader.PostForm("/followups/rules/new", post); resp.StatusCode != 303 {
			t.Fatalf("a valid rule: %d", resp.StatusCode)
		}
		page(t, leader, "/followups/rules", 200, "老年人定期走访", "每 2 周一次", "某类人群：老年人", "所在网格的网格员", "规则已保存")
		// The new rule's duty is the grid worker's.
		page(t, gw, "/followups?when=week", 200)
		if d := dutyOf(t, w, "老年人定期走访", w.Objects["person"][apptest.InA]); d.GridID != w.GridA {
			t.Fatalf("the new rule's duty: %+v", d)
		}

		// Changing the community's own rule.
		id := w.Objects["fu_rule"][apptest.InA]
		edit := page(t, leader, fmt.Sprintf("/followups/rules/%d/edit", id), 200, "一号社区楼道检查", fmt.Sprint(w.Objects["building"][apptest.InA]))
		lacks(t, "the edit form", edit, `name="org_id"`, `name="tag_id"`)
		resp, _ = leader.PostForm(fmt.Sprintf("/followups/rules/%d/edit", id), url.Values{"name": {"一号社区楼道消防检查"}, "kind": {"inspection"},
			"subjects": {fmt.Sprint(w.Objects["building"][apptest.InA])}, "every": {"2"}, "unit": {"week"}, "assign": {"grid_worker"}, "escalate_after": {"1"}, "active": {"1"}})
		if resp.StatusCode != 303 {
			t.Fatalf("editing the rule: %d", resp.StatusCode)
		}
		page(t, leader, "/followups/rules", 200, "一号社区楼道消防检查", "每 2 周一次")
		// The street's rule is the street's.
		var street int64
		if err := w.DB.QueryRowContext(context.Background(), `SELECT id FROM fu_rule WHERE name = '重点对象走访'`).Scan(&street); err != nil {
			t.Fatal(err)
		}
		page(t, leader, fmt.Sprintf("/followups/rules/%d/edit", street), 403)
		lacks(t, "the rules page", page(t, leader, "/followups/rules", 200), fmt.Sprintf(`href="/followups/rules/%d/edit"`, street))
	})
}

// The 帮教 duty of the sensitive group is nowhere for a grid worker — not on
// their lists, not by its address, not on the home page, not in the household
// file — and everywhere for the leader, whose home page raises it once it is
// overdue past its rule's threshold.
func TestSensitiveDutyOnlyForThoseWhoMaySeeTheGroup(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		later(w, 70)
		srv := w.Server(t)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		leader := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		sensitive := w.Objects["fu_duty_sensitive"][apptest.InA]
		hh := w.Objects["household"][apptest.InA]

		for _, path := range []string{"/followups", "/followups?when=today", "/followups?when=week", "/followups/all", "/followups/all?when=overdue", "/followups/rules", "/",
			fmt.Sprintf("/registry/households/%d", hh)} {
			lacks(t, "GET "+path+" as the grid worker", page(t, gw, path, 200), "帮教谈话", "刑释解教")
		}
		page(t, gw, fmt.Sprintf("/followups/duties/%d", sensitive), 404)
		page(t, gw, fmt.Sprintf("/followups/duties/%d/record", sensitive), 404)
		if resp, _ := gw.PostForm(fmt.Sprintf("/followups/duties/%d/record", sensitive), url.Values{"way": {"office"}, "note": {"不该保存"}}); resp.StatusCode != 404 {
			t.Fatalf("the grid worker records the 帮教 talk: %d", resp.StatusCode)
		}
		if n := records(t, w, sensitive, "不该保存"); n != 0 {
			t.Fatal("a refused record was saved")
		}

		// The leader sees it, its record, and on the home page its escalation.
		page(t, leader, "/followups/all", 200, "帮教谈话", `href="/followups/import"`)
		lacks(t, "the grid worker's overview", page(t, gw, "/followups/all", 200), `href="/followups/import"`)
		page(t, leader, fmt.Sprintf("/followups/duties/%d", sensitive), 200, "帮教谈话", "帮教谈话记录甲", "第一年内每 7 天一次")
		page(t, leader, fmt.Sprintf("/registry/households/%d", hh), 200, "帮教谈话记录甲")
		page(t, leader, "/", 200, "走访超期未处理", "帮教谈话", fmt.Sprintf(`href="/followups/duties/%d"`, sensitive))
		page(t, leader, "/followups/all?when=escalated", 200, "帮教谈话", "居民甲户主")
		// Not theirs to do: the leader's own list is empty.
		lacks(t, "the leader's own due list", page(t, leader, "/followups", 200, "没有需要走访的对象"), "帮教谈话")
		// The overview's escalated filter is the leaders'.
		page(t, gw, "/followups/all?when=escalated", 400)
	})
}

// Escalated duties: others' active duties overdue by more than their rule's
// EscalateAfter days, in the leader's scope and what they may see; never the
// leader's own; only for those who keep the rules.
func TestListEscalated(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		f := w.App.Followups
		leader := w.Principal(t, "community_admin")
		leader2 := w.Principal(t, "community_admin_c2")
		gw := w.Principal(t, "grid_worker")
		head := dutyOf(t, w, "重点对象走访", w.Objects["person"][apptest.InA]) // EscalateAfter 3
		due, _ := time.Parse("2006-01-02", head.DueOn)
		at := func(d time.Time) {
			f.Now = func() time.Time { return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, web.Local) }
		}
		ids := func(p *auth.Principal) map[int64]bool {
			t.Helper()
			list, total, err := f.ListEscalated(ctx, p, followups.DutyFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if total != len(list) {
				t.Fatalf("total %d, listed %d", total, len(list))
			}
			out := map[int64]bool{}
			for _, d := range list {
				out[d.ID] = true
			}
			return out
		}
		at(due.AddDate(0, 0, 3)) // overdue by 3 days: not more than 3
		if ids(leader)[head.ID] {
			t.Fatal("a duty overdue by exactly its threshold is escalated")
		}
		at(due.AddDate(0, 0, 4))
		got := ids(leader)
		if !got[head.ID] {
			t.Fatal("a duty overdue past its threshold is not escalated")
		}
		if ids(leader2)[head.ID] {
			t.Fatal("another community's leader sees the duty")
		}
		if _, _, err := f.ListEscalated(ctx, gw, followups.DutyFilter{}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("a grid worker lists escalated duties: %v", err)
		}
		// A duty of the leader's own is in their due list, not escalated.
		if _, err := f.CreateRule(ctx, auth.System("test"), followups.Rule{OrgID: w.C1, Name: "社区主任约谈", Kind: followups.KindTalk, Subject: followups.SubjectPerson,
			Subjects: []int64{w.Objects["member"][apptest.InA]}, Every: 1, Unit: followups.UnitDay, Assign: followups.AssignUsers, Users: []int64{leader.UserID}}); err != nil {
			t.Fatal(err)
		}
		own := dutyOf(t, w, "社区主任约谈", w.Objects["member"][apptest.InA])
		at(due.AddDate(0, 0, 60))
		if ids(leader)[own.ID] {
			t.Fatal("the leader's own duty is escalated to them")
		}
		if list, _, _ := f.ListTab(ctx, leader, followups.DutyFilter{Own: true, When: followups.WhenOverdue}); len(list) != 1 || list[0].ID != own.ID {
			t.Fatalf("the leader's own overdue list: %d", len(list))
		}
		if !ids(leader2)[dutyOf(t, w, "重点对象走访", w.Objects["person"][apptest.InD]).ID] || ids(leader2)[own.ID] {
			t.Fatal("the other community's leader: wrong escalations")
		}
	})
}

// The home page's groups are the due list's tabs: today's duties under
// 今天到期 only, those due later this week under 即将到期 only, each group's
// total that of the list its link opens.
func TestTodosAgreeWithTheTabs(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		f := w.App.Followups
		// A Sunday: a weekly rule's first contact is due today, a daily
		// rule's tomorrow.
		now := time.Now().In(web.Local)
		sunday := now.AddDate(0, 0, (7-int(now.Weekday()))%7)
		f.Now = func() time.Time {
			return time.Date(sunday.Year(), sunday.Month(), sunday.Day(), 10, 0, 0, 0, web.Local)
		}
		sys := auth.System("test")
		member := w.Objects["member"][apptest.InA]
		for _, r := range []followups.Rule{
			{OrgID: w.C1, Name: "每周电话问候", Kind: followups.KindVisit, Subject: followups.SubjectPerson, Subjects: []int64{member}, Every: 1, Unit: followups.UnitWeek, Assign: followups.AssignGridWorker},
			{OrgID: w.C1, Name: "每日看望", Kind: followups.KindVisit, Subject: followups.SubjectPerson, Subjects: []int64{member}, Every: 1, Unit: followups.UnitDay, Assign: followups.AssignGridWorker},
		} {
			if _, err := f.CreateRule(ctx, sys, r); err != nil {
				t.Fatal(err)
			}
		}
		weekly, daily := dutyOf(t, w, "每周电话问候", member), dutyOf(t, w, "每日看望", member)
		gw := w.Principal(t, "grid_worker")
		groups, err := f.Todos(ctx, gw, web.TodoLimit)
		if err != nil {
			t.Fatal(err)
		}
		in := map[web.Urgency]map[int64]bool{}
		for _, g := range groups {
			when := map[web.Urgency]string{web.UrgencyOverdue: followups.WhenOverdue, web.UrgencyToday: followups.WhenToday, web.UrgencySoon: followups.WhenWeek}[g.Urgency]
			list, total, err := f.ListTab(ctx, gw, followups.DutyFilter{Own: true, When: when})
			if err != nil {
				t.Fatal(err)
			}
			if g.Total != total || len(g.All) != 1 || g.All[0].Href != "/followups?when="+when || len(g.Items) != min(total, web.TodoLimit) {
				t.Fatalf("group %v: total %d, items %d, links %v; the list %s holds %d", g.Urgency, g.Total, len(g.Items), g.All, when, total)
			}
			in[g.Urgency] = map[int64]bool{}
			for i, d := range list {
				in[g.Urgency][d.ID] = true
				if i < len(g.Items) && g.Items[i].Href != fmt.Sprintf("/followups/duties/%d", d.ID) {
					t.Fatalf("group %v item %d is %s, the list's is duty %d", g.Urgency, i, g.Items[i].Href, d.ID)
				}
			}
		}
		if !in[web.UrgencyToday][weekly.ID] || in[web.UrgencySoon][weekly.ID] {
			t.Fatalf("the duty due today (%s) is not under 今天到期 alone: %v", weekly.DueOn, in)
		}
		if !in[web.UrgencySoon][daily.ID] || in[web.UrgencyToday][daily.ID] {
			t.Fatalf("the duty due tomorrow (%s) is not under 即将到期 alone: %v", daily.DueOn, in)
		}
		// The due list's tabs count the same.
		overdue, today, week, err := f.DueCounts(ctx, gw)
		if err != nil {
			t.Fatal(err)
		}
		_, n, _ := f.ListTab(ctx, gw, followups.DutyFilter{Own: true, When: followups.WhenWeek})
		if week != n || today < 1 || overdue != 0 {
			t.Fatalf("counts %d/%d/%d, later this week listed %d", overdue, today, week, n)
		}
	})
}

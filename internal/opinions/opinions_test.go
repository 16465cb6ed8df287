package opinions_test

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
	"linli/internal/i18n"
	"linli/internal/opinions"
)

func page(t *testing.T, c *apptest.Client, path string, status int, want ...string) string {
	t.Helper()
	resp, body := c.Get(path)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %d, want %d\n%.600s", path, resp.StatusCode, status, body)
	}
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Fatalf("GET %s lacks %q\n%.2000s", path, s, body)
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

func count(t *testing.T, w *apptest.World, q string, args ...any) int {
	t.Helper()
	var n int
	if err := w.DB.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Each account sees the opinions and meetings of its scope only: in lists,
// the API, one by one and in the digest.
func TestOpinionsStayInScope(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		srv := w.Server(t)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		body := page(t, gw, "/opinions", 200, "甲意见楼道堆物")
		lacks(t, "the grid worker's list", body, "乙意见楼道堆物", "丁意见楼道堆物", "乙网上意见")
		body = page(t, gw, "/opinions/meetings", 200, "甲楼栋长会")
		lacks(t, "the grid worker's meetings", body, "乙楼栋长会", "丁楼栋长会")
		_, body = gw.Get("/api/v1/opinions")
		if !strings.Contains(body, "甲意见楼道堆物") || strings.Contains(body, "乙意见") || strings.Contains(body, "丁意见") {
			t.Fatalf("the grid worker's API list: %s", body)
		}
		page(t, gw, fmt.Sprintf("/opinions/%d", w.Objects["op_opinion"][apptest.InB]), 404)

		ca := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		body = page(t, ca, "/opinions", 200, "甲意见楼道堆物", "乙意见楼道堆物", "乙网上意见", "希望增加助餐点")
		lacks(t, "community 1's list", body, "丁意见楼道堆物", "丁网上意见")
		body = page(t, ca, "/opinions/digest", 200, "一号社区")
		lacks(t, "community 1's digest", body, "丁意见楼道堆物", "二号社区")

		leader := w.Principal(t, "community_admin")
		if _, _, err := w.App.Opinions.Get(ctx, leader, w.Objects["op_opinion"][apptest.InD]); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("community 1's leader reads community 2's opinion: %v", err)
		}
		if _, err := w.App.Opinions.GetMeeting(ctx, leader, w.Objects["op_meeting"][apptest.InD]); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("community 1's leader reads community 2's meeting: %v", err)
		}
		// A meeting or an opinion is not recorded outside one's scope.
		if _, err := w.App.Opinions.Create(ctx, w.Principal(t, "grid_worker"), opinions.OpinionInput{GridID: w.GridB, Source: opinions.SourceDoor,
			Category: "other", Content: "越界"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("a grid worker records in another grid: %v", err)
		}
		var verrs *i18n.Errors
		if _, err := w.App.Opinions.Create(ctx, w.Principal(t, "grid_worker"), opinions.OpinionInput{Source: opinions.SourceMeeting,
			MeetingID: w.Objects["op_meeting"][apptest.InB], Category: "other", Content: "越界"}); !errors.As(err, &verrs) || verrs.For("meeting_id") == "" {
			t.Fatalf("a grid worker records at another grid's meeting: %v", err)
		}

		// The resident sees their own opinion only.
		res := apptest.NewClient(t, srv.URL).Login("resident", apptest.Password)
		body = page(t, res, "/portal/opinions", 200, "希望增加助餐点")
		lacks(t, "the resident's list", body, "网上意见", "楼道堆物")
		page(t, res, fmt.Sprintf("/portal/opinions/%d", w.Objects["op_portal"][apptest.InB]), 404)
	})
}

// The digest of a month counts, for each community and in all, what was
// gathered, answered, turned into a case and left open, by category and by
// source, against figures counted by hand; it lists the month's opinions by
// category, prints and exports; a malformed month is refused naming it.
func TestDigestCountsTheMonth(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Opinions
		// March 2025: long before the fixtures, which are of today.
		s.Now = func() time.Time { return time.Date(2025, 3, 28, 10, 0, 0, 0, time.Local) }
		leader := w.Principal(t, "community_admin")
		street := w.Principal(t, "street_admin")
		mk := func(p *auth.Principal, in opinions.OpinionInput) int64 {
			t.Helper()
			id, err := s.Create(ctx, p, in)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		m, err := s.CreateMeeting(ctx, leader, opinions.MeetingInput{CommunityID: w.C1, Kind: "representatives", Title: "三月居民代表会", HeldOn: "2025-03-10"})
		if err != nil {
			t.Fatal(err)
		}
		mk(leader, opinions.OpinionInput{GridID: w.GridA, Source: "door", Category: "environment", Content: "垃圾桶满溢", RaisedOn: "2025-03-03"})
		answered := mk(leader, opinions.OpinionInput{GridID: w.GridB, Source: "phone", Category: "environment", Content: "绿化带缺水", RaisedOn: "2025-03-05"})
		toCase := mk(leader, opinions.OpinionInput{Source: "meeting", MeetingID: m, Category: "traffic", Content: "非机动车乱停"})
		closed := mk(leader, opinions.OpinionInput{CommunityID: w.C1, Source: "visit", Category: "policy", Content: "问医保报销", RaisedOn: "2025-03-20"})
		mk(leader, opinions.OpinionInput{CommunityID: w.C1, Source: "door", Category: "jobs", Content: "二月的意见", RaisedOn: "2025-02-27"})
		mk(street, opinions.OpinionInput{GridID: w.GridD, Source: "phone", Category: "elderly", Content: "助餐点太远", RaisedOn: "2025-03-15"})
		if err := s.Answer(ctx, leader, answered, "已安排浇水"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ToCase(ctx, leader, toCase, opinions.ToCaseInput{Type: "request", Category: "parking"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(ctx, leader, closed, "已当面解释政策"); err != nil {
			t.Fatal(err)
		}

		d, err := s.Digest(ctx, leader, "2025-03", 0)
		if err != nil {
			t.Fatal(err)
		}
		tot := d.Total
		if tot.Total != 4 || tot.Answered != 2 || tot.Cases != 1 || tot.Open != 1 || tot.Closed != 1 || tot.AnsweredShare() != "75.0%" {
			t.Fatalf("community 1's March: %+v share %s", tot, tot.AnsweredShare())
		}
		want := map[string]int{"environment": 2, "traffic": 1, "policy": 1}
		for _, c := range tot.ByCategory {
			if c.N != want[c.Code] {
				t.Fatalf("category %s: %d, want %d", c.Code, c.N, want[c.Code])
			}
		}
		wantSrc := map[string]int{"door": 1, "phone": 1, "meeting": 1, "visit": 1}
		for _, c := range tot.BySource {
			if c.N != wantSrc[c.Code] {
				t.Fatalf("source %s: %d, want %d", c.Code, c.N, wantSrc[c.Code])
			}
		}
		if len(d.Units) != 1 || d.Listed != 4 || len(d.Groups) != 3 || d.Groups[0].Code != "environment" || len(d.Groups[0].Opinions) != 2 {
			t.Fatalf("community 1's digest: units %d listed %d groups %+v", len(d.Units), d.Listed, d.Groups)
		}

		// The street's roll-up: one line per community, and the sum.
		d, err = s.Digest(ctx, street, "2025-03", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Units) != 2 || d.Units[0].Name != "一号社区" || d.Units[0].Total != 4 || d.Units[1].Name != "二号社区" || d.Units[1].Total != 1 ||
			d.Units[1].Open != 1 || d.Total.Total != 5 || d.Total.Open != 2 || d.Total.AnsweredShare() != "60.0%" {
			t.Fatalf("the street's March: %+v", d)
		}
		if d, err = s.Digest(ctx, street, "2025-03", w.C2); err != nil || d.Total.Total != 1 || len(d.Units) != 1 {
			t.Fatalf("the street's March of community 2: %+v %v", d, err)
		}

		srv := w.Server(t)
		ca := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		body := page(t, ca, "/opinions/digest?month=2025-03", 200, "2025年3月 一号社区社情民意月报", "75.0%", "垃圾桶满溢", "非机动车乱停", "已安排浇水",
			"data-print", "/opinions/assets/opinions.css")
		lacks(t, "March's digest", body, "二月的意见", "助餐点太远")
		page(t, ca, "/opinions/assets/opinions.css", 200, "@page { size:A4")
		resp, _ := ca.Get("/opinions/digest/export?month=2025-03")
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("the export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, bad := range []string{"2025-13", "2025-3", "三月"} {
			resp, body = ca.Get("/opinions/digest?month=" + url.QueryEscape(bad))
			if resp.StatusCode != 400 || !strings.Contains(body, "“月份”格式不正确") {
				t.Fatalf("month %q: %d\n%.400s", bad, resp.StatusCode, body)
			}
		}
		if resp, _ = ca.Get("/opinions?month=2025-00"); resp.StatusCode != 400 {
			t.Fatalf("the list with a malformed month: %d", resp.StatusCode)
		}
	})
}

// An opinion turned into a case files a request through the case engine,
// linked both ways: the case shows the opinion among its links, the opinion
// its case; it cannot be turned or answered again.
func TestOpinionBecomesACase(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		srv := w.Server(t)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		id := w.Objects["op_opinion"][apptest.InA]
		path := fmt.Sprintf("/opinions/%d/case", id)
		page(t, gw, path, 200, "居民诉求 · 环境卫生", "甲意见楼道堆物")
		resp, body := gw.PostForm(path, url.Values{"kind": {"request:nosuch"}, "title": {"楼道堆物"}})
		if resp.StatusCode != 422 || !strings.Contains(body, "请从列表中选择") {
			t.Fatalf("an unknown category: %d\n%.500s", resp.StatusCode, body)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM cases WHERE title = '楼道堆物'`); n != 0 {
			t.Fatalf("a refused case was filed %d times", n)
		}
		resp, _ = gw.PostForm(path, url.Values{"kind": {"request:sanitation"}, "title": {"楼道堆物"}})
		if resp.StatusCode != 303 {
			t.Fatalf("turning into a case: %d", resp.StatusCode)
		}
		o, acc, err := w.App.Opinions.Get(ctx, w.Principal(t, "grid_worker"), id)
		if err != nil || o.Status != opinions.StatusCase || o.CaseID == 0 || acc.Answer || acc.ToCase || acc.Close {
			t.Fatalf("the opinion after: %+v %+v %v", o, acc, err)
		}
		links, err := w.App.Cases.Links(ctx, w.Principal(t, "community_admin"), o.CaseID)
		if err != nil || len(links) != 1 || links[0].Kind != "opinion" || links[0].RefID != id || links[0].Href != fmt.Sprintf("/opinions/%d", id) ||
			!strings.Contains(links[0].Label, "甲意见楼道堆物") || links[0].KindName() != "社情民意" {
			t.Fatalf("the case's links: %+v %v", links, err)
		}
		c, err := w.App.Cases.Get(ctx, auth.System("test"), o.CaseID)
		if err != nil || c.Title != "楼道堆物" || c.GridID != w.GridA || c.PhoneMask == "" || c.ReporterName != "楼栋长甲" {
			t.Fatalf("the case: %+v %v", c, err)
		}
		page(t, gw, fmt.Sprintf("/opinions/%d", id), 200, "已转诉求", fmt.Sprintf(`href="/cases/%d"`, o.CaseID))
		if resp, _ = gw.PostForm(path, url.Values{"kind": {"request:sanitation"}}); resp.StatusCode != 409 {
			t.Fatalf("turned again: %d", resp.StatusCode)
		}
		if resp, _ = gw.PostForm(fmt.Sprintf("/opinions/%d/answer", id), url.Values{"answer": {"再答复"}}); resp.StatusCode != 409 {
			t.Fatalf("answered after turning into a case: %d", resp.StatusCode)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM cases WHERE title = '楼道堆物'`); n != 1 {
			t.Fatalf("%d cases filed", n)
		}
	})
}

var receiptRe = regexp.MustCompile(`id="receipt-code">([A-Z0-9]+)<`)

// An anonymous visitor gives an opinion from the public form, which needs the
// form's CSRF token, gets a receipt code and reads the answer with it; too
// many submissions from one address are refused. A logged-in resident may
// hide their name from staff.
func TestPortalAnonymousSubmission(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		anon := apptest.NewClient(t, srv.URL)
		post := url.Values{"community_id": {fmt.Sprint(w.C1)}, "category": {"culture"}, "content": {"希望周末开放活动室"}, "phone": {"13512345678"}}
		// Without the form's token: refused, nothing saved.
		resp, _ := anon.Do("POST", "/portal/opinions/say", strings.NewReader(post.Encode()), "application/x-www-form-urlencoded")
		if resp.StatusCode != 403 {
			t.Fatalf("a post without the CSRF token: %d", resp.StatusCode)
		}
		page(t, anon, "/portal/opinions/say", 200, "一号社区", "无需登录")
		// Bad input: named, in Chinese.
		bad := url.Values{"community_id": {fmt.Sprint(w.C1)}, "category": {"ufo"}, "content": {"  "}}
		resp, body := anon.PostForm("/portal/opinions/say", bad)
		if resp.StatusCode != 422 || !strings.Contains(body, "请填写“内容”") || !strings.Contains(body, "请从列表中选择“类别”") {
			t.Fatalf("bad input: %d\n%.600s", resp.StatusCode, body)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM op_opinion WHERE content = '希望周末开放活动室'`); n != 0 {
			t.Fatalf("refused posts saved %d", n)
		}
		resp, body = anon.PostForm("/portal/opinions/say", post)
		m := receiptRe.FindStringSubmatch(body)
		if resp.StatusCode != 200 || m == nil {
			t.Fatalf("the anonymous post: %d\n%.600s", resp.StatusCode, body)
		}
		code := m[1]
		var id int64
		if err := w.DB.QueryRowContext(context.Background(), `SELECT id FROM op_opinion WHERE content = '希望周末开放活动室' AND source = 'portal' AND anonymous
			AND owner_user_id IS NULL AND raiser_phone_mask = '135****5678'`).Scan(&id); err != nil {
			t.Fatalf("the anonymous opinion: %v", err)
		}
		page(t, anon, "/portal/opinions/receipt?code="+code, 200, "希望周末开放活动室", "社区正在研究")
		page(t, anon, "/portal/opinions/receipt?code=ABCDEFGHJKLM", 404, "查询码不正确")

		// Staff see it, anonymous and masked, and answer it; the visitor reads the answer.
		ca := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		body = page(t, ca, fmt.Sprintf("/opinions/%d", id), 200, "匿名", "135****5678", "网上")
		lacks(t, "the opinion page", body, "13512345678")
		if resp, _ = ca.PostForm(fmt.Sprintf("/opinions/%d/answer", id), url.Values{"answer": {"周六上午开放"}}); resp.StatusCode != 303 {
			t.Fatalf("answering: %d", resp.StatusCode)
		}
		page(t, anon, "/portal/opinions/receipt?code="+strings.ToLower(code), 200, "周六上午开放")

		// Five posts in ten minutes from one address, refused ones too (two
		// so far); the sixth is refused.
		for i := 0; i < 3; i++ {
			post.Set("content", fmt.Sprintf("第%d条", i))
			if resp, _ = anon.PostForm("/portal/opinions/say", post); resp.StatusCode != 200 {
				t.Fatalf("post %d: %d", i, resp.StatusCode)
			}
		}
		post.Set("content", "第六条")
		if resp, body = anon.PostForm("/portal/opinions/say", post); resp.StatusCode != 422 || !strings.Contains(body, "提交太频繁") {
			t.Fatalf("the sixth post: %d", resp.StatusCode)
		}

		// A resident, logged in, hides their name.
		res := apptest.NewClient(t, srv.URL).Login("resident", apptest.Password)
		resp, _ = res.PostForm("/portal/opinions", url.Values{"community_id": {fmt.Sprint(w.C1)}, "category": {"medical"}, "content": {"社区医生太少"},
			"anonymous": {"1"}})
		if resp.StatusCode != 303 {
			t.Fatalf("the resident's post: %d", resp.StatusCode)
		}
		if err := w.DB.QueryRowContext(context.Background(), `SELECT id FROM op_opinion WHERE content = '社区医生太少' AND anonymous AND raiser_name = ''
			AND owner_user_id = ?`, w.Users["resident"]).Scan(&id); err != nil {
			t.Fatalf("the resident's anonymous opinion: %v", err)
		}
		body = page(t, ca, fmt.Sprintf("/opinions/%d", id), 200, "匿名")
		lacks(t, "the resident's anonymous opinion", body, "resident姓名")
		page(t, res, fmt.Sprintf("/portal/opinions/%d", id), 200, "社区医生太少", "社区正在研究")
		page(t, res, "/portal/opinions/say", 303)
	})
}

// Staff record opinions at the door and at a meeting (several at once, all
// or none), with errors naming the field in Chinese; the phone left is
// sealed, shown masked and revealed with an audit entry; an opinion waiting
// too long is on the home page's 待办.
func TestStaffRecordAndAnswer(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		page(t, gw, "/opinions/new", 200, "网格甲A", "来访", "电话")
		post := url.Values{"place": {fmt.Sprintf("g%d", w.GridA)}, "source": {"door"}, "category": {"other"}, "content": {""}, "raiser_phone": {"12345"}}
		resp, body := gw.PostForm("/opinions/new", post)
		if resp.StatusCode != 422 || !strings.Contains(body, "请填写“内容”") || !strings.Contains(body, "“联系电话”格式不正确") {
			t.Fatalf("empty content: %d\n%.600s", resp.StatusCode, body)
		}
		post.Set("category", "astrology")
		post.Set("content", "电梯经常停运")
		post.Set("raiser_phone", "13811112222")
		if resp, body = gw.PostForm("/opinions/new", post); resp.StatusCode != 422 || !strings.Contains(body, "请从列表中选择“类别”") {
			t.Fatalf("unknown category: %d", resp.StatusCode)
		}
		post.Set("category", "property")
		post.Set("raised_on", "2099-01-01")
		if resp, body = gw.PostForm("/opinions/new", post); resp.StatusCode != 422 || !strings.Contains(body, "“反映日期”不能晚于今天") {
			t.Fatalf("a future day: %d", resp.StatusCode)
		}
		post.Del("raised_on")
		if resp, _ = gw.PostForm("/opinions/new", post); resp.StatusCode != 303 {
			t.Fatalf("recording: %d", resp.StatusCode)
		}
		var id int64
		var sealed []byte
		if err := w.DB.QueryRowContext(context.Background(), `SELECT id, raiser_phone FROM op_opinion WHERE content = '电梯经常停运'`).Scan(&id, &sealed); err != nil {
			t.Fatal(err)
		}
		if len(sealed) == 0 || strings.Contains(string(sealed), "13811112222") {
			t.Fatal("the phone is not sealed")
		}
		body = page(t, gw, fmt.Sprintf("/opinions/%d", id), 200, "138****2222", "查看完整号码")
		lacks(t, "the opinion page", body, "13811112222")
		resp, body = gw.PostForm(fmt.Sprintf("/opinions/%d/reveal", id), nil)
		if resp.StatusCode != 200 || !strings.Contains(body, "13811112222") {
			t.Fatalf("reveal: %d", resp.StatusCode)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM audit_log WHERE action = 'opinions.reveal_phone' AND object_id = ?`, fmt.Sprint(id)); n != 1 {
			t.Fatalf("%d reveal audit entries", n)
		}
		if resp, body = gw.PostForm(fmt.Sprintf("/opinions/%d/answer", id), url.Values{"answer": {" "}}); resp.StatusCode != 422 || !strings.Contains(body, "请填写“答复”") {
			t.Fatalf("an empty answer: %d", resp.StatusCode)
		}

		// A meeting's opinions, several at once: a bad row refuses them all.
		meeting := w.Objects["op_meeting"][apptest.InA]
		add := fmt.Sprintf("/opinions/meetings/%d/add", meeting)
		rows := url.Values{"0.category": {"culture"}, "0.content": {"增加广场舞场地"}, "3.category": {""}, "3.content": {"路灯坏了"}}
		resp, body = gw.PostForm(add, rows)
		if resp.StatusCode != 422 || !strings.Contains(body, "请从列表中选择“类别”") || !strings.Contains(body, "增加广场舞场地") {
			t.Fatalf("a row without category: %d\n%.600s", resp.StatusCode, body)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM op_opinion WHERE meeting_id = ?`, meeting); n != 1 {
			t.Fatalf("a refused meeting form saved: %d opinions", n)
		}
		rows.Set("3.category", "security")
		if resp, _ = gw.PostForm(add, rows); resp.StatusCode != 303 {
			t.Fatalf("adding: %d", resp.StatusCode)
		}
		page(t, gw, fmt.Sprintf("/opinions/meetings/%d/opinions", meeting), 200, "增加广场舞场地", "路灯坏了", "甲意见楼道堆物")
		if n := count(t, w, `SELECT COUNT(*) FROM op_opinion WHERE meeting_id = ? AND grid_id = ? AND source = 'meeting'`, meeting, w.GridA); n != 3 {
			t.Fatalf("the meeting has %d opinions in its grid", n)
		}
		// The prefilled form from a meeting.
		page(t, gw, fmt.Sprintf("/opinions/new?meeting=%d", meeting), 200, "来自会议", "甲楼栋长会")

		// Heard at a visit: the follow-up record says where and who.
		rec := w.Objects["fu_record"][apptest.InA]
		page(t, gw, fmt.Sprintf("/opinions/new?source=visit&record=%d", rec), 200, "来自走访", "居民甲户主")
		page(t, gw, fmt.Sprintf("/opinions/new?source=visit&record=%d", w.Objects["fu_record"][apptest.InB]), 404)
		resp, _ = gw.PostForm("/opinions/new", url.Values{"source": {"visit"}, "record_id": {fmt.Sprint(rec)}, "category": {"elderly"}, "content": {"想报名老年食堂"}})
		if resp.StatusCode != 303 {
			t.Fatalf("an opinion of a visit: %d", resp.StatusCode)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM op_opinion WHERE content = '想报名老年食堂' AND record_id = ? AND person_id = ? AND grid_id = ? AND raiser_name = '居民甲户主'`,
			rec, w.Objects["person"][apptest.InA], w.GridA); n != 1 {
			t.Fatal("the visit's opinion does not carry its record, person and grid")
		}

		// The API names bad fields in Chinese.
		resp, body = gw.JSON("POST", "/api/v1/opinions", fmt.Sprintf(`{"grid_id":%d,"source":"phone","category":"ufo","content":""}`, w.GridA))
		if resp.StatusCode != 422 || !strings.Contains(body, `"field":"category"`) || !strings.Contains(body, `"field":"content"`) || !strings.Contains(body, "请填写“内容”") {
			t.Fatalf("the API's bad input: %d %s", resp.StatusCode, body)
		}
		if resp, body = gw.Get("/api/v1/opinions?month=2025-3"); resp.StatusCode != 422 || !strings.Contains(body, "月份") {
			t.Fatalf("the API's malformed month: %d %s", resp.StatusCode, body)
		}

		// Four days on, the unanswered ones are the home page's 待办.
		w.App.Opinions.Now = func() time.Time { return time.Now().Add(4 * 24 * time.Hour) }
		page(t, gw, "/", 200, "超过 3 天未答复的意见建议", fmt.Sprintf(`href="/opinions/%d"`, id))
		page(t, gw, "/opinions?status=open&late=1", 200, "电梯经常停运")
	})
}

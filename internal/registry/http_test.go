package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/registry"
)

// clients logs the named fixture accounts in against a server of the world.
func clients(t *testing.T, w *apptest.World, users ...string) map[string]*apptest.Client {
	t.Helper()
	srv := w.Server(t)
	out := map[string]*apptest.Client{}
	for _, u := range users {
		out[u] = apptest.NewClient(t, srv.URL).Login(u, apptest.Password)
	}
	return out
}

// post sends a form and checks the status.
func post(t *testing.T, c *apptest.Client, path string, v url.Values, status int) (*http.Response, string) {
	t.Helper()
	resp, body := c.PostForm(path, v)
	if resp.StatusCode != status {
		t.Fatalf("POST %s: status %d, want %d\n%.3000s", path, resp.StatusCode, status, body)
	}
	return resp, body
}

// page fetches path and checks the status and that every form that posts
// carries the CSRF token.
func page(t *testing.T, c *apptest.Client, path string, status int) string {
	t.Helper()
	resp, body := c.Get(path)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: status %d, want %d\n%.2000s", path, resp.StatusCode, status, body)
	}
	if posts, tokens := strings.Count(body, `method="post"`), strings.Count(body, `name="_csrf"`); posts != tokens {
		t.Fatalf("GET %s: %d forms post, %d carry the CSRF token", path, posts, tokens)
	}
	return body
}

func mustContain(t *testing.T, where, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Fatalf("%s does not contain %q\n%.3000s", where, p, body)
		}
	}
}

func mustNotContain(t *testing.T, where, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Fatalf("%s contains %q", where, p)
		}
	}
}

func id(n int64) string { return fmt.Sprint(n) }

var fullID = regexp.MustCompile(`\b\d{17}[\dX]\b`)

func TestPagesRenderMasked(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		cs := clients(t, w, "community_admin", "grid_worker", "sys_admin", "street_admin")
		leader, gw := cs["community_admin"], cs["grid_worker"]
		head, member := w.Objects["person"][apptest.InA], w.Objects["member"][apptest.InA]
		hh, dw, b := w.Objects["household"][apptest.InA], w.Objects["dwelling"][apptest.InA], w.Objects["building"][apptest.InA]
		rental := w.Objects["rental"][apptest.InA]

		list := page(t, leader, "/registry", 200)
		mustContain(t, "list", list, "居民甲户主", "居民乙配偶", "110***********", "138****8001", "/registry/export?", "/registry/import", "刑释解教", "共 4 条")
		mustNotContain(t, "list", list, "居民丁户主")
		if fullID.MatchString(list) {
			t.Fatal("the list shows a full ID number")
		}
		// Search by pinyin initials, age filter, head only, pager links keep the query.
		mustContain(t, "pinyin search", page(t, leader, "/registry?q=jmjhz", 200), "居民甲户主", "共 1 条")
		mustContain(t, "heads", page(t, leader, "/registry?head=1&age_min=60", 200), "居民甲户主", "居民乙户主", "共 2 条")
		// The export link carries the same filter.
		mustContain(t, "export link", page(t, leader, "/registry?q=jm&tag=elderly", 200), `href="/registry/export?q=jm&amp;tag=elderly"`)

		p := page(t, leader, "/registry/people/"+id(head), 200)
		mustContain(t, "person page", p, "居民甲户主", "110***********", "刑释解教", "老年人", "/registry/households/"+id(hh), "居民甲配偶", "登记", "查看完整证件号/电话", `name="reason"`)
		if fullID.MatchString(p) {
			t.Fatal("the person page shows a full ID number")
		}
		mustContain(t, "edit form", page(t, leader, "/registry/people/"+id(head)+"/edit", 200), "留空表示保持不变", "110***********")
		mustContain(t, "new form", page(t, leader, "/registry/people/new", 200), "选择楼栋", "新增居民")
		mustContain(t, "new into household", page(t, leader, "/registry/people/new?household="+id(hh), 200), "加入户号 H-甲", `name="relation"`)
		mustContain(t, "new at dwelling", page(t, leader, "/registry/people/new?dwelling="+id(dw), 200), "加入户号 H-甲（户主 居民甲户主）", "小区甲苑 甲楼 甲单元 101")

		f := page(t, leader, "/registry/households/"+id(hh), 200)
		mustContain(t, "household file", f, "一户一档", "H-甲", "居民甲户主", "配偶", "110***********", "data-print", "printonly", "变动记录", "household-homes",
			`href="/registry/households/`+id(hh)+`/head"`, `href="/registry/households/`+id(hh)+`/split"`, `href="/registry/households/`+id(hh)+`/merge"`, `href="/registry/households/`+id(hh)+`/move"`)
		// The file is the record: the change forms are each on a page of their own.
		mustNotContain(t, "household file", f, "head-form", "split-form", "merge-form", "hh-move-form")
		for op, form := range map[string]string{"head": "head-form", "split": "split-form", "merge": "merge-form", "move": "hh-move-form"} {
			mustContain(t, "household "+op, page(t, leader, "/registry/households/"+id(hh)+"/"+op, 200), form, `href="/registry/households/`+id(hh)+`"`, "居民甲配偶")
		}
		mustContain(t, "grid", page(t, gw, "/registry/grid", 200), "网格甲A", "甲楼", "2 人")
		gb := page(t, gw, "/registry/grid/buildings/"+id(b), 200)
		mustContain(t, "grid building", gb, "101", "居民甲户主", "居民甲配偶", "138****8001", "/registry/grid/people/"+id(member), "/registry/rentals/"+id(rental))
		mustNotContain(t, "grid building", gb, "刑释解教")
		mustContain(t, "grid person", page(t, gw, "/registry/grid/people/"+id(member), 200), "quick-form", "tags-form", "leave-form")

		mustContain(t, "rentals", page(t, leader, "/registry/rentals", 200), "甲房东某", "乙房东某", "139****0001")
		mustContain(t, "rental", page(t, gw, "/registry/rentals/"+id(rental), 200), "甲房东某", "居民甲配偶", "2027-12-31")
		mustContain(t, "rental new", page(t, gw, "/registry/rentals/new?dwelling="+id(dw), 200), "居民甲户主", `name="tenants"`)

		mustContain(t, "dashboard", page(t, leader, "/", 200), "在册居民", "刑释解教", "出租房")
		mustNotContain(t, "grid worker's dashboard", page(t, gw, "/", 200), "刑释解教")

		tags := page(t, cs["sys_admin"], "/registry/tags", 200)
		mustContain(t, "tag admin", tags, "刑释解教", "released_prisoner", "综治")
		mustContain(t, "tag edit", page(t, cs["sys_admin"], "/registry/tags/"+id(w.Objects["tag"][apptest.InA]), 200), "elderly", "老年人")

		// The street leader picks a community before buildings are offered.
		mustContain(t, "picker", page(t, cs["street_admin"], "/registry/people/new", 200), "先选择社区")
		mustContain(t, "picker building", page(t, cs["street_admin"], fmt.Sprintf("/registry/people/new?pick_c=%d&pick_b=%d", w.C1, b), 200), "小区甲苑 甲楼 甲单元 101")
	})
}

func TestPersonFormsAndFlows(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		cs := clients(t, w, "community_admin", "grid_worker")
		leader, gw := cs["community_admin"], cs["grid_worker"]
		dw := w.Objects["dwelling"][apptest.InA]
		head, member := w.Objects["person"][apptest.InA], w.Objects["member"][apptest.InA]
		hh := w.Objects["household"][apptest.InA]

		// Bad input comes back as 422 with the fields named in Chinese, the form refilled.
		_, body := post(t, gw, "/registry/people/new", url.Values{"dwelling_id": {id(dw)}, "name": {""}, "id_number": {"110105194912310021"}, "phone": {"12345"}, "employer": {"某单位"}}, 422)
		mustContain(t, "422", body, "请填写“姓名”", "校验位", "联系电话应为", `value="某单位"`)
		// An address outside the grid is simply not found.
		post(t, gw, "/registry/people/new", url.Values{"dwelling_id": {id(w.Objects["dwelling"][apptest.InB])}, "name": {"越界"}}, 404)

		newID := apptest.RegistryID("110105", 1990, 9)
		resp, _ := post(t, gw, "/registry/people/new", url.Values{"dwelling_id": {id(dw)}, "name": {"张三丰"}, "id_number": {newID}, "phone": {"13912345678"},
			"household_number": {"H-新"}, "residence_type": {"migrant"}, "tags": {"elderly"}, "event": {"move_in"}, "since": {"2026-01-05"}}, 303)
		created := strings.TrimPrefix(resp.Header.Get("Location"), "/registry/people/")
		p := page(t, gw, "/registry/people/"+created, 200)
		mustContain(t, "created", p, "张三丰", "110***********", "139****5678", "流动人口", "老年人", "H-新", "迁入")
		mustNotContain(t, "created", p, newID)

		// Editing without the documents keeps them; the form said so.
		post(t, gw, "/registry/people/"+created+"/edit", url.Values{"name": {"张三丰"}, "employer": {"邻里科技"}, "residence_type": {"migrant"}}, 303)
		cid := int64(0)
		fmt.Sscan(created, &cid)
		got, _ := w.App.Registry.GetPerson(ctx, w.Principal(t, "community_admin"), cid)
		if got.Employer != "邻里科技" || got.IDMask == "" || got.PhoneMask != "139****5678" {
			t.Fatalf("after edit: %+v", got)
		}
		_, body = post(t, gw, "/registry/people/"+created+"/edit", url.Values{"name": {""}, "phone": {"abc"}}, 422)
		mustContain(t, "edit 422", body, "请填写“姓名”", "联系电话应为")

		// Quick edit on the phone view: the phone and the residence type, back to the building.
		resp, _ = post(t, gw, "/registry/grid/people/"+created, url.Values{"phone": {"13800001111"}, "residence_type": {"resident"}}, 303)
		if !strings.HasPrefix(resp.Header.Get("Location"), "/registry/grid/buildings/") {
			t.Fatalf("quick edit returns to %s", resp.Header.Get("Location"))
		}
		_, body = post(t, gw, "/registry/grid/people/"+created, url.Values{"phone": {"1"}}, 422)
		mustContain(t, "quick 422", body, "联系电话应为", "quick-form")
		post(t, gw, "/registry/people/"+created+"/tags", url.Values{"tags": {"living_alone"}, "from": {"grid"}}, 303)
		got, _ = w.App.Registry.GetPerson(ctx, w.Principal(t, "community_admin"), cid)
		if got.PhoneMask != "138****1111" || got.ResidenceType != "resident" || len(got.Tags) != 1 || got.Tags[0].Code != "living_alone" {
			t.Fatalf("after quick edits: %+v %v", got, got.Tags)
		}
		// A form posted without the page's CSRF token is refused by the shell and changes nothing.
		forged := *gw
		forged.CSRF = ""
		resp, _ = forged.PostForm("/registry/people/"+created+"/tags", url.Values{"tags": {"elderly"}})
		if resp.StatusCode != 403 {
			t.Fatalf("a post without the CSRF token: %d", resp.StatusCode)
		}
		if got, _ = w.App.Registry.GetPerson(ctx, w.Principal(t, "community_admin"), cid); len(got.Tags) != 1 {
			t.Fatalf("the refused post changed the groups: %v", got.Tags)
		}
		// A group the grid worker may not see cannot be named.
		_, body = post(t, gw, "/registry/people/"+created+"/tags", url.Values{"tags": {"released_prisoner"}}, 422)
		mustContain(t, "hidden tag", body, "找不到分组")

		// Move within the deployment keeps the residence history.
		_, body = post(t, leader, "/registry/people/"+created+"/move", url.Values{"on": {"2026-02-30"}}, 422)
		mustContain(t, "move 422", body, "“迁移日期”不是有效日期", "请选择居住的房屋")
		post(t, leader, "/registry/people/"+created+"/move", url.Values{"dwelling_id": {id(w.Objects["dwelling"][apptest.InB])}, "on": {"2026-03-01"}}, 303)
		mustContain(t, "moved", page(t, leader, "/registry/people/"+created, 200), "小区乙苑 乙楼 乙单元 101", "小区甲苑 甲楼 甲单元 101", "2026-03-01", "至今")
		page(t, gw, "/registry/people/"+created, 404)

		// The head leaves: the form asks for a new head and relations; 422 until given.
		p = page(t, leader, "/registry/people/"+id(head)+"/leave", 200)
		mustContain(t, "leave form", p, `name="new_head"`, fmt.Sprintf(`name="relation_%d"`, member))
		_, body = post(t, leader, "/registry/people/"+id(head)+"/leave", url.Values{"kind": {"move_out"}, "on": {"2026-04-01"}, "destination": {"上海市"}}, 422)
		mustContain(t, "leave 422", body, "请指定新的户主", "leave-form")
		resp, _ = post(t, leader, "/registry/people/"+id(head)+"/leave", url.Values{"kind": {"move_out"}, "on": {"2026-04-01"}, "destination": {"上海市"},
			"new_head": {id(member)}}, 303)
		if resp.Header.Get("Location") != "/registry/people/"+id(head) {
			t.Fatalf("leave redirects to %s", resp.Header.Get("Location"))
		}
		f := page(t, leader, "/registry/households/"+id(hh), 200)
		mustContain(t, "household after leave", f, "原家庭成员", "已迁出", "迁往：上海市")
		// Death of the last member closes nothing by hand: the household is dissolved.
		post(t, leader, "/registry/people/"+id(member)+"/leave", url.Values{"kind": {"death"}, "on": {"2026-05-01"}}, 303)
		mustContain(t, "dissolved", page(t, leader, "/registry/households/"+id(hh), 200), "已注销", "已故")
	})
}

func TestHouseholdActions(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		leader := clients(t, w, "community_admin")["community_admin"]
		pr := w.Principal(t, "community_admin")
		hh := w.Objects["household"][apptest.InA]
		head, spouse := w.Objects["person"][apptest.InA], w.Objects["member"][apptest.InA]
		son, err := w.App.Registry.CreatePerson(ctx, pr, registry.PersonInput{Name: "居民甲儿子", IDNumber: apptest.RegistryID("110105", 1980, 5),
			DwellingID: w.Objects["dwelling"][apptest.InA], HouseholdID: hh, Relation: "son", Since: "2020-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		base := "/registry/households/" + id(hh)

		// 户内变更: the old head's relation must be given.
		_, body := post(t, leader, base+"/head", url.Values{"new_head": {id(spouse)}, "on": {"2026-06-01"}}, 422)
		mustContain(t, "head 422", body, "请填写“居民甲户主”与户主的关系", "head-form")
		post(t, leader, base+"/head", url.Values{"new_head": {id(spouse)}, "relation_" + id(head): {"spouse"}, "on": {"2026-06-01"}}, 303)
		h, _ := w.App.Registry.GetHousehold(ctx, pr, hh)
		if h.HeadID != spouse {
			t.Fatalf("head is %d", h.HeadID)
		}

		// 分户: the son leaves for a new household.
		_, body = post(t, leader, base+"/split", url.Values{"on": {"2026-07-01"}}, 422)
		mustContain(t, "split 422", body, "请选择分出的成员")
		resp, _ := post(t, leader, base+"/split", url.Values{"members": {id(son)}, "new_head": {id(son)}, "number": {"H-甲2"}, "on": {"2026-07-01"}}, 303)
		newHH := resp.Header.Get("Location")
		mustContain(t, "new household", page(t, leader, newHH, 200), "H-甲2", "居民甲儿子", "分户")

		// 合户: back, relation required; unknown 户号 named.
		_, body = post(t, leader, newHH+"/merge", url.Values{"into_number": {"H-无"}, "on": {"2026-08-01"}}, 422)
		mustContain(t, "merge 422", body, "找不到户号为“H-无”的在册户")
		_, body = post(t, leader, newHH+"/merge", url.Values{"into_number": {"H-甲"}, "on": {"2026-08-01"}}, 422)
		mustContain(t, "merge relations", body, "请填写“居民甲儿子”与户主的关系")
		resp, _ = post(t, leader, newHH+"/merge", url.Values{"into_number": {"H-甲"}, "relation_" + id(son): {"son"}, "on": {"2026-08-01"}}, 303)
		if resp.Header.Get("Location") != base {
			t.Fatalf("merge goes to %s", resp.Header.Get("Location"))
		}

		// Moving the household: the dwelling is required, then moved with its members.
		_, body = post(t, leader, base+"/move", url.Values{"on": {"2026-09-01"}}, 422)
		mustContain(t, "move 422", body, "请选择居住的房屋")
		post(t, leader, base+"/move", url.Values{"dwelling_id": {id(w.Objects["dwelling"][apptest.InB])}, "on": {"2026-09-01"}}, 303)
		f := page(t, leader, base, 200)
		mustContain(t, "after move", f, "小区乙苑 乙楼 乙单元 101", "户内变更", "合户", "迁入")
		// The grid worker of grid A no longer reaches the household.
		gw := clients(t, w, "grid_worker")["grid_worker"]
		page(t, gw, base, 404)
		resp, _ = gw.PostForm(base+"/head", url.Values{"new_head": {id(spouse)}, "on": {"2026-06-01"}})
		if resp.StatusCode != 404 {
			t.Fatalf("grid worker changed another grid's household: %d", resp.StatusCode)
		}
	})
}

func TestRevealIsExplicitAuditedAndRefused(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		cs := clients(t, w, "community_admin", "grid_worker", "community_admin_c2")
		leader := cs["community_admin"]
		head := w.Objects["person"][apptest.InA]
		path := "/registry/people/" + id(head) + "/reveal"

		resp, _ := cs["grid_worker"].PostForm(path, url.Values{"reason": {"x"}})
		if resp.StatusCode != 403 {
			t.Fatalf("grid worker revealed: %d", resp.StatusCode)
		}
		mustNotContain(t, "grid worker's person page", page(t, cs["grid_worker"], "/registry/people/"+id(head), 200), "reveal-form")
		resp, _ = cs["community_admin_c2"].PostForm(path, url.Values{"reason": {"x"}})
		if resp.StatusCode != 404 {
			t.Fatalf("another community revealed: %d", resp.StatusCode)
		}
		_, body := post(t, leader, path, url.Values{}, 422)
		mustContain(t, "reveal 422", body, "请填写“查看原因”")
		resp, body = post(t, leader, path, url.Values{"reason": {"核对低保申请"}}, 200)
		if resp.Header.Get("Location") != "" || !fullID.MatchString(body) || !strings.Contains(body, "13800138001") || !strings.Contains(body, "已记入审计日志") {
			t.Fatalf("reveal page:\n%.2000s", body)
		}
		if c := resp.Header.Get("Cache-Control"); c != "no-store" {
			t.Fatalf("reveal response cacheable: %q", c)
		}
		// Shown once: the next visit is masked again.
		if fullID.MatchString(page(t, leader, "/registry/people/"+id(head), 200)) {
			t.Fatal("the full number outlived the reveal")
		}

		// The API does the same with a JSON body.
		resp, body = cs["grid_worker"].JSON("POST", "/api/v1/people/"+id(head)+"/reveal", `{"reason":"x"}`)
		if resp.StatusCode != 403 || !strings.Contains(body, `"forbidden"`) {
			t.Fatalf("API reveal by grid worker: %d %s", resp.StatusCode, body)
		}
		resp, body = leader.JSON("POST", "/api/v1/people/"+id(head)+"/reveal", `{}`)
		if resp.StatusCode != 422 || !strings.Contains(body, `"field":"reason"`) {
			t.Fatalf("API reveal without reason: %d %s", resp.StatusCode, body)
		}
		resp, body = leader.JSON("POST", "/api/v1/people/"+id(head)+"/reveal", `{"reason":"接口核对"}`)
		var rv registry.RevealJSON
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &rv) != nil || len(rv.IDNumber) != 18 || rv.Phone != "13800138001" {
			t.Fatalf("API reveal: %d %s", resp.StatusCode, body)
		}
		entries, _, _ := audit.Search(ctx, w.DB.Reader(), audit.Filter{Action: "person.reveal"})
		if len(entries) != 2 {
			t.Fatalf("reveals audited: %d", len(entries))
		}
		for _, e := range entries {
			if e.ActorName != "community_admin" || strings.Contains(e.Detail, rv.IDNumber) || (!strings.Contains(e.Detail, "核对低保申请") && !strings.Contains(e.Detail, "接口核对")) {
				t.Fatalf("audit entry %+v", e)
			}
		}
	})
}

func TestPeopleAPI(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		cs := clients(t, w, "community_admin", "grid_worker")
		leader, gw := cs["community_admin"], cs["grid_worker"]
		var list struct {
			Total int
			Items []map[string]any
		}
		get := func(c *apptest.Client, path string, status int, v any) string {
			t.Helper()
			resp, body := c.Get(path)
			if resp.StatusCode != status {
				t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
			}
			if v != nil {
				if err := json.Unmarshal([]byte(body), v); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
			}
			return body
		}
		body := get(leader, "/api/v1/people?q=jm&limit=3", 200, &list)
		if list.Total != 4 || len(list.Items) != 3 {
			t.Fatalf("q=jm limit=3: total %d, %d items", list.Total, len(list.Items))
		}
		if fullID.MatchString(body) || !strings.Contains(body, `"id_number_masked":"110***********`) || !strings.Contains(body, `"phone_masked":"138****8001"`) {
			t.Fatalf("not masked: %s", body)
		}
		get(leader, fmt.Sprintf("/api/v1/people?grid=%d&head=1&age_min=70&sex=M&residence_type=registered&tag=elderly", w.GridA), 200, &list)
		if list.Total != 1 || list.Items[0]["name"] != "居民甲户主" {
			t.Fatalf("filters: %+v", list)
		}
		get(gw, fmt.Sprintf("/api/v1/people?org=%d", w.C2), 404, nil)
		get(gw, "/api/v1/people", 200, &list)
		if list.Total != 2 {
			t.Fatalf("grid worker sees %d", list.Total)
		}

		var person map[string]any
		get(leader, "/api/v1/people/"+id(w.Objects["person"][apptest.InA]), 200, &person)
		if person["is_head"] != true || person["household_number"] != "H-甲" {
			t.Fatalf("person: %v", person)
		}
		get(gw, "/api/v1/people/"+id(w.Objects["person"][apptest.InB]), 404, nil)
		var hh struct {
			Number  string
			Members []map[string]any
		}
		get(leader, "/api/v1/households/"+id(w.Objects["household"][apptest.InA]), 200, &hh)
		if hh.Number != "H-甲" || len(hh.Members) != 2 {
			t.Fatalf("household: %+v", hh)
		}

		// Create, with field errors in JSON; update keeps documents not sent.
		resp, body := gw.JSON("POST", "/api/v1/people", fmt.Sprintf(`{"dwelling_id":%d,"name":"","phone":"1"}`, w.Objects["dwelling"][apptest.InA]))
		if resp.StatusCode != 422 || !strings.Contains(body, `"field":"name"`) || !strings.Contains(body, `"field":"phone"`) {
			t.Fatalf("API create 422: %d %s", resp.StatusCode, body)
		}
		resp, _ = gw.JSON("POST", "/api/v1/people", fmt.Sprintf(`{"dwelling_id":%d,"name":"越界"}`, w.Objects["dwelling"][apptest.InB]))
		if resp.StatusCode != 404 {
			t.Fatalf("API create outside the grid: %d", resp.StatusCode)
		}
		resp, body = gw.JSON("POST", "/api/v1/people", fmt.Sprintf(`{"dwelling_id":%d,"household_id":%d,"relation":"son","name":"接口新人","id_number":%q,"tags":["elderly"]}`,
			w.Objects["dwelling"][apptest.InA], w.Objects["household"][apptest.InA], apptest.RegistryID("110105", 2001, 3)))
		if resp.StatusCode != 201 {
			t.Fatalf("API create: %d %s", resp.StatusCode, body)
		}
		json.Unmarshal([]byte(body), &person)
		pid := fmt.Sprint(int64(person["id"].(float64)))
		resp, body = gw.JSON("PUT", "/api/v1/people/"+pid, `{"name":"接口新人","employer":"街道","residence_type":"resident","tags":[]}`)
		if resp.StatusCode != 200 || !strings.Contains(body, `"employer":"街道"`) || !strings.Contains(body, `"id_number_masked":"110***********`) || !strings.Contains(body, `"tags":[]`) {
			t.Fatalf("API update: %d %s", resp.StatusCode, body)
		}
		resp, _ = gw.JSON("PUT", "/api/v1/people/"+id(w.Objects["person"][apptest.InB]), `{"name":"改名"}`)
		if resp.StatusCode != 404 {
			t.Fatalf("API update outside the grid: %d", resp.StatusCode)
		}
		var tags struct{ Items []registry.TagJSON }
		get(leader, "/api/v1/tags", 200, &tags)
		if !hasTag(tags.Items, "released_prisoner") {
			t.Fatalf("leader's tags: %+v", tags)
		}
	})
}

func hasTag(items []registry.TagJSON, code string) bool {
	for _, t := range items {
		if t.Code == code {
			return true
		}
	}
	return false
}

func TestTagAdministration(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		cs := clients(t, w, "sys_admin", "grid_worker", "community_admin")
		admin := cs["sys_admin"]
		_, body := post(t, admin, "/registry/tags", url.Values{"code": {"Bad Code"}, "name": {"老年人"}, "sensitivity": {"1"}}, 422)
		mustContain(t, "tag 422", body, "分组代码应以小写英文字母开头", "至少要勾选一个可见角色或条线")
		_, body = post(t, admin, "/registry/tags", url.Values{"code": {"elderly"}, "name": {"老年人"}}, 422)
		mustContain(t, "tag clash", body, "“分组代码”已存在：elderly", "“分组名称”已存在：老年人")
		post(t, admin, "/registry/tags", url.Values{"code": {"drug_rehab"}, "name": {"社区戒毒"}, "sensitivity": {"2"}, "lines": {"governance"}, "sort": {"150"}, "active": {"1"}}, 303)
		mustContain(t, "tag list", page(t, admin, "/registry/tags", 200), "社区戒毒", "drug_rehab", "高度敏感")

		sys := auth.System("test")
		all, _ := w.App.Registry.AllTags(ctx, sys)
		var tid int64
		for _, tg := range all {
			if tg.Code == "drug_rehab" {
				tid = tg.ID
			}
		}
		// Sensitive: the grid worker does not see it; opened to grid workers, they do.
		if hasTagCode(t, w, "grid_worker", "drug_rehab") || hasTagCode(t, w, "community_admin", "drug_rehab") {
			t.Fatal("a new governance group is visible to the grid worker")
		}
		post(t, admin, "/registry/tags/"+id(tid), url.Values{"name": {"社区戒毒人员"}, "sensitivity": {"2"}, "roles": {"grid_worker"}, "lines": {"governance"}, "sort": {"150"}, "active": {"1"}}, 303)
		if !hasTagCode(t, w, "grid_worker", "drug_rehab") {
			t.Fatal("opened to grid workers, still hidden")
		}
		mustContain(t, "grid worker tags", page(t, cs["grid_worker"], "/registry", 200), "社区戒毒人员")
		entries, _, _ := audit.Search(ctx, w.DB.Reader(), audit.Filter{Action: "tag.update"})
		if len(entries) != 1 || !strings.Contains(entries[0].Detail, "grid_worker") {
			t.Fatalf("tag change audited: %+v", entries)
		}
		// Only the system administrator administers groups.
		resp, _ := cs["community_admin"].PostForm("/registry/tags", url.Values{"code": {"x_y"}, "name": {"某组"}})
		if resp.StatusCode != 403 {
			t.Fatalf("community admin defined a group: %d", resp.StatusCode)
		}
		page(t, admin, "/registry/tags/999999", 404)
	})
}

func hasTagCode(t *testing.T, w *apptest.World, user, code string) bool {
	tags, err := w.App.Registry.VisibleTags(context.Background(), w.Principal(t, user))
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range tags {
		if tg.Code == code {
			return true
		}
	}
	return false
}

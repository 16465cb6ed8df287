package cases_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/cases"
)

// Every page renders for the people who use it, with the facts they need.
func TestPagesRender(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		leader := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		resident := apptest.NewClient(t, srv.URL).Login("resident", apptest.Password)
		sys := apptest.NewClient(t, srv.URL).Login("sys_admin", apptest.Password)
		get := func(c *apptest.Client, path string, want ...string) string {
			t.Helper()
			resp, body := c.Get(path)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d\n%.400s", path, resp.StatusCode, body)
			}
			for _, s := range want {
				if !strings.Contains(body, s) {
					t.Fatalf("GET %s lacks %q", path, s)
				}
			}
			return body
		}
		get(leader, "/cases", "待受理", "甲诉求噪音扰民")
		get(leader, "/cases/all?type=request&status=open", "乙诉求噪音扰民")
		get(leader, "/cases/new?type=request", "反映人姓名")
		get(gw, "/cases/report", `capture="environment"`, "网格事件")
		get(leader, fmt.Sprintf("/cases/%d", w.Objects["case"][apptest.InA]), "受理", "138****8000", "小区甲苑 甲楼 甲单元 101")
		get(gw, fmt.Sprintf("/cases/%d", w.Objects["case_dispute"][apptest.InA]), "受理调解", "当事人", "申请人甲某")
		get(gw, fmt.Sprintf("/cases/%d/agreement", w.Objects["case_dispute"][apptest.InA]), "人民调解协议书", "赔偿五百元", "当事人（签名）")
		get(gw, fmt.Sprintf("/cases/%d/agreement/edit", w.Objects["case_dispute"][apptest.InA]), "纠纷主要事实")
		get(gw, fmt.Sprintf("/cases/%d/notice", w.Objects["case_hazard"][apptest.InA]), "安全隐患整改通知书", "2099年12月31日", "〔2026〕整改字第 1 号", "签收人")
		get(gw, fmt.Sprintf("/cases/%d", w.Objects["case_event"][apptest.InA]), "立案")
		get(leader, "/cases/stats", "受理量", "网格甲A")
		get(resident, "/portal/requests", "楼道灯不亮")
		get(resident, "/portal/requests/new", "一号社区")
		get(resident, fmt.Sprintf("/portal/requests/%d", w.Objects["case_own"][apptest.InA]), "办理进度")
		get(sys, "/admin/case-types?type=dispute", "调解不成", `value="family"`, `value="婚姻家庭"`)
		get(sys, "/admin/calendar?year=2026", "春节", "调休上班")

		// Exports are spreadsheets.
		for _, path := range []string{"/cases/export?type=request", "/cases/stats/export"} {
			resp, body := leader.Get(path)
			if resp.StatusCode != 200 || !strings.HasPrefix(body, "PK") {
				t.Fatalf("%s: %d", path, resp.StatusCode)
			}
		}

		// The link picker finds the dwelling and links it.
		id := w.Objects["case"][apptest.InB]
		body := get(leader, fmt.Sprintf("/cases/%d?link_kind=dwelling&link_q=%s", id, url.QueryEscape("乙楼 101")), "小区乙苑 乙楼 乙单元 101")
		if !strings.Contains(body, `name="ref_id"`) {
			t.Fatal("no link button")
		}

		// A transition from the page, with a form error first.
		// The refusal is post/redirect/get: 303 back to the case, whose page
		// shows the step's form open with the problem, once.
		resp, _ := leader.PostForm(fmt.Sprintf("/cases/%d/transition", id), url.Values{"action": {"reject"}, "note": {""}, "public_reply": {"请补充材料"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != fmt.Sprintf("/cases/%d#step-reject", id) {
			t.Fatalf("reject without note: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body = leader.Get(fmt.Sprintf("/cases/%d", id))
		if resp.StatusCode != 200 || !strings.Contains(body, `id="step-reject" open`) || !strings.Contains(body, "请填写“办理意见”") {
			t.Fatalf("the case page after a refused step: %d %v", resp.StatusCode, strings.Contains(body, `id="step-reject" open`))
		}
		// Loading it again is a plain page: the refusal was shown once.
		if _, body = leader.Get(fmt.Sprintf("/cases/%d", id)); strings.Contains(body, `id="step-reject" open`) {
			t.Fatal("the refused form is shown again on a reload")
		}
		resp, _ = leader.PostForm(fmt.Sprintf("/cases/%d/transition", id), url.Values{"action": {"accept"}})
		if resp.StatusCode != 303 {
			t.Fatalf("accept: %d", resp.StatusCode)
		}
		get(leader, fmt.Sprintf("/cases/%d", id), "已受理", "派遣")
	})
}

func multipartBody(t *testing.T, fields map[string]string, files map[string][]byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, data := range files {
		fw, err := mw.CreateFormFile("files", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// Photos go in with the report and come back as images; anything else that is
// not a known file type is refused by its bytes, not its name.
func TestUploads(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		fields := map[string]string{"_csrf": gw.CSRF, "type": "grid_event", "category": "city", "title": "垃圾满溢", "grid_id": fmt.Sprint(w.GridA), "mobile": "1"}
		body, ct := multipartBody(t, fields, map[string][]byte{"fake.jpg": []byte("<html><script>alert(1)</script></html>")})
		resp, page := gw.Do("POST", "/cases", body, ct)
		if resp.StatusCode != 422 || !strings.Contains(page, "fake.jpg") {
			t.Fatalf("HTML posing as a photo: %d", resp.StatusCode)
		}
		body, ct = multipartBody(t, fields, map[string][]byte{"现场.png": apptest.TinyPNG})
		resp, _ = gw.Do("POST", "/cases", body, ct)
		if resp.StatusCode != 303 {
			t.Fatalf("report with photo: %d", resp.StatusCode)
		}
		var file int64
		mustNil(t, w.DB.QueryRowContext(context.Background(), `SELECT f.id FROM case_file f JOIN cases c ON c.community_id = f.community_id AND c.id = f.case_id WHERE c.title = '垃圾满溢'`).Scan(&file))
		resp, data := gw.Get(fmt.Sprintf("/case-files/%d", file))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" || data != string(apptest.TinyPNG) {
			t.Fatalf("photo served as %q %q", resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
		// The grid worker of B does not reach it; the resident neither.
		resident := apptest.NewClient(t, srv.URL).Login("resident", apptest.Password)
		if resp, _ := resident.Get(fmt.Sprintf("/case-files/%d", file)); resp.StatusCode != 404 {
			t.Fatalf("resident fetched a staff file: %d", resp.StatusCode)
		}
		// Too big a file is refused with its name.
		w.App.Cases.MaxFile = 100
		body, ct = multipartBody(t, fields, map[string][]byte{"big.png": append(append([]byte{}, apptest.TinyPNG...), make([]byte, 200)...)})
		resp, page = gw.Do("POST", "/cases", body, ct)
		if resp.StatusCode != 422 || !strings.Contains(page, "big.png") {
			t.Fatalf("oversize file: %d", resp.StatusCode)
		}
	})
}

// Open311 GeoReport v2: the service list is public, requests need a staff
// account's API token in api_key, and stages map to open/closed.
func TestOpen311(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		srv := w.Server(t)
		anon := apptest.NewClient(t, srv.URL)
		resp, body := anon.Get("/open311/v2/services.json")
		var services []map[string]any
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &services) != nil || len(services) != 10 || services[0]["service_code"] != "request.property" {
			t.Fatalf("services.json: %d %s", resp.StatusCode, body)
		}
		if resp, body := anon.Get("/open311/v2/services.xml"); resp.StatusCode != 200 || !strings.Contains(body, "<service_code>request.noise</service_code>") {
			t.Fatalf("services.xml: %s", body)
		}
		if resp, body := anon.Get("/open311/v2/requests.json"); resp.StatusCode != 401 || !strings.Contains(body, `"code":401`) {
			t.Fatalf("requests.json without key: %d %s", resp.StatusCode, body)
		}
		token, err := w.App.Auth.CreateAPIToken(ctx, w.Principal(t, "community_admin"), "open311", 0)
		mustNil(t, err)

		post := func(contentType, payload string, bearer bool) (*http.Response, string) {
			req, _ := http.NewRequest("POST", srv.URL+"/open311/v2/requests.json", strings.NewReader(payload))
			req.Header.Set("Content-Type", contentType)
			if bearer {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, string(b)
		}
		resp, body = post("application/json", `{"api_key":"`+token+`","service_code":"request.noise","description":"夜里十点后广场舞音响太响","address_string":"小区甲苑广场","phone":"13800001234","last_name":"赵"}`, false)
		var created []map[string]string
		if resp.StatusCode != 201 || json.Unmarshal([]byte(body), &created) != nil || len(created) != 1 || !strings.HasPrefix(created[0]["service_request_id"], "SQ") {
			t.Fatalf("POST requests.json: %d %s", resp.StatusCode, body)
		}
		number := created[0]["service_request_id"]
		// A GeoReport client posting a form with the key as a Bearer header passes the shell today.
		resp, body = post("application/x-www-form-urlencoded", url.Values{"service_code": {"request.repair"}, "description": {"路灯坏了"}}.Encode(), true)
		if resp.StatusCode != 201 {
			t.Fatalf("form POST with bearer: %d %s", resp.StatusCode, body)
		}
		resp, body = post("application/json", `{"api_key":"`+token+`","service_code":"dispute.family","description":"x"}`, false)
		if resp.StatusCode != 400 {
			t.Fatalf("a type that is not an Open311 service: %d %s", resp.StatusCode, body)
		}
		resp, body = anon.Get("/open311/v2/requests.json?api_key=" + token)
		var list []map[string]any
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list) < 2 {
			t.Fatalf("requests.json: %d %s", resp.StatusCode, body)
		}
		found := false
		for _, r := range list {
			found = found || (r["service_request_id"] == number && r["status"] == "open" && r["address"] == "小区甲苑广场")
		}
		if !found {
			t.Fatalf("new request not listed: %s", body)
		}
		if resp, body := anon.Get("/open311/v2/requests/" + number + ".xml?api_key=" + token); resp.StatusCode != 200 || !strings.Contains(body, "<status>open</status>") {
			t.Fatalf("requests/{id}.xml: %d %s", resp.StatusCode, body)
		}
		// Closing maps to closed.
		id, _ := cases.ParseNumber(number)
		leader := w.Principal(t, "community_admin")
		step(t, w.App.Cases, leader, id, cases.TransitionInput{Action: "reject", Note: "物业经理说他们会管", Reply: "已由物业处理"})
		if resp, body := anon.Get("/open311/v2/requests/" + number + ".json?api_key=" + token); resp.StatusCode != 200 || !strings.Contains(body, `"status":"closed"`) ||
			!strings.Contains(body, `"status_notes":"已由物业处理"`) || strings.Contains(body, "物业经理") {
			t.Fatalf("closed: %s", body)
		}
		// A grid worker's token sees only its grid.
		gwToken, err := w.App.Auth.CreateAPIToken(ctx, w.Principal(t, "grid_worker"), "open311", 0)
		mustNil(t, err)
		_, body = anon.Get("/open311/v2/requests.json?api_key=" + gwToken)
		if !strings.Contains(body, "甲") && strings.Contains(body, number) {
			t.Fatalf("grid worker sees the community's request: %s", body)
		}
		if resp, _ := anon.Get("/open311/v2/requests/" + number + ".json?api_key=" + gwToken); resp.StatusCode != 404 {
			t.Fatalf("grid worker reads a community request: %d", resp.StatusCode)
		}
		// A session token is not an API key.
		res, _ := w.App.Auth.Login(ctx, "community_admin", apptest.Password, "ip", "ua", "api")
		if resp, _ := anon.Get("/open311/v2/requests.json?api_key=" + res.Token); resp.StatusCode != 401 {
			t.Fatalf("session token accepted: %d", resp.StatusCode)
		}
		// Date window.
		if resp, _ := anon.Get("/open311/v2/requests.json?api_key=" + token + "&start_date=yesterday"); resp.StatusCode != 400 {
			t.Fatalf("bad start_date: %d", resp.StatusCode)
		}
		_, body = anon.Get("/open311/v2/requests.json?api_key=" + token + "&end_date=2020-01-01T00:00:00Z")
		if body != "[]\n" {
			t.Fatalf("old window: %s", body)
		}
	})
}

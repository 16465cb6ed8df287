package followups_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/locale"
)

// phone is an API client as the offline queue is: a bearer token, any header.
type phone struct {
	t     *testing.T
	base  string
	token string
}

func login(t *testing.T, base, user string) *phone {
	t.Helper()
	ph := &phone{t: t, base: base}
	status, body := ph.do("POST", "/api/v1/session", `{"username":"`+user+`","password":"`+apptest.Password+`"}`, nil)
	var res struct{ Token string }
	if status != 200 || json.Unmarshal([]byte(body), &res) != nil || res.Token == "" {
		t.Fatalf("API login %s: %d %s", user, status, body)
	}
	ph.token = res.Token
	return ph
}

func (ph *phone) do(method, path, body string, header map[string]string) (int, string) {
	ph.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ph.base+path, rd)
	if err != nil {
		ph.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if ph.token != "" {
		req.Header.Set("Authorization", "Bearer "+ph.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ph.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (ph *phone) get(path string, want int) string {
	ph.t.Helper()
	status, body := ph.do("GET", path, "", nil)
	if status != want {
		ph.t.Fatalf("GET %s: %d, want %d\n%s", path, status, want, body)
	}
	return body
}

// apiError is the JSON error answer.
type apiError struct {
	Error struct {
		Code    string
		Message string
		Fields  []struct{ Field, Message string }
	}
}

func errorOf(t *testing.T, body string) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not an error answer: %s", body)
	}
	return e
}

func (e apiError) fields() []string {
	var out []string
	for _, f := range e.Error.Fields {
		out = append(out, f.Field)
	}
	sort.Strings(out)
	return out
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func setDue(t *testing.T, w *apptest.World, duty int64, due string) {
	t.Helper()
	if _, err := w.DB.ExecContext(context.Background(), `UPDATE fu_duty SET due_on = ? WHERE id = ?`, due, duty); err != nil {
		t.Fatal(err)
	}
}

func daysFrom(today string, n int) string {
	d, _ := time.Parse("2006-01-02", today)
	return d.AddDate(0, 0, n).Format("2006-01-02")
}

// governanceWorker adds a social worker of the 综治 line in community 1: the
// 帮教 talks fall to them.
func governanceWorker(t *testing.T, w *apptest.World) {
	t.Helper()
	if _, err := w.App.Auth.CreateUser(context.Background(), auth.System("test"), auth.NewUser{Username: "zongzhi", DisplayName: "综治社工",
		Password: apptest.Password, Roles: []auth.Role{auth.RoleSocialWorker}, Lines: []string{"governance"}, Scope: []int64{w.C1}, MFAExempt: true}); err != nil {
		t.Fatal(err)
	}
}

// The due list holds the caller's own duties only, in the pinned shape: the
// grid worker gets grid A's visit and inspection, never the 帮教 talk; the 综治
// social worker gets the 帮教 talk and not the grid worker's.
func TestAPIDueList(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		governanceWorker(t, w)
		srv := w.Server(t)
		gw, zz := login(t, srv.URL, "grid_worker"), login(t, srv.URL, "zongzhi")
		today := time.Now().In(locale.Zone).Format("2006-01-02")
		visit, talk := w.Objects["fu_duty"][apptest.InA], w.Objects["fu_duty_sensitive"][apptest.InA]
		head, building := w.Objects["person"][apptest.InA], w.Objects["building"][apptest.InA]
		var inspection int64
		var lastDone string
		if err := w.DB.QueryRowContext(ctx, `SELECT d.id FROM fu_duty d JOIN fu_rule r ON r.id = d.rule_id WHERE r.name = '一号社区楼道检查'`).Scan(&inspection); err != nil {
			t.Fatal(err)
		}
		if err := w.DB.QueryRowContext(ctx, `SELECT last_done_on FROM fu_duty WHERE id = ?`, visit).Scan(&lastDone); err != nil || lastDone == "" {
			t.Fatalf("the fixture's visit: %q %v", lastDone, err)
		}
		setDue(t, w, visit, daysFrom(today, -3))
		setDue(t, w, talk, daysFrom(today, -2))
		setDue(t, w, inspection, today)

		// Overdue: the grid worker's visit, in exactly the pinned shape.
		var got map[string]any
		if err := json.Unmarshal([]byte(gw.get("/api/v1/followups/due?when=overdue", 200)), &got); err != nil {
			t.Fatal(err)
		}
		if got["total"] != float64(1) {
			t.Fatalf("overdue for the grid worker: %v", got)
		}
		item := got["items"].([]any)[0].(map[string]any)
		if k := keys(item); !reflect.DeepEqual(k, []string{"due_date", "duty_id", "grid", "grid_id", "household_id", "kind", "kind_name", "last_done", "overdue_days", "rule", "rule_id", "subject"}) {
			t.Errorf("item keys: %v", k)
		}
		want := map[string]any{"duty_id": float64(visit), "rule": "重点对象走访", "due_date": daysFrom(today, -3), "overdue_days": float64(3),
			"kind": "visit", "kind_name": "走访", "last_done": lastDone, "grid_id": float64(w.GridA), "grid": "网格甲A"}
		for k, v := range want {
			if item[k] != v {
				t.Errorf("item %s = %v, want %v", k, item[k], v)
			}
		}
		if sub := item["subject"].(map[string]any); !reflect.DeepEqual(sub, map[string]any{"kind": "person", "person_id": float64(head), "name": "居民甲户主"}) {
			t.Errorf("subject: %v", sub)
		}

		// Today: the inspection, a building.
		body := gw.get("/api/v1/followups/due?when=today", 200)
		if !strings.Contains(body, fmt.Sprintf(`"subject":{"kind":"building","building_id":%d,"name":"小区甲苑甲楼"}`, building)) ||
			!strings.Contains(body, `"total":1,`) || !strings.Contains(body, `"overdue_days":0`) {
			t.Errorf("today: %s", body)
		}

		// The 帮教 talk is the 综治 worker's, a person (a tag rule's subject);
		// the grid worker's visit is not theirs.
		body = zz.get("/api/v1/followups/due?when=overdue", 200)
		if !strings.Contains(body, `"total":1,`) || !strings.Contains(body, fmt.Sprintf(`"duty_id":%d,"rule":"帮教谈话"`, talk)) ||
			!strings.Contains(body, fmt.Sprintf(`"subject":{"kind":"person","person_id":%d,"name":"居民甲户主"}`, head)) {
			t.Errorf("the 综治 worker's overdue: %s", body)
		}
		for _, when := range []string{"overdue", "today", "week"} {
			if body := gw.get("/api/v1/followups/due?when="+when, 200); strings.Contains(body, "帮教") || strings.Contains(body, fmt.Sprintf(`"duty_id":%d,`, talk)) {
				t.Errorf("the grid worker's %s list shows the 帮教 talk: %s", when, body)
			}
		}
		// Nor may the grid worker read it, its records or its rule another way.
		gw.get(fmt.Sprintf("/api/v1/followups/duties/%d", talk), 404)
		gw.get(fmt.Sprintf("/api/v1/followups/records?duty_id=%d", talk), 404)
		for _, p := range []string{"/api/v1/followups/records", "/api/v1/followups/rules"} {
			if body := gw.get(p, 200); strings.Contains(body, "帮教") {
				t.Errorf("%s shows the grid worker the 帮教 talk: %s", p, body)
			}
		}
		if body := zz.get(fmt.Sprintf("/api/v1/followups/records?duty_id=%d", talk), 200); !strings.Contains(body, "帮教谈话记录甲") {
			t.Errorf("the 综治 worker's records of the talk: %s", body)
		}
		if body := zz.get(fmt.Sprintf("/api/v1/followups/duties/%d", talk), 200); !strings.Contains(body, `"status":"active"`) || !strings.Contains(body, `"can_record":true`) {
			t.Errorf("the 综治 worker's duty: %s", body)
		}

		// The week: today through the sixth day after it, in due order, paged.
		setDue(t, w, visit, daysFrom(today, 6))
		body = gw.get("/api/v1/followups/due?when=week&limit=1", 200)
		if !strings.Contains(body, `"total":2,`) || !strings.Contains(body, fmt.Sprintf(`"duty_id":%d,`, inspection)) || strings.Contains(body, fmt.Sprintf(`"duty_id":%d,`, visit)) {
			t.Errorf("week, first page: %s", body)
		}
		body = gw.get("/api/v1/followups/due?when=week&limit=1&offset=1", 200)
		if !strings.Contains(body, fmt.Sprintf(`"duty_id":%d,`, visit)) || strings.Contains(body, fmt.Sprintf(`"duty_id":%d,`, inspection)) {
			t.Errorf("week, second page: %s", body)
		}
		setDue(t, w, visit, daysFrom(today, 7))
		if body := gw.get("/api/v1/followups/due?when=week", 200); !strings.Contains(body, `"total":1,`) {
			t.Errorf("a duty due in seven days is in this week's list: %s", body)
		}

		// when is required and one of three.
		for _, q := range []string{"", "?when=month", "?when=OVERDUE"} {
			e := errorOf(t, gw.get("/api/v1/followups/due"+q, 400))
			if e.Error.Code != "bad_request" || !strings.Contains(e.Error.Message, "到期") {
				t.Errorf("due%s: %+v", q, e)
			}
		}
	})
}

// A record through the API: 201 with its id; the same Idempotency-Key again
// gives the same id and no second record; a plain form works; field errors
// are 422 naming the fields, with nothing saved; an ended duty is 409.
func TestAPICreateRecord(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		srv := w.Server(t)
		gw := login(t, srv.URL, "grid_worker")
		duty := w.Objects["fu_duty"][apptest.InA]
		count := func() int {
			var n int
			if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM fu_record WHERE duty_id = ?`, duty).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		post := func(body string, header map[string]string, want int) string {
			t.Helper()
			status, out := gw.do("POST", "/api/v1/followups/records", body, header)
			if status != want {
				t.Fatalf("POST %s: %d, want %d\n%s", body, status, want, out)
			}
			return out
		}
		happened := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
		body := fmt.Sprintf(`{"duty_id":%d,"way":"home","note":"入户见到本人","happened_at":%q,"met":"本人","needs":"想办老年卡","fields":{"health":"良好","mood":"平稳"},"location":"甲楼101"}`,
			duty, happened.Format(time.RFC3339))
		key := map[string]string{"Idempotency-Key": "queue-7f3a"}
		first := post(body, key, 201)
		var res struct{ ID int64 }
		if err := json.Unmarshal([]byte(first), &res); err != nil || res.ID == 0 {
			t.Fatalf("answer: %s", first)
		}
		if again := post(body, key, 201); again != first {
			t.Fatalf("the same key again: %s, first %s", again, first)
		}
		if n := count(); n != before+1 {
			t.Fatalf("%d records after sending one twice, want %d", n, before+1)
		}
		var rec struct {
			Items []map[string]any
		}
		if err := json.Unmarshal([]byte(gw.get(fmt.Sprintf("/api/v1/followups/records?duty_id=%d", duty), 200)), &rec); err != nil || len(rec.Items) != before+1 {
			t.Fatalf("records: %+v %v", rec, err)
		}
		newest := rec.Items[0]
		if newest["id"] != float64(res.ID) || newest["note"] != "入户见到本人" || newest["way"] != "home" || newest["needs"] != "想办老年卡" ||
			newest["happened_at"] != happened.In(locale.Zone).Format(time.RFC3339) ||
			!reflect.DeepEqual(newest["fields"], map[string]any{"health": "良好", "mood": "平稳"}) {
			t.Errorf("the record as read back: %v", newest)
		}

		// A plain form, from a page or a client that cannot send JSON.
		cl := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		resp, out := cl.PostForm("/api/v1/followups/records", url.Values{"duty_id": {fmt.Sprint(duty)}, "way": {"phone"}, "note": {"电话问候"},
			"fields.living": {"独居"}, "happened_at": {time.Now().In(locale.Zone).Add(-time.Hour).Format("2006-01-02T15:04")}, "idempotency_key": {"form-1"}})
		if resp.StatusCode != 201 || !strings.HasPrefix(out, `{"id":`) {
			t.Fatalf("form: %d %s", resp.StatusCode, out)
		}
		var fields string
		if err := w.DB.QueryRowContext(ctx, `SELECT fields FROM fu_record WHERE duty_id = ? AND way = 'phone' AND note = '电话问候'`, duty).Scan(&fields); err != nil || !strings.Contains(fields, "独居") {
			t.Fatalf("the form's record: %q %v", fields, err)
		}
		if n := count(); n != before+2 {
			t.Fatalf("%d records after the form, want %d", n, before+2)
		}

		// Field errors: 422 naming each field, nothing saved.
		for _, c := range []struct {
			body   string
			header map[string]string
			fields []string
		}{
			{fmt.Sprintf(`{"duty_id":%d,"way":"fly","note":%q,"fields":{"shoe":"x"},"happened_at":"2099-01-01T08:00:00+08:00"}`, duty, strings.Repeat("长", 2001)), nil,
				[]string{"fields", "happened_at", "note", "way"}},
			{fmt.Sprintf(`{"duty_id":%d,"way":"home","happened_at":"昨天下午"}`, duty), nil, []string{"happened_at"}},
			{fmt.Sprintf(`{"duty_id":%d,"way":"home"}`, duty), map[string]string{"Idempotency-Key": strings.Repeat("k", 101)}, []string{"idempotency_key"}},
			{fmt.Sprintf(`{"duty_id":%d,"way":"home"}`, w.Objects["fu_duty"][apptest.InD]), nil, []string{"duty_id"}}, // another community's
			{fmt.Sprintf(`{"duty_id":%d,"way":"home"}`, w.Objects["fu_duty_sensitive"][apptest.InA]), nil, []string{"duty_id"}},
			{`{"duty_id":99999999,"way":"home"}`, nil, []string{"duty_id"}},
			{`{"way":"home"}`, nil, []string{"duty_id"}},
		} {
			e := errorOf(t, post(c.body, c.header, 422))
			if e.Error.Code != "validation" || !reflect.DeepEqual(e.fields(), c.fields) {
				t.Errorf("%.80s: %+v, want fields %v", c.body, e, c.fields)
			}
			for _, f := range e.Error.Fields {
				if f.Message == "" || f.Message == f.Field {
					t.Errorf("%.80s: field %s without a Chinese message", c.body, f.Field)
				}
			}
		}
		if n := count(); n != before+2 {
			t.Fatalf("refused records were saved: %d, want %d", n, before+2)
		}

		// The rule stopped: its duties end, and a record for one is 409 with
		// the message the phone shows.
		sys := auth.System("test")
		ru, err := w.App.Followups.GetRule(ctx, sys, mustRuleID(t, w, "重点对象走访"))
		if err != nil {
			t.Fatal(err)
		}
		ru.Active = false
		if err := w.App.Followups.UpdateRule(ctx, sys, ru.ID, *ru); err != nil {
			t.Fatal(err)
		}
		e := errorOf(t, post(fmt.Sprintf(`{"duty_id":%d,"way":"home","note":"又去了一次"}`, duty), map[string]string{"Idempotency-Key": "queue-late"}, 409))
		if e.Error.Code != "conflict" || e.Error.Message != i18n.T("followups.err_duty_ended") {
			t.Errorf("ended duty: %+v", e)
		}
		if n := count(); n != before+2 {
			t.Fatalf("a record of an ended duty was saved")
		}
		// The first key still answers its record: the queue's resend after
		// the duty ended does not become a conflict.
		if again := post(body, key, 201); again != first {
			t.Errorf("the first key after the duty ended: %s", again)
		}
	})
}

func mustRuleID(t *testing.T, w *apptest.World, name string) int64 {
	t.Helper()
	var id int64
	if err := w.DB.QueryRowContext(context.Background(), `SELECT id FROM fu_rule WHERE name = ?`, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

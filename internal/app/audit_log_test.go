package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"linli/internal/apptest"
	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/cases"
)

// The audit log reads in Chinese: a case step is 事项流转 on the case's
// number, with its detail as named rows; the auditor (三员分立: no resident
// data) gets no links, a reader who may open the case does; a person outside
// the reader's reach is masked and not a link.
func TestAuditLogRendering(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		leader := w.Principal(t, "community_admin")
		caseID := w.Objects["case"][apptest.InA]
		if err := w.App.Cases.Transition(ctx, leader, caseID, cases.TransitionInput{Action: "accept"}); err != nil {
			t.Fatal(err)
		}
		c, err := w.App.Cases.Get(ctx, leader, caseID)
		if err != nil {
			t.Fatal(err)
		}
		srv := w.Server(t)
		auditor := apptest.NewClient(t, srv.URL).Login("audit_admin", apptest.Password)
		resp, body := auditor.Get("/admin/audit?op=case.transition")
		if resp.StatusCode != 200 {
			t.Fatalf("audit page: %d", resp.StatusCode)
		}
		for _, want := range []string{"事项流转", c.Number(), "办理动作", "受理", "社区书记/主任"} {
			if !strings.Contains(body, want) {
				t.Errorf("the case step's entry lacks %q", want)
			}
		}
		for _, raw := range []string{"case.transition</", `{"action"`, "&#34;action&#34;", ">community_admin<"} {
			if strings.Contains(body, raw) {
				t.Errorf("the page shows %q", raw)
			}
		}
		if strings.Contains(body, `href="/cases/`) {
			t.Error("the audit administrator, who reads no cases, is offered a link to one")
		}
		if n := strings.Count(body, "data-seq="); n != 1 {
			t.Errorf("filtered by operation: %d entries, want 1", n)
		}

		// A reader who may open the case gets its link; a person of another
		// community is masked and no link, one of the reader's own is named
		// and linked.
		entries, _, err := audit.Page(ctx, w.DB, audit.Filter{ExactAction: "case.transition"})
		if err != nil || len(entries) != 1 {
			t.Fatal(entries, err)
		}
		people, _, err := audit.Page(ctx, w.DB, audit.Filter{ExactAction: "person.create", Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		reader := *leader
		reader.Roles = append([]auth.Role{auth.RoleAuditAdmin}, reader.Roles...)
		rows, err := w.App.Web.AuditRows(ctx, &reader, append(entries, people...))
		if err != nil {
			t.Fatal(err)
		}
		if r := rows[0]; r.ActionName != "事项流转" || r.Object.Label != c.Number() || r.Object.Href != fmt.Sprintf("/cases/%d", caseID) {
			t.Errorf("case step for its community's leader: %q %+v", r.ActionName, r.Object)
		}
		personA, personD := fmt.Sprint(w.Objects["person"][apptest.InA]), fmt.Sprint(w.Objects["person"][apptest.InD])
		seen := 0
		for _, r := range rows[1:] {
			switch r.ObjectID {
			case personA:
				seen++
				if r.Object.Label != w.Markers["person"][apptest.InA] || r.Object.Href != "/registry/people/"+personA {
					t.Errorf("own person: %+v", r.Object)
				}
			case personD:
				seen++
				if r.Object.Href != "" || strings.Contains(r.Object.Label, w.Markers["person"][apptest.InD]) || !strings.Contains(r.Object.Label, "*") {
					t.Errorf("a person outside the reader's reach: %+v", r.Object)
				}
			}
		}
		if seen != 2 {
			t.Fatalf("person.create entries of A and D: %d found", seen)
		}
	})
}

var (
	seqRe = regexp.MustCompile(`data-seq="(\d+)"`)
	keyRe = regexp.MustCompile(`data-key="([\d-]+)"`)
)

// cursorLess compares two audit cursors ("at-community-seq") in the log's
// order.
func cursorLess(a, b string) bool {
	x, y := strings.Split(a, "-"), strings.Split(b, "-")
	for i := range x {
		if p, q := atoi(x[i]), atoi(y[i]); p != q {
			return p < q
		}
	}
	return false
}

// Filters by person, operation, object (by a case's number), time and
// outcome; keyset pages; a bad date is named.
func TestAuditLogFilters(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		leader := w.Principal(t, "community_admin")
		caseID := w.Objects["case"][apptest.InA]
		if err := w.App.Cases.Transition(ctx, leader, caseID, cases.TransitionInput{Action: "accept"}); err != nil {
			t.Fatal(err)
		}
		c, _ := w.App.Cases.Get(ctx, leader, caseID)
		// A refused request, audited as denied.
		if err := w.App.Audit.RecordAlone(ctx, w.DB, audit.Event(leader, "person.export_unmasked", "person", "", 0, audit.Denied)); err != nil {
			t.Fatal(err)
		}
		srv := w.Server(t)
		auditor := apptest.NewClient(t, srv.URL).Login("audit_admin", apptest.Password)
		page := func(q url.Values) (string, []string) {
			t.Helper()
			resp, body := auditor.Get("/admin/audit?" + q.Encode())
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d", q.Encode(), resp.StatusCode)
			}
			var seqs []string
			for _, m := range seqRe.FindAllStringSubmatch(body, -1) {
				seqs = append(seqs, m[1])
			}
			return body, seqs
		}
		count := func(f audit.Filter) int {
			f.Limit = 5000
			es, _, err := audit.Page(ctx, w.DB, f)
			if err != nil {
				t.Fatal(err)
			}
			return len(es)
		}
		// By person.
		_, seqs := page(url.Values{"actor": {"community_admin"}})
		if want := count(audit.Filter{Actor: "community_admin"}); len(seqs) != min(want, 50) || want == 0 {
			t.Errorf("by person: %d rows, %d entries", len(seqs), want)
		}
		// By object, given as the case's number.
		body, seqs := page(url.Values{"object_type": {"case"}, "object_id": {c.Number()}})
		if want := count(audit.Filter{ObjectType: "case", ObjectID: fmt.Sprint(caseID)}); len(seqs) != want || want < 2 || !strings.Contains(body, "登记事项") {
			t.Errorf("by case number: %d rows, %d entries", len(seqs), want)
		}
		// By outcome.
		body, seqs = page(url.Values{"outcome": {"denied"}})
		if len(seqs) != 1 || !strings.Contains(body, "导出居民（完整信息）") || !strings.Contains(body, "拒绝") {
			t.Errorf("by outcome: %d rows", len(seqs))
		}
		// By time: nothing before yesterday, everything today.
		yesterday := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format("2006-01-02")
		tomorrow := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1).Format("2006-01-02")
		if _, seqs = page(url.Values{"to": {yesterday}}); len(seqs) != 0 {
			t.Errorf("until yesterday: %d rows", len(seqs))
		}
		if _, seqs = page(url.Values{"from": {yesterday}, "to": {tomorrow}, "op": {"case.transition"}}); len(seqs) != 1 {
			t.Errorf("today's steps: %d rows", len(seqs))
		}
		// A date that is not one is named.
		resp, body := auditor.Get("/admin/audit?from=2026-13-45")
		if resp.StatusCode != 422 || !strings.Contains(body, "开始日期") {
			t.Errorf("bad date: %d", resp.StatusCode)
		}
		// Keyset pages: the older page continues where the first stopped.
		total := count(audit.Filter{})
		for total <= 50 {
			if err := w.App.Audit.RecordAlone(ctx, w.DB, audit.Event(leader, "case.alerts_read", "user", leader.UserID, 0, audit.Success)); err != nil {
				t.Fatal(err)
			}
			total++
		}
		body, first := page(url.Values{})
		keys := keyRe.FindAllStringSubmatch(body, -1)
		m := regexp.MustCompile(`href="\?before=([\d-]+)"`).FindStringSubmatch(body)
		if len(first) != 50 || len(keys) != 50 || m == nil || m[1] != keys[49][1] {
			t.Fatalf("first page: %d rows, older link %v", len(first), m)
		}
		body, second := page(url.Values{"before": {m[1]}})
		older := keyRe.FindAllStringSubmatch(body, -1)
		if len(second) == 0 || !cursorLess(older[0][1], keys[49][1]) || !strings.Contains(body, "?after=") {
			t.Fatalf("older page: %v after %s", second[:min(3, len(second))], keys[49][1])
		}
		// No entry is on both pages, though each community numbers its own.
		seen := map[string]bool{}
		for _, k := range append(keys, older...) {
			if seen[k[1]] {
				t.Fatalf("entry %s on both pages", k[1])
			}
			seen[k[1]] = true
		}
		// The newer page, from the second, is the first again.
		m = regexp.MustCompile(`href="\?after=([\d-]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no newer link on the older page")
		}
		body, _ = page(url.Values{"after": {m[1]}})
		if again := keyRe.FindAllStringSubmatch(body, -1); fmt.Sprint(again) != fmt.Sprint(keys) {
			t.Fatalf("newer page of the older one is not the first")
		}
	})
}

// The verify page lists every chain by its community (the administration's
// apart), and an entry edited by hand in one community's chain is reported
// there, naming the community, the other chains holding.
func TestAuditVerifyPageNamesEachChain(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		srv := w.Server(t)
		auditor := apptest.NewClient(t, srv.URL).Login("audit_admin", apptest.Password)
		resp, body := auditor.Get("/admin/audit/verify")
		if resp.StatusCode != 200 || !strings.Contains(body, "审计日志完整") {
			t.Fatalf("intact log: %d %s", resp.StatusCode, body)
		}
		for _, want := range []string{`data-chain="0"`, fmt.Sprintf(`data-chain="%d"`, w.C1), fmt.Sprintf(`data-chain="%d"`, w.C2), "一号社区", "二号社区", "管理操作"} {
			if !strings.Contains(body, want) {
				t.Errorf("verify page lacks %q", want)
			}
		}
		var seq int64
		if err := w.DB.QueryRowContext(ctx, `SELECT MAX(seq) FROM audit_log WHERE community_id = ?`, w.C2).Scan(&seq); err != nil || seq < 2 {
			t.Fatalf("community 2's chain: %d entries, %v", seq, err)
		}
		// A chain's name links to its entries: the log filtered to it.
		link := fmt.Sprintf(`href="/admin/audit?chain=%d"`, w.C2)
		if !strings.Contains(body, link) {
			t.Fatalf("verify page lacks %s", link)
		}
		_, body = auditor.Get(fmt.Sprintf("/admin/audit?chain=%d", w.C2))
		keys := keyRe.FindAllStringSubmatch(body, -1)
		if int64(len(keys)) != min(seq, 50) || !strings.Contains(body, "只显示“二号社区”日志链的记录") {
			t.Fatalf("the log of 二号社区's chain: %d rows, %d entries", len(keys), seq)
		}
		for _, k := range keys {
			if !strings.Contains(k[1], fmt.Sprintf("-%d-", w.C2)) {
				t.Errorf("entry %s shown in 二号社区's chain", k[1])
			}
		}
		if resp, body := auditor.Get("/admin/audit?chain=x"); resp.StatusCode != 422 || !strings.Contains(body, "“日志链”格式不正确") {
			t.Errorf("a chain that is not one: %d", resp.StatusCode)
		}
		// The API gives each entry's chain with its seq.
		inC2 := 0
		for offset := 0; ; offset += 500 {
			resp, body = auditor.Get(fmt.Sprintf("/api/v1/audit?limit=500&offset=%d", offset))
			var api struct {
				Total int
				Items []struct{ Chain, Seq int64 }
			}
			if err := json.Unmarshal([]byte(body), &api); err != nil || resp.StatusCode != 200 {
				t.Fatalf("API: %d %v", resp.StatusCode, err)
			}
			for _, it := range api.Items {
				if it.Chain == w.C2 {
					inC2++
				}
			}
			if offset+500 >= api.Total {
				break
			}
		}
		if int64(inC2) != seq {
			t.Errorf("API: %d entries of 二号社区's chain, want %d", inC2, seq)
		}
		if _, err := w.DB.ExecContext(ctx, `UPDATE audit_log SET outcome = 'failure' WHERE community_id = ? AND seq = 2`, w.C2); err != nil {
			t.Fatal(err)
		}
		_, body = auditor.Get("/admin/audit/verify")
		if !strings.Contains(body, "审计日志被篡改：“二号社区”日志链的第 2 条记录异常") || strings.Contains(body, "审计日志完整") {
			t.Errorf("the edited entry of 二号社区 is not reported: %s", body)
		}
		if n := strings.Count(body, `class="broken"`); n != 1 || !strings.Contains(body, fmt.Sprintf(`<tr data-chain="%d" class="broken">`, w.C2)) {
			t.Errorf("%d chains marked broken, want 二号社区's alone", n)
		}
	})
}

// The filtered log exports as .xlsx with Chinese headers and rows, and the
// export is itself audited.
func TestAuditLogExport(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		leader := w.Principal(t, "community_admin")
		caseID := w.Objects["case"][apptest.InA]
		if err := w.App.Cases.Transition(ctx, leader, caseID, cases.TransitionInput{Action: "accept"}); err != nil {
			t.Fatal(err)
		}
		c, _ := w.App.Cases.Get(ctx, leader, caseID)
		srv := w.Server(t)
		auditor := apptest.NewClient(t, srv.URL).Login("audit_admin", apptest.Password)
		resp, body := auditor.Get("/admin/audit/export?op=case.transition")
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 {
			t.Fatalf("%d rows, want info, headers and one entry: %q", len(rows), rows)
		}
		if !strings.Contains(rows[0][0], "事项流转") {
			t.Errorf("info line does not name the filter: %q", rows[0][0])
		}
		if got := strings.Join(rows[1], ","); got != "#,时间,操作人,角色,操作,对象类型,对象,结果,IP 地址,详情" {
			t.Errorf("headers: %s", got)
		}
		row := strings.Join(rows[2], "|")
		for _, want := range []string{"community_admin", "社区书记/主任", "|事项流转|", "|事项|" + c.Number() + "|", "|成功|", "办理动作：受理"} {
			if !strings.Contains(row, want) {
				t.Errorf("row lacks %q: %s", want, row)
			}
		}
		es, _, err := audit.Page(ctx, w.DB, audit.Filter{ExactAction: "audit.export"})
		if err != nil || len(es) != 1 || es[0].ActorName != "audit_admin" || !strings.Contains(es[0].Detail, `"rows":1`) {
			t.Fatalf("the export is not audited: %+v %v", es, err)
		}
	})
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

package followups_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/followups"
	"linli/internal/i18n"

	"github.com/xuri/excelize/v2"
)

var courtyard = []string{"消防通道畅通", "灭火器在有效期", "电线无私拉乱接"}

// withChecklist gives the fixture's inspection rule of community 1 (grid A's
// building, weekly, the grid worker's) a checklist, and returns its duty.
func withChecklist(t *testing.T, w *apptest.World) (*followups.Rule, int64) {
	t.Helper()
	ctx := context.Background()
	sys := auth.System("test")
	f := w.App.Followups
	ru, err := f.GetRule(ctx, sys, w.Objects["fu_rule"][apptest.InA])
	if err != nil {
		t.Fatal(err)
	}
	ru.Checklist = courtyard
	if err := f.UpdateRule(ctx, sys, ru.ID, *ru); err != nil {
		t.Fatal(err)
	}
	var duty int64
	if err := w.DB.QueryRowContext(ctx, `SELECT id FROM fu_duty WHERE rule_id = ? AND subject_id = ?`, ru.ID, w.Objects["building"][apptest.InA]).Scan(&duty); err != nil {
		t.Fatal(err)
	}
	return ru, duty
}

func fieldErr(t *testing.T, err error, field, want string) {
	t.Helper()
	var errs *i18n.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want a field error on %s, got %v", field, err)
	}
	if msg := errs.For(field); !strings.Contains(msg, want) {
		t.Fatalf("error on %s: %q, want %q (all: %v)", field, msg, want, errs)
	}
}

// A rule's checklist is kept (checked: no item twice, none too long); an
// inspection record answers every item (one missing is refused naming it,
// nothing saved), and keeps the answers with the items' text.
func TestInspectionChecklist(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		sys := auth.System("test")
		f := w.App.Followups
		ru, duty := withChecklist(t, w)
		if got, _ := f.GetRule(ctx, sys, ru.ID); strings.Join(got.Checklist, "|") != strings.Join(courtyard, "|") {
			t.Fatalf("checklist kept: %q", got.Checklist)
		}
		bad := *ru
		bad.Checklist = []string{"消防通道畅通", " 消防通道畅通 "}
		fieldErr(t, f.UpdateRule(ctx, sys, ru.ID, bad), "checklist", "“消防通道畅通”重复")
		bad.Checklist = []string{strings.Repeat("长", 101)}
		fieldErr(t, f.UpdateRule(ctx, sys, ru.ID, bad), "checklist", "不能超过 100 个字")

		gw := w.Principal(t, "grid_worker")
		in := followups.RecordInput{DutyID: duty, Way: "onsite", Note: "楼道检查"}
		_, _, err := f.CreateRecord(ctx, gw, in)
		fieldErr(t, err, "items.1", "请为检查项“消防通道畅通”选择")
		in.Items = []followups.ItemAnswer{{Seq: 1, Result: "pass"}, {Seq: 3, Result: "maybe"}}
		_, _, err = f.CreateRecord(ctx, gw, in)
		fieldErr(t, err, "items.2", "“灭火器在有效期”")
		fieldErr(t, err, "items.3", "只能是合格、不合格或不适用")
		in.Items = append(in.Items, followups.ItemAnswer{Seq: 9, Result: "pass"})
		_, _, err = f.CreateRecord(ctx, gw, in)
		fieldErr(t, err, "items", "没有第 9 项")
		if n := count(t, w, `SELECT COUNT(*) FROM fu_record WHERE duty_id = ?`, duty); n != 0 {
			t.Fatalf("refused records saved: %d", n)
		}

		in.Items = []followups.ItemAnswer{{Seq: 1, Result: "pass", Note: "不该留下"}, {Seq: 2, Result: "fail", Note: "三楼灭火器已过期"}, {Seq: 3, Result: "na"}}
		id, _, err := f.CreateRecord(ctx, gw, in)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := f.GetRecord(ctx, gw, id)
		if err != nil {
			t.Fatal(err)
		}
		want := "消防通道畅通：合格；灭火器在有效期：不合格（三楼灭火器已过期）；电线无私拉乱接：不适用"
		if got := rec.ItemsText(); got != want || rec.ZeroReport {
			t.Fatalf("items: %q zero %v, want %q", got, rec.ZeroReport, want)
		}
		// The checklist changed later: the record keeps what was asked.
		ru.Checklist = []string{"新的检查项"}
		if err := f.UpdateRule(ctx, sys, ru.ID, *ru); err != nil {
			t.Fatal(err)
		}
		if rec, _ = f.GetRecord(ctx, gw, id); rec.Items[1].Item != "灭火器在有效期" {
			t.Fatalf("after the checklist changed: %+v", rec.Items)
		}
		// A visit has no checklist: items sent with it are refused.
		_, _, err = f.CreateRecord(ctx, gw, followups.RecordInput{DutyID: w.Objects["fu_duty"][apptest.InA], Way: "home",
			Items: []followups.ItemAnswer{{Seq: 1, Result: "pass"}}})
		fieldErr(t, err, "items", "没有检查项")
	})
}

// A screening is a zero report (零报告) or the matters found, never both nor
// neither when the answer is given; a zero report on time counts in 零报告按时率.
func TestScreeningZeroReport(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		sys := auth.System("test")
		f := w.App.Followups
		rid, err := f.CreateRule(ctx, sys, followups.Rule{OrgID: w.C1, Name: "矛盾纠纷排查", Kind: followups.KindScreening, Subject: followups.SubjectGrid,
			Every: 1, Unit: followups.UnitWeek, Assign: followups.AssignGridWorker, Checklist: []string{"排查不用检查项"}})
		if err != nil {
			t.Fatal(err)
		}
		if ru, _ := f.GetRule(ctx, sys, rid); len(ru.Checklist) != 0 {
			t.Fatalf("a screening rule kept a checklist: %q", ru.Checklist)
		}
		var duty int64
		if err := w.DB.QueryRowContext(ctx, `SELECT id FROM fu_duty WHERE rule_id = ? AND subject_id = ?`, rid, w.GridA).Scan(&duty); err != nil {
			t.Fatal(err)
		}
		gw := w.Principal(t, "grid_worker")
		_, _, err = f.CreateRecord(ctx, gw, followups.RecordInput{DutyID: duty, Way: "onsite", Found: followups.FoundSome, Matters: []string{" ", ""}})
		fieldErr(t, err, "matters", "请至少填写一条发现的问题")
		_, _, err = f.CreateRecord(ctx, gw, followups.RecordInput{DutyID: duty, Way: "onsite", Found: followups.FoundNone, Matters: []string{"有问题"}})
		fieldErr(t, err, "matters", "已选零报告")
		_, _, err = f.CreateRecord(ctx, gw, followups.RecordInput{DutyID: duty, Way: "onsite", Found: "maybe"})
		fieldErr(t, err, "found", "是否发现问题")
		many := make([]string, 11)
		for i := range many {
			many[i] = fmt.Sprintf("问题%d", i)
		}
		_, _, err = f.CreateRecord(ctx, gw, followups.RecordInput{DutyID: duty, Way: "onsite", Found: followups.FoundSome, Matters: many})
		fieldErr(t, err, "matters", "不能超过 10 条")

		zero, _, err := f.CreateRecord(ctx, gw, followups.RecordInput{DutyID: duty, Way: "onsite", Found: followups.FoundNone})
		if err != nil {
			t.Fatal(err)
		}
		found, _, err := f.CreateRecord(ctx, gw, followups.RecordInput{DutyID: duty, Way: "onsite", Found: followups.FoundSome,
			Matters: []string{"3幢楼道堆放杂物", "", "5幢邻里噪音纠纷"}})
		if err != nil {
			t.Fatal(err)
		}
		rz, _ := f.GetRecord(ctx, gw, zero)
		rf, _ := f.GetRecord(ctx, gw, found)
		if !rz.ZeroReport || len(rz.Items) != 0 || !strings.Contains(rz.Note, "零报告") {
			t.Fatalf("zero report: %+v", rz)
		}
		if rf.ZeroReport || len(rf.Items) != 2 || rf.Items[1].Item != "5幢邻里噪音纠纷" || rf.Items[1].Result != followups.ResultFound || rf.Note != "" {
			t.Fatalf("matters found: %+v", rf)
		}
		rates, err := f.Rates(ctx, gw, followups.RatesFilter{RuleID: rid})
		if err != nil {
			t.Fatal(err)
		}
		if rates.Total.ScreenRecords != 2 || rates.Total.ScreenOnTime != 2 || rates.Total.ScreeningOnTimeRate() != "100.0%" {
			t.Fatalf("零报告按时率: %+v", rates.Total)
		}

		// On the form, 零报告 is one tap: no way chosen, nothing typed.
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		path := fmt.Sprintf("/followups/duties/%d/record", duty)
		form := page(t, c, path, 200, `id="zero-report"`, "发现问题")
		lacks(t, "the screening form", form, `id="checklist"`)
		if resp, _ := c.PostForm(path, url.Values{"key": {keyRe.FindStringSubmatch(form)[1]}, "found": {"none"}}); resp.StatusCode != 303 {
			t.Fatalf("one-tap 零报告: %d", resp.StatusCode)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM fu_record WHERE duty_id = ? AND zero_report AND way = 'onsite'`, duty); n != 2 {
			t.Fatalf("zero reports after the tap: %d", n)
		}
		// 发现问题 with nothing written: refused, naming it.
		resp, body := c.PostForm(path, url.Values{"key": {"k-2"}, "way": {"onsite"}, "found": {"found"}, "matter": {"", " "}})
		if resp.StatusCode != 422 || !strings.Contains(body, "请至少填写一条发现的问题") {
			t.Fatalf("found, nothing written: %d", resp.StatusCode)
		}
	})
}

var caseLinkRe = regexp.MustCompile(`href="/cases/(\d+)"`)

// A grid worker records an inspection with one fail through the form, opens
// the record, turns the fail into a hazard case with one more tap (prefilled),
// and the case and the record name each other; the same finding again is
// told it is a case already. Those who may not see the record get 404.
func TestFindingToCase(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		_, duty := withChecklist(t, w)
		srv := w.Server(t)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		path := fmt.Sprintf("/followups/duties/%d/record", duty)
		form := page(t, gw, path, 200, "消防通道畅通", `name="item_2" value="fail"`, "不合格", "不适用")
		key := keyRe.FindStringSubmatch(form)[1]
		post := url.Values{"key": {key}, "way": {"onsite"}, "note": {"季度消防检查"}, "item_1": {"pass"}, "item_2": {"fail"}, "item_note_2": {"三楼灭火器已过期"}}
		resp, body := gw.PostForm(path, post)
		if resp.StatusCode != 422 || !strings.Contains(body, "请为检查项“电线无私拉乱接”选择") || !strings.Contains(body, "三楼灭火器已过期") {
			t.Fatalf("an item unanswered: %d\n%.600s", resp.StatusCode, body)
		}
		post.Set("item_3", "na")
		if resp, _ = gw.PostForm(path, post); resp.StatusCode != 303 {
			t.Fatalf("recorded: %d", resp.StatusCode)
		}
		var rec int64
		if err := w.DB.QueryRowContext(context.Background(), `SELECT id FROM fu_record WHERE duty_id = ? AND note = '季度消防检查'`, duty).Scan(&rec); err != nil {
			t.Fatal(err)
		}
		recPath := fmt.Sprintf("/followups/records/%d", rec)
		page(t, gw, fmt.Sprintf("/followups/duties/%d", duty), 200, `href="`+recPath+`"`)
		page(t, gw, recPath, 200, "灭火器在有效期", "不合格", "三楼灭火器已过期", "转为事件", recPath+"/case?finding=item-2")
		// Only a finding may be made a case.
		page(t, gw, recPath+"/case?finding=item-1", 404)
		casePath := recPath + "/case?finding=item-2"
		page(t, gw, casePath, 200, `value="hazard/other" selected`, "检查不合格：灭火器在有效期", "三楼灭火器已过期")
		// Bad input: no title, a type not offered.
		resp, body = gw.PostForm(recPath+"/case", url.Values{"finding": {"item-2"}, "tc": {"hazard/other"}, "title": {" "}})
		if resp.StatusCode != 422 || !strings.Contains(body, "事件标题") && !strings.Contains(body, "标题") {
			t.Fatalf("no title: %d\n%.600s", resp.StatusCode, body)
		}
		resp, body = gw.PostForm(recPath+"/case", url.Values{"finding": {"item-2"}, "tc": {"petition/other"}, "title": {"灭火器过期"}})
		if resp.StatusCode != 422 || !strings.Contains(body, "事件类型") {
			t.Fatalf("a type not offered: %d\n%.600s", resp.StatusCode, body)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM fu_record_case WHERE record_id = ?`, rec); n != 0 {
			t.Fatalf("refused cases left %d holds", n)
		}
		post = url.Values{"finding": {"item-2"}, "tc": {"hazard/fire"}, "title": {"3幢灭火器过期"}, "description": {"三楼灭火器已过期"}}
		if resp, _ = gw.PostForm(recPath+"/case", post); resp.StatusCode != 303 || resp.Header.Get("Location") != recPath {
			t.Fatalf("made a case: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		var caseID int64
		var typ, source string
		if err := w.DB.QueryRowContext(context.Background(), `SELECT id, type, source FROM cases WHERE title = '3幢灭火器过期'`).Scan(&caseID, &typ, &source); err != nil {
			t.Fatal(err)
		}
		if typ != "hazard" || source != "inspection" {
			t.Fatalf("case type %s source %s", typ, source)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM case_link WHERE case_id = ? AND kind = 'fu_record' AND ref_id = ?`, caseID, rec); n != 1 {
			t.Fatalf("case links to the record: %d", n)
		}
		body = page(t, gw, recPath, 200, "由此记录转成的事件", "3幢灭火器过期", "已转为事件")
		if m := caseLinkRe.FindStringSubmatch(body); len(m) < 2 || m[1] != fmt.Sprint(caseID) {
			t.Fatalf("the record page's case link: %v", m)
		}
		lacks(t, "the record page after the case", body, "finding=item-2")
		page(t, gw, fmt.Sprintf("/cases/%d", caseID), 200, "走访记录", `href="`+recPath+`"`)
		// The same finding again: told, no second case.
		resp, body = gw.PostForm(recPath+"/case", post)
		if resp.StatusCode != 409 || !strings.Contains(body, "已经转为事件") || !strings.Contains(body, fmt.Sprintf(`href="/cases/%d"`, caseID)) {
			t.Fatalf("the same finding again: %d\n%.600s", resp.StatusCode, body)
		}
		page(t, gw, casePath, 200, "已经转为事件")
		if n := count(t, w, `SELECT COUNT(*) FROM cases WHERE title = '3幢灭火器过期'`); n != 1 {
			t.Fatalf("cases made: %d", n)
		}
		// The audit log has it.
		if n := count(t, w, `SELECT COUNT(*) FROM audit_log WHERE action = 'followups.record_case' AND object_id = ?`, fmt.Sprint(rec)); n != 1 {
			t.Fatalf("audit entries: %d", n)
		}

		// Out of reach: another community's leader; the 帮教 talk's record
		// for the grid worker (not the group's to see), on the page and the API.
		other := apptest.NewClient(t, srv.URL).Login("community_admin_c2", apptest.Password)
		page(t, other, recPath, 404)
		page(t, other, casePath, 404)
		sensitive := fmt.Sprintf("/followups/records/%d", w.Objects["fu_record_sensitive"][apptest.InA])
		page(t, gw, sensitive, 404)
		page(t, gw, "/api/v1"+sensitive, 404)
		leader := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		page(t, leader, sensitive, 200, "帮教谈话记录甲")
		page(t, leader, recPath, 200, "3幢灭火器过期")
	})
}

// The records' export: a month's records the user may see, a few thousand
// of them streamed, the checklist's results in one column, the author's
// name; the 帮教 talks only for those who may see the group; audited.
func TestRecordExport(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		f := w.App.Followups
		month := f.Today()[:7]
		visit := w.Objects["fu_duty"][apptest.InA]
		sensitive := w.Objects["fu_duty_sensitive"][apptest.InA]
		const n = 2500
		err := w.DB.InTx(ctx, func(tx *db.Tx) error {
			for _, d := range []struct {
				duty  int64
				n     int
				note  string
				kind  string
				items bool
			}{{visit, n, "导出测试走访", "visit", true}, {sensitive, 5, "导出测试帮教", "talk", false}} {
				var rule, community, subject, grid int64
				var name string
				if err := tx.QueryRowContext(ctx, `SELECT rule_id, community_id, subject_id, COALESCE(grid_id, 0), subject_name FROM fu_duty WHERE id = ?`, d.duty).
					Scan(&rule, &community, &subject, &grid, &name); err != nil {
					return err
				}
				for i := 0; i < d.n; i++ {
					on := fmt.Sprintf("%s-%02d", month, 1+i%28)
					var id int64
					if err := tx.QueryRowContext(ctx, `INSERT INTO fu_record (community_id, duty_id, rule_id, kind, way, subject_kind, subject_id, subject_name, grid_id,
						happened_at, happened_on, due_on, on_time, note, created_by, created_at)
						VALUES (?, ?, ?, ?, 'home', 'person', ?, ?, ?, 0, ?, ?, TRUE, ?, ?, 0) RETURNING id`,
						community, d.duty, rule, d.kind, subject, name, grid, on, on, fmt.Sprintf("%s%d", d.note, i), w.Users["grid_worker"]).Scan(&id); err != nil {
						return err
					}
					if d.items && i < 3 {
						if _, err := tx.ExecContext(ctx, `INSERT INTO fu_record_item (community_id, record_id, seq, item, result, note) VALUES (?, ?, 1, '消防通道畅通', 'fail', '堆放纸箱')`, community, id); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		srv := w.Server(t)
		read := func(user, query string) [][]string {
			t.Helper()
			c := apptest.NewClient(t, srv.URL).Login(user, apptest.Password)
			resp, body := c.Get("/followups/records/export?month=" + month + query)
			if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
				t.Fatalf("export as %s: %d %.300s", user, resp.StatusCode, body)
			}
			x, err := excelize.OpenReader(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			rows, err := x.GetRows(x.GetSheetList()[0])
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		rowsWith := func(rows [][]string, s string) int {
			k := 0
			for _, r := range rows {
				if strings.Contains(strings.Join(r, "|"), s) {
					k++
				}
			}
			return k
		}
		rows := read("grid_worker", "")
		if rowsWith(rows, "导出测试走访") != n || rowsWith(rows, "导出测试帮教") != 0 || rowsWith(rows, "帮教谈话记录甲") != 0 {
			t.Fatalf("the grid worker's export: %d visits, %d talks", rowsWith(rows, "导出测试走访"), rowsWith(rows, "导出测试帮教"))
		}
		if rowsWith(rows, "消防通道畅通：不合格（堆放纸箱）") != 3 || rowsWith(rows, "记录人") != 1 || rowsWith(rows, "居民甲户主") < n {
			t.Fatalf("the export's columns: %q", rows[:3])
		}
		// No ID number ever: the subject is named as lists name it.
		if rowsWith(rows, "身份证") != 0 {
			t.Fatal("the export names ID numbers")
		}
		// The 综治 leader sees the 帮教 talks; a kind filter narrows.
		if rows = read("community_admin", ""); rowsWith(rows, "导出测试帮教") != 5 || rowsWith(rows, "导出测试走访") != n {
			t.Fatalf("the leader's export: %d talks", rowsWith(rows, "导出测试帮教"))
		}
		if rows = read("community_admin", "&kind=talk"); rowsWith(rows, "导出测试帮教") != 5 || rowsWith(rows, "导出测试走访") != 0 {
			t.Fatal("the kind filter")
		}
		// Another community's leader: none of them.
		if rows = read("community_admin_c2", ""); rowsWith(rows, "导出测试") != 0 {
			t.Fatal("another community's leader exports community 1's records")
		}
		if k := count(t, w, `SELECT COUNT(*) FROM audit_log WHERE action = 'followups.record_export'`); k != 4 {
			t.Fatalf("audited exports: %d", k)
		}
		// A month that is no month: refused naming it.
		c := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		if resp, body := c.Get("/followups/records/export?month=2026-13"); resp.StatusCode != 422 && resp.StatusCode != 400 || !strings.Contains(body, "月份") {
			t.Fatalf("a bad month: %d %.300s", resp.StatusCode, body)
		}
		page(t, c, "/followups/stats", 200, `id="records-export"`)
	})
}

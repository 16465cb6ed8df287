package followups_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/dbtest"
	"linli/internal/followups"
	"linli/internal/importflow"
	"linli/internal/locale"
)

// ledger writes a visit or talk ledger as communities keep them in WPS or
// Excel: a merged title row above the header, then the rows (nil: a blank row).
func ledger(t *testing.T, title string, header []any, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", title)
	last, _ := excelize.CoordinatesToCellName(len(header), 1)
	f.MergeCell("Sheet1", "A1", last)
	f.SetSheetRow("Sheet1", "A2", &header)
	for i, r := range rows {
		if r == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, 3+i)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	p := filepath.Join(t.TempDir(), title+".xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// spaced writes an ID number in groups, as people type it: "110105 19520315 0021".
func spaced(id string) string { return id[:6] + " " + id[6:14] + " " + id[14:] }

// serial is a day as an Excel date serial number.
func serial(day time.Time) int {
	// The calendar day as written, whatever the hour and zone: from 16:00
	// UTC Shanghai's day is already the next one.
	d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	return int(d.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

func summary(r *importflow.Result) map[string]int {
	out := map[string]int{}
	for _, l := range r.Summary {
		out[l.Label] = l.Count
	}
	return out
}

func count(t *testing.T, w *apptest.World, q string, args ...any) int {
	t.Helper()
	var n int
	if err := w.DB.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// importWorld adds to the fixtures a community rule visiting the spouse of
// grid A's household monthly; the spouse of grid B's has no duty.
func importWorld(t *testing.T, w *apptest.World) {
	t.Helper()
	if _, err := w.App.Followups.CreateRule(context.Background(), auth.System("test"), followups.Rule{OrgID: w.C1, Name: "配偶走访", Kind: followups.KindVisit,
		Subject: followups.SubjectPerson, Subjects: []int64{w.Objects["member"][apptest.InA]}, Every: 1, Unit: followups.UnitMonth, Assign: followups.AssignGridWorker}); err != nil {
		t.Fatal(err)
	}
}

var visitHeader = []any{"序号", "姓 名", "公民身份号码", "出生日期", "走访日期", "走访方式", "见到的人", "走访情况", "发现问题/需求", "身体状况", "走访人"}

// A visit ledger as a community keeps it goes in whole: IDs typed in groups,
// dates written four ways (one an Excel serial), a blank row, a person matched
// by a name no one else has (padded to three characters' width); records in date order per duty move the due
// dates; the same ledger again adds nothing.
func TestImportVisitLedger(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		importWorld(t, w)
		p := w.Principal(t, "community_admin")
		im := followups.Importer{S: w.App.Followups}
		today := time.Now().In(locale.Zone)
		ago := func(n int) time.Time { return today.AddDate(0, 0, -n) }
		spouse, headA := apptest.RegistryID("110105", 1952, 2), apptest.HeadIDNumber(apptest.InA)
		path := ledger(t, "一号社区重点人员走访台账", visitHeader, [][]any{
			// The later visit first: records go in by date all the same.
			{1, "居民甲配偶", spaced(spouse), "1952-03-15", ago(10).Format("2006年1月2日"), "电话回访", "本人", "电话询问近况", "", "尚可", "张网格"},
			{2, "居民甲配偶", spouse, "1952-03-15", ago(100).Format("2006/1/2"), "上门", "本人及女儿", "入户走访，家中整洁", "需要助餐服务", "良好", "张网格"},
			nil,
			{3, "居民乙  户主", "", "", serial(ago(20)), "微信", "", "微信视频问候", "", "", ""},
			{4, "居民甲户主", headA, "", ago(5).Format("2006.1.2"), "入户", "本人", "走访正常", "", "", ""},
			{5, "居民甲户主", headA, "", ago(3).Format("2006-01-02"), "", "", "", "", "", ""},
		})
		res, m, err := w.App.Imports.RunNow(ctx, p, im, w.C1, path, false)
		if err != nil {
			t.Fatal(err)
		}
		if m.HeaderRow != 2 || len(m.Missing) != 0 {
			t.Fatalf("mapping: header row %d, missing %v, columns %+v", m.HeaderRow, m.Missing, m.Columns)
		}
		for _, c := range m.Columns {
			if want := map[string]string{"出生日期": "birth_date", "走访日期": "date", "发现问题/需求": "needs", "走访人": "visitor"}[c.Header]; want != "" && c.Field != want {
				t.Errorf("column %s read as %q, want %q", c.Header, c.Field, want)
			}
		}
		if res.Rows != 5 || res.Good != 5 || res.Bad != 0 {
			t.Fatalf("dry run: rows %d good %d bad %d: %+v", res.Rows, res.Good, res.Bad, res.Problems)
		}
		if s := summary(res); s["新增走访记录"] != 5 || s["涉及居民"] != 3 || s["已有记录（跳过）"] != 0 {
			t.Fatalf("dry run summary: %v", s)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM fu_record WHERE created_by = ?`, p.UserID); n != 0 {
			t.Fatalf("a dry run wrote %d records", n)
		}

		res, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, path, true, res.Rows)
		if err != nil || !res.Committed {
			t.Fatalf("commit: %+v %v", res, err)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM fu_record WHERE created_by = ?`, p.UserID); n != 5 {
			t.Fatalf("records written: %d, want 5", n)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM audit_log WHERE action = 'followups.import' AND actor_id = ?`, p.UserID); n != 1 {
			t.Fatalf("audit entries of the import: %d, want 1", n)
		}
		// The spouse's duty: the visit 100 days ago was on time (the first),
		// it made the next due by the end of the month after, so the call 10
		// days ago was late; the due date follows the latest.
		var dutyID int64
		var last, due string
		if err := w.DB.QueryRowContext(ctx, `SELECT d.id, d.last_done_on, d.due_on FROM fu_duty d JOIN fu_rule r ON r.id = d.rule_id WHERE r.name = '配偶走访'`).Scan(&dutyID, &last, &due); err != nil {
			t.Fatal(err)
		}
		l := ago(10)
		wantDue := time.Date(l.Year(), l.Month()+2, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1).Format("2006-01-02")
		if last != l.Format("2006-01-02") || due != wantDue {
			t.Fatalf("spouse's duty: last %s due %s, want %s and %s", last, due, l.Format("2006-01-02"), wantDue)
		}
		recs, err := w.App.Followups.ListRecords(ctx, p, followups.RecordFilter{DutyID: dutyID})
		if err != nil || len(recs) != 2 {
			t.Fatalf("spouse's records: %d %v", len(recs), err)
		}
		late, first := recs[0], recs[1] // newest first
		if first.HappenedOn != ago(100).Format("2006-01-02") || !first.OnTime || first.Way != "home" || first.Met != "本人及女儿" ||
			first.Needs != "需要助餐服务" || first.Fields["health"] != "良好" || !strings.Contains(first.Note, "家中整洁") || !strings.Contains(first.Note, "走访人：张网格") {
			t.Errorf("the first visit: %+v", first)
		}
		if late.Way != "phone" || late.OnTime {
			t.Errorf("the call 10 days later: way %s on time %v", late.Way, late.OnTime)
		}
		// Grid A's head has a visit duty and a talk duty: a visit ledger is
		// about the visit; a row without a way is a home visit.
		var kinds []string
		rows, err := w.DB.QueryContext(ctx, `SELECT kind || ':' || way FROM fu_record WHERE created_by = ? AND subject_id = ? ORDER BY happened_on`, p.UserID, w.Objects["person"][apptest.InA])
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			rows.Scan(&k)
			kinds = append(kinds, k)
		}
		rows.Close()
		if strings.Join(kinds, ",") != "visit:home,visit:home" {
			t.Errorf("grid A's head's records: %v", kinds)
		}
		// Grid B's head, found by name, by WeChat 20 days ago.
		if n := count(t, w, `SELECT COUNT(*) FROM fu_record WHERE created_by = ? AND subject_id = ? AND way = 'wechat' AND happened_on = ?`,
			p.UserID, w.Objects["person"][apptest.InB], ago(20).Format("2006-01-02")); n != 1 {
			t.Errorf("grid B's head's record by WeChat: %d", n)
		}

		// The same ledger again: every row is there already.
		before := dbtest.Digest(t, w.DB, "audit_log", "audit_head", "auth_session", "import_upload", "import_upload_chunk")
		res, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, path, false)
		if err != nil || res.Bad != 0 {
			t.Fatalf("second dry run: %+v %v", res, err)
		}
		if s := summary(res); s["新增走访记录"] != 0 || s["已有记录（跳过）"] != 5 {
			t.Fatalf("second dry run summary: %v", s)
		}
		if res, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, path, true); err != nil || !res.Committed {
			t.Fatalf("second commit: %+v %v", res, err)
		}
		if dbtest.Digest(t, w.DB, "audit_log", "audit_head", "auth_session", "import_upload", "import_upload_chunk") != before {
			t.Fatal("the same ledger twice wrote something")
		}
	})
}

// A talk ledger (帮教谈话记录) is about talks: grid A's head's row goes to the
// talk duty, not the visit; a person with visits only is a bad row; a social
// worker of another line, who may not see the 帮教 group, finds no talk.
func TestImportTalkLedger(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		im := followups.Importer{S: w.App.Followups}
		day := time.Now().In(locale.Zone).AddDate(0, 0, -2).Format("2006-01-02")
		headA, headB := apptest.HeadIDNumber(apptest.InA), apptest.HeadIDNumber(apptest.InB)
		header := []any{"姓名", "身份证号", "谈话日期", "谈话内容", "思想动态", "谈话人"}
		row := []any{"居民甲户主", headA, day, "按时报到，表现良好", "稳定", "李社工"}
		mixed := ledger(t, "帮教谈话记录", header, [][]any{row, {"居民乙户主", headB, day, "谈话", "", ""}})
		leader := w.Principal(t, "community_admin")
		res, _, err := w.App.Imports.RunNow(ctx, leader, im, w.C1, mixed, false)
		if err != nil {
			t.Fatal(err)
		}
		if res.Good != 1 || res.Bad != 1 || len(res.Problems) != 1 || res.Problems[0].Row != 4 || !strings.Contains(res.Problems[0].Reason, "没有进行中的谈话任务") {
			t.Fatalf("talk ledger with a person without talks: %+v", res)
		}

		// A social worker of civil affairs may not see the 帮教 group: for
		// them grid A's head has no talk, and nothing says why.
		sw := w.Principal(t, "social_worker")
		good := ledger(t, "帮教谈话记录", header, [][]any{row})
		res, _, err = w.App.Imports.RunNow(ctx, sw, im, w.C1, good, false)
		if err != nil {
			t.Fatal(err)
		}
		if res.Bad != 1 || !strings.Contains(res.Problems[0].Reason, "没有进行中的谈话任务") || strings.Contains(fmt.Sprint(res), "刑释解教") {
			t.Fatalf("a social worker of another line: %+v", res)
		}

		res, _, err = w.App.Imports.RunNow(ctx, leader, im, w.C1, good, true)
		if err != nil || !res.Committed {
			t.Fatalf("commit: %+v %v", res, err)
		}
		var kind, way, note, fields string
		if err := w.DB.QueryRowContext(ctx, `SELECT kind, way, note, fields FROM fu_record WHERE created_by = ?`, leader.UserID).Scan(&kind, &way, &note, &fields); err != nil {
			t.Fatal(err)
		}
		if kind != followups.KindTalk || way != "office" || !strings.Contains(note, "谈话人：李社工") || !strings.Contains(fields, "稳定") {
			t.Fatalf("the talk: %s %s %q %s", kind, way, note, fields)
		}
	})
}

// A ledger with bad rows: each is named with its row, column and reason, the
// ID numbers masked, and a commit writes nothing at all.
func TestImportBadRows(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		importWorld(t, w)
		p := w.Principal(t, "community_admin")
		im := followups.Importer{S: w.App.Followups}
		today := time.Now().In(locale.Zone)
		day := today.AddDate(0, 0, -1).Format("2006-01-02")
		spouse, headA, headD := apptest.RegistryID("110105", 1952, 2), apptest.HeadIDNumber(apptest.InA), apptest.HeadIDNumber(apptest.InD)
		wrongCheck := headA[:17] + map[bool]string{true: "0", false: "1"}[headA[17] != '0']
		path := ledger(t, "走访台账", visitHeader, [][]any{
			{1, "居民甲配偶", spouse, "", today.AddDate(0, 0, 3).Format("2006-01-02"), "入户", "", "", "", "", ""}, // 3: in the future
			{2, "居民甲配偶", spouse, "", "3月5日", "入户", "", "", "", "", ""},                                      // 4: no year
			{3, "居民甲配偶", spouse, "", day, "飞鸽传书", "", "", "", "", ""},                                       // 5: unknown way
			{4, "查无此人", "", "", day, "入户", "", "", "", "", ""},                                              // 6: no such name
			{5, "居民甲户主", wrongCheck, "", day, "入户", "", "", "", "", ""},                                     // 7: check digit
			{6, "居民丁户主", headD, "", day, "入户", "", "", "", "", ""},                                          // 8: another community's
			{7, "居民甲配偶", headA, "", day, "入户", "", "", "", "", ""},                                          // 9: name and ID differ
			{8, "居民乙配偶", "", "", day, "入户", "", "", "", "", ""},                                             // 10: no duty
			{9, "居民甲配偶", spouse, "", day, "电话", "", "", "", "", ""},                                         // 11: good
		})
		res, _, err := w.App.Imports.RunNow(ctx, p, im, w.C1, path, false)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int][2]string{3: {"走访日期", "晚于今天"}, 4: {"走访日期", "无法识别的日期"}, 5: {"走访方式", "不认识的方式"}, 6: {"姓 名", "没有叫这个名字"},
			7: {"公民身份号码", "校验"}, 8: {"公民身份号码", "没有这个身份证号"}, 9: {"姓 名", "不符"}, 10: {"姓 名", "没有进行中的走访任务"}}
		got := map[int]string{}
		for _, pr := range res.Problems {
			got[pr.Row] += pr.Column + " " + pr.Reason
			for _, id := range []string{spouse, headA, headD} {
				if strings.Contains(pr.Value, id[6:14]) {
					t.Errorf("row %d shows an ID number unmasked: %q", pr.Row, pr.Value)
				}
			}
		}
		for row, wr := range want {
			if !strings.Contains(got[row], wr[0]) || !strings.Contains(got[row], wr[1]) {
				t.Errorf("row %d: want %q in column %s, got %q", row, wr[1], wr[0], got[row])
			}
		}
		if res.Bad != 8 || res.Good != 1 || got[11] != "" {
			t.Fatalf("good %d bad %d: %v", res.Good, res.Bad, got)
		}
		before := dbtest.Digest(t, w.DB, "audit_head", "auth_session", "import_upload", "import_upload_chunk")
		res, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, path, true)
		if err != nil || res.Committed {
			t.Fatalf("commit with bad rows: %+v %v", res, err)
		}
		if dbtest.Digest(t, w.DB, "audit_head", "auth_session", "import_upload", "import_upload_chunk") != before {
			t.Fatal("a commit with bad rows wrote something")
		}
	})
}

// Only community-wide staff import, and only into a community they wholly
// reach.
func TestImportAccess(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		im := followups.Importer{S: w.App.Followups}
		path := ledger(t, "走访台账", visitHeader, [][]any{{1, "居民甲户主", "", "", "2026-01-02", "入户", "", "", "", "", ""}})
		for user, community := range map[string]int64{"grid_worker": w.C1, "volunteer": w.C1, "community_admin_c2": w.C1} {
			if _, _, err := w.App.Imports.RunNow(ctx, w.Principal(t, user), im, community, path, false); err == nil {
				t.Errorf("%s imported into community %d", user, community)
			}
		}
	})
}

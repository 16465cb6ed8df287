package registry_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"linli/internal/apptest"
	"linli/internal/dbtest"
	"linli/internal/registry"
)

// messyLedger writes a resident ledger as communities keep them: a merged title
// and a note above the header, columns in their own order and names, full-width
// digits, dates written four ways, an address in one column, and a column Linli
// does not know (kept as extra information).
func messyLedger(t *testing.T, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "一号社区居民花名册")
	f.MergeCell("Sheet1", "A1", "J1")
	f.SetCellValue("Sheet1", "A2", "填报日期：2026年3月")
	header := []any{"序号", "户号", "姓 名", "与户主关系", "公民身份号码", "性别", "出生年月", "联系电话（手机）", "现居住地址", "网格", "特殊人群", "身高"}
	f.SetSheetRow("Sheet1", "A3", &header)
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, 4+i)
		row := append([]any{i + 1}, r...)
		f.SetSheetRow("Sheet1", cell, &row)
	}
	p := filepath.Join(t.TempDir(), "花名册.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportResidentLedger(t *testing.T) {
	// Commits refresh the planner's statistics midway, as a big one does.
	defer registry.SetStatisticsAt(map[int]bool{1: true, 2: true})()
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		p := w.Principal(t, "community_admin")
		im := registry.Importer{S: w.App.Registry}
		wang := apptest.RegistryID("330106", 1970, 11) // 王建国, head
		li := apptest.RegistryID("330106", 1972, 12)   // 李梅, spouse
		fullWidth := strings.NewReplacer("0", "０", "1", "１", "2", "２", "3", "３").Replace(li)
		bad := messyLedger(t, [][]any{
			{"A001", "王建国", "户主", wang, "男", "1970.3.15", "139 1234 5678", "小区甲苑3幢2单元201", "网格甲A", "党员", "175"},
			{"A001", "李梅", "妻子", fullWidth, "女", "1972年3月15日", "", "小区甲苑3幢2单元201", "", "", ""},
			{"A001", "王小明", "儿子", "", "男", "2012/06/01", "", "小区甲苑3幢2单元201", "", "", ""},
			{"A002", "赵错号", "本人", wang[:17] + "0", "男", "", "", "小区甲苑3幢2单元202", "网格甲A", "", ""}, // check digit
			{"A003", "钱科学", "本人", "1.10105E+17", "男", "", "", "小区甲苑3幢2单元203", "网格甲A", "", ""},   // Excel ate the digits
			{"A004", "孙无址", "本人", "", "女", "1980-01-01", "", "", "", "", ""},                    // no address
			{"A005", "周重号", "本人", wang, "男", "", "", "小区甲苑3幢2单元205", "网格甲A", "", ""},            // same ID as row 4
			{"A006", "吴两主", "本人", "", "男", "1960-01-01", "", "小区甲苑3幢2单元206", "网格甲A", "", ""},
			{"A006", "郑两主", "户主", "", "女", "1961-01-01", "", "小区甲苑3幢2单元206", "网格甲A", "", ""},
			{"A007", "冯亲属", "表哥", "", "男", "1990-01-01", "", "小区甲苑3幢2单元207", "网格甲A", "", ""},
			{"A008", "陈分组", "本人", "", "男", "1990-01-01", "", "小区甲苑3幢2单元208", "网格甲A", "不存在的分组", ""},
		})
		r, m, err := w.App.Imports.RunNow(ctx, p, im, w.C1, bad, false)
		if err != nil {
			t.Fatal(err)
		}
		if m.HeaderRow != 3 || len(m.Missing) != 0 {
			t.Fatalf("mapping: header row %d, missing %v", m.HeaderRow, m.Missing)
		}
		unknown := ""
		for _, c := range m.Columns {
			if c.Field == "" {
				unknown += c.Header
			}
		}
		if unknown != "序号身高" {
			t.Fatalf("unknown columns kept as extras: %q", unknown)
		}
		want := map[int]string{7: "校验位", 8: "存成了数字", 9: "缺少住址", 10: "重复", 12: "两位户主", 13: "与户主关系", 14: "找不到分组"}
		got := map[int]string{}
		for _, pr := range r.Problems {
			got[pr.Row] += pr.Reason
			if strings.Contains(pr.Value, wang[6:14]) {
				t.Errorf("row %d shows an ID number unmasked: %q", pr.Row, pr.Value)
			}
		}
		for row, reason := range want {
			if !strings.Contains(got[row], reason) {
				t.Errorf("row %d: want %q, got %q", row, reason, got[row])
			}
		}
		if r.Bad != 7 || r.Good != 4 {
			t.Fatalf("good %d bad %d: %+v", r.Good, r.Bad, r.Problems)
		}
		// The same file committed: nothing is written.
		before := dbtest.Digest(t, w.DB, "audit_log", "audit_head", "auth_session", "import_upload", "import_upload_chunk")
		r, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, bad, true)
		if err != nil || r.Committed {
			t.Fatalf("commit with bad rows: %+v %v", r, err)
		}
		if dbtest.Digest(t, w.DB, "audit_log", "audit_head", "auth_session", "import_upload", "import_upload_chunk") != before {
			t.Fatal("a commit with bad rows wrote something")
		}

		good := messyLedger(t, [][]any{
			{"A001", "王建国", "户主", wang, "男", "1970.3.15", "139 1234 5678", "小区甲苑3幢2单元201", "网格甲A", "党员", "175"},
			{"A001", "李梅", "妻子", fullWidth, "女", "1972年3月15日", "", "小区甲苑3幢2单元201", "", "", ""},
			{"A001", "王小明", "儿子", "", "男", "2012/06/01", "", "小区甲苑3幢2单元201", "", "", ""},
			{"B9", "孤老人", "本人", "", "女", 17168, "", "小区甲苑 甲楼 甲单元 101", "", "独居老人、老年人", ""}, // Excel serial date; an existing dwelling, a household of its own
		})
		r, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, good, false)
		if err != nil || r.Bad != 0 {
			t.Fatalf("dry run: %+v %v", r, err)
		}
		counts := map[string]int{}
		for _, l := range r.Summary {
			counts[l.Label] = l.Count
		}
		if counts["新增居民"] != 4 || counts["新建户"] != 2 || counts["新建楼栋"] != 1 || counts["新建房屋"] != 1 {
			t.Fatalf("plan: %v", counts)
		}
		if len(r.NewPlaces) != 1 || !strings.Contains(r.NewPlaces[0], "小区甲苑 3幢（网格甲A）") {
			t.Fatalf("new places: %v", r.NewPlaces)
		}
		r, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, good, true)
		if err != nil || !r.Committed {
			t.Fatalf("commit: %+v %v", r, err)
		}
		list, _, _ := w.App.Registry.ListPeople(ctx, p, registry.Filter{Q: "wjg", AgeMin: -1, AgeMax: -1})
		if len(list) != 1 || !list[0].IsHead() || list[0].PhoneMask != "139****5678" || list[0].BirthDate != "1970-03-15" || list[0].Address != "小区甲苑 3幢 2单元 201" {
			t.Fatalf("imported head: %+v", list)
		}
		// Unknown columns are kept as extra attributes (on the person, not in lists).
		if head, err := w.App.Registry.GetPerson(ctx, p, list[0].ID); err != nil || head.Extra["身高"] != "175" {
			t.Fatalf("extra attribute of the imported head: %v %v", head, err)
		}
		h, _ := w.App.Registry.GetHousehold(ctx, p, list[0].HouseholdID)
		if h.Number != "A001" || len(h.Members) != 3 {
			t.Fatalf("household A001: %+v", h)
		}
		// New households get their head and size as the file gave them.
		var head, size int64
		if err := w.DB.QueryRowContext(ctx, w.DB.Rebind(`SELECT head_person_id, members FROM reg_household WHERE id = ?`), h.ID).Scan(&head, &size); err != nil || head != list[0].ID || size != 3 {
			t.Fatalf("household A001 stored head %d, members %d (%v); want %d, 3", head, size, err, list[0].ID)
		}
		old, _, _ := w.App.Registry.ListPeople(ctx, p, registry.Filter{Q: "孤老人", AgeMin: -1, AgeMax: -1})
		if len(old) != 1 || old[0].BirthDate != "1947-01-01" || len(old[0].Tags) != 2 {
			t.Fatalf("serial date and tags: %+v", old)
		}
		if err := w.DB.QueryRowContext(ctx, w.DB.Rebind(`SELECT head_person_id, members FROM reg_household WHERE id = ?`), old[0].HouseholdID).Scan(&head, &size); err != nil || head != old[0].ID || size != 1 {
			t.Fatalf("household B9 stored head %d, members %d (%v)", head, size, err)
		}

		// Importing the same file again changes nothing.
		before = dbtest.Digest(t, w.DB, "audit_log", "audit_head", "auth_session", "import_upload", "import_upload_chunk")
		r, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, good, true)
		if err != nil || !r.Committed {
			t.Fatalf("second commit: %+v %v", r, err)
		}
		if dbtest.Digest(t, w.DB, "audit_log", "audit_head", "auth_session", "import_upload", "import_upload_chunk") != before {
			t.Fatal("importing the same file twice changed data")
		}
		// A changed row updates the person matched by ID number.
		changed := messyLedger(t, [][]any{
			{"A001", "王建国", "户主", wang, "男", "1970.3.15", "13600001111", "小区甲苑3幢2单元201", "网格甲A", "党员", "176"},
		})
		r, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, changed, true)
		if err != nil || !r.Committed {
			t.Fatalf("changed row: %+v %v", r, err)
		}
		list, _, _ = w.App.Registry.ListPeople(ctx, p, registry.Filter{Q: wang, AgeMin: -1, AgeMax: -1})
		if len(list) != 1 || list[0].PhoneMask != "136****1111" {
			t.Fatalf("after the changed row: %+v", list)
		}
		if head, err := w.App.Registry.GetPerson(ctx, p, list[0].ID); err != nil || head.Extra["身高"] != "176" {
			t.Fatalf("extra attribute after the changed row: %v %v", head, err)
		}
		// A person registered in another community is refused, not moved silently.
		other := messyLedger(t, [][]any{{"B001", "王建国", "户主", wang, "男", "", "", "小区丁苑 丁楼 丁单元 101", "", "", ""}})
		r, _, err = w.App.Imports.RunNow(ctx, w.Principal(t, "street_admin"), im, w.C2, other, false)
		if err != nil || r.Bad != 1 || !strings.Contains(r.Problems[0].Reason, "其他社区") {
			t.Fatalf("other community: %+v %v", r, err)
		}
	})
}

// TestImportDate1904: a workbook saved in the 1904 date system (Excel for
// Mac's) stores dates 1,462 smaller, and they are read as it counts them.
func TestImportDate1904(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		p := w.Principal(t, "community_admin")
		path := messyLedger(t, [][]any{{"M1", "苹果机", "户主", "", "女", 27760, "", "小区甲苑3幢2单元209", "网格甲A", "", ""}})
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
			t.Fatal(err)
		}
		if err := f.Save(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		r, _, err := w.App.Imports.RunNow(ctx, p, registry.Importer{S: w.App.Registry}, w.C1, path, true)
		if err != nil || !r.Committed {
			t.Fatalf("commit: %+v %v", r, err)
		}
		list, _, _ := w.App.Registry.ListPeople(ctx, p, registry.Filter{Q: "苹果机", AgeMin: -1, AgeMax: -1})
		if len(list) != 1 || list[0].BirthDate != "1980-01-02" {
			t.Fatalf("imported: %+v", list)
		}
	})
}

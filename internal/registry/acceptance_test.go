package registry_test

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"linli/internal/apptest"
	"linli/internal/registry"
)

// TestAcceptanceLedgerFromLibreOffice imports a ledger no one here wrote with
// Linli's tools: testdata/acceptance-ledger.fods (flat ODS, by hand) turned
// into .xlsx and .csv by LibreOffice (scripts/make-acceptance-ledger.sh). It
// has a merged title row, a 填报单位 row, shuffled and renamed columns, ID
// numbers in groups, full-width, with a lowercase x and as 15-digit numbers,
// dates in six styles, a blank row, no 网格 column, and eight bad rows. The
// check must report exactly the bad rows, by row and column, and the good
// rows must then import into a community of several grids that does not yet
// have their estates.
func TestAcceptanceLedgerFromLibreOffice(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		p := w.Principal(t, "community_admin")
		im := registry.Importer{S: w.App.Registry}
		type problem struct{ column, kind, value, reason string }
		// Row → the one problem of that row.
		want := map[int]problem{
			11: {"E 列（公民身份号码）", "identity.id_check", "310***********0051", "校验位不正确"},
			14: {"E 列（公民身份号码）", "identity.id_chars", "310*「O」* ******** 0110", "无法识别的字符：第 5 位“O”"},
			15: {"D 列（与户主关系）", "registry.import_head_row_bad", "", "户主在第 14 行"},
			16: {"E 列（公民身份号码）", "registry.import_scientific", "3.1010419800101E+017", "存成了数字"},
			17: {"C 列（姓 名）", "err.required", "", "姓名"},
			18: {"H 列（出生年月日）", "registry.birth_mismatch", "1980-01-01", "证件号码中为 1981-01-01"},
			19: {"I 列（联系方式）", "registry.phone_chars", "***「abc」*2345", "非数字字符：第 4–6 位“abc”"},
			20: {"D 列（与户主关系）", "registry.import_relation", "表哥", "不认识的与户主关系"},
		}
		var estates int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM estate WHERE community_id = ? AND name IN ('梧桐里', '枫林苑')`, w.C1).Scan(&estates)
		var grids int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_unit WHERE parent_id = ?`, w.C1).Scan(&grids)
		if estates != 0 || grids < 2 {
			t.Fatalf("the community must have several grids (%d) and none of the estates (%d)", grids, estates)
		}

		gridsNeeded := false
		for _, name := range []string{"acceptance-ledger.xlsx", "acceptance-ledger.csv"} {
			r, m, err := w.App.Imports.RunNow(ctx, p, im, w.C1, filepath.Join("testdata", name), false)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if m.HeaderRow != 3 || len(m.Missing) != 0 {
				t.Fatalf("%s: header row %d, missing %v", name, m.HeaderRow, m.Missing)
			}
			got := map[int][]problem{}
			for _, pr := range r.Problems {
				if pr.Kind == "places.import_grid_needed" {
					// Before new buildings may be created without a grid
					// (未划分网格), every good row of this ledger stops here.
					gridsNeeded = true
					continue
				}
				got[pr.Row] = append(got[pr.Row], problem{pr.Column, pr.Kind, pr.Value, pr.Reason})
			}
			exp := map[int]problem{}
			for row, pr := range want {
				if row == 15 && gridsNeeded {
					continue // its household is never reached
				}
				exp[row] = pr
			}
			var rows []int
			for row := range got {
				rows = append(rows, row)
			}
			sort.Ints(rows)
			for _, row := range rows {
				if _, ok := exp[row]; !ok {
					t.Errorf("%s: row %d reported, but is good: %+v", name, row, got[row])
				}
			}
			for row, w := range exp {
				g := got[row]
				if len(g) != 1 || g[0].column != w.column || g[0].kind != w.kind || g[0].value != w.value || !strings.Contains(g[0].reason, w.reason) {
					t.Errorf("%s: row %d: got %+v, want %+v", name, row, g, w)
				}
			}
			if gridsNeeded {
				continue
			}
			if r.Rows != 18 || r.Bad != len(want) || r.Good != 18-len(want) {
				t.Errorf("%s: %d rows, %d good, %d bad", name, r.Rows, r.Good, r.Bad)
			}
		}
		if gridsNeeded {
			t.Fatal("new buildings of a ledger without a 网格 column were refused for want of a grid; " +
				"they belong in 未划分网格 (the grids change), and the good rows cannot be committed")
		}

		// The user deletes the reported rows and imports again.
		f, err := excelize.OpenFile(filepath.Join("testdata", "acceptance-ledger.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		var bad []int
		for row := range want {
			bad = append(bad, row)
		}
		sort.Sort(sort.Reverse(sort.IntSlice(bad)))
		for _, row := range bad {
			if err := f.RemoveRow(f.GetSheetName(0), row); err != nil {
				t.Fatal(err)
			}
		}
		fixed := filepath.Join(t.TempDir(), "已改正.xlsx")
		if err := f.SaveAs(fixed); err != nil {
			t.Fatal(err)
		}
		f.Close()
		r, _, err := w.App.Imports.RunNow(ctx, p, im, w.C1, fixed, false)
		if err != nil || r.Bad != 0 || r.Rows != 10 {
			t.Fatalf("check of the corrected ledger: %+v %v", r, err)
		}
		r, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, fixed, true, r.Rows)
		if err != nil || !r.Committed {
			t.Fatalf("commit: %+v %v", r, err)
		}
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM estate WHERE community_id = ? AND name IN ('梧桐里', '枫林苑')`, w.C1).Scan(&estates)
		if estates != 2 {
			t.Fatalf("estates created: %d", estates)
		}
		// Every number, however typed, is stored in its one form (found by it),
		// with the birth date and sex it encodes.
		for name, id := range map[string]string{
			"张国强": "310104194306020154", // in groups, with spaces around
			"李秀英": "310104194501200222", // full-width digits
			"张伟":  "31010419700512069X", // ideographic space, lowercase x
			"王建华": "310104195307151230", // 15 digits, a number cell
			"陈丽":  "310104195508232221", // hyphens
			"周芳":  "310104198212011220", // non-breaking spaces
			"许静":  "310104197510311008",
			"卫东":  "310104196603152240", // 15 digits in groups
		} {
			list, _, err := w.App.Registry.ListPeople(ctx, p, registry.Filter{Q: id, AgeMin: -1, AgeMax: -1})
			if err != nil || len(list) != 1 || list[0].Name != name || list[0].BirthDate != id[6:10]+"-"+id[10:12]+"-"+id[12:14] {
				t.Errorf("%s by %s: %+v %v", name, id, list, err)
			}
		}
		born := map[string]string{}
		rows, err := w.DB.QueryContext(ctx, `SELECT name, birth_date FROM reg_person WHERE community_id = ? AND name IN ('张小军', '吴小宝')`, w.C1)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n, b string
			rows.Scan(&n, &b)
			born[n] = b
		}
		rows.Close()
		if born["张小军"] != "2001-09-09" || born["吴小宝"] != "2015-03-08" {
			t.Errorf("dates without an ID number: %v", born)
		}
		heads := map[string]int{}
		for _, n := range []string{"张国强", "王建华", "周芳"} {
			list, _, _ := w.App.Registry.ListPeople(ctx, p, registry.Filter{Q: n, AgeMin: -1, AgeMax: -1})
			if len(list) != 1 || !list[0].IsHead() {
				t.Fatalf("head %s: %+v", n, list)
			}
			h, _ := w.App.Registry.GetHousehold(ctx, p, list[0].HouseholdID)
			heads[h.Number] = len(h.Members)
		}
		if heads["WT-001"] != 4 || heads["WT-002"] != 2 || heads["FL-001"] != 2 {
			t.Errorf("households: %v", heads)
		}
		if list, _, _ := w.App.Registry.ListPeople(ctx, p, registry.Filter{Q: "张国强", AgeMin: -1, AgeMax: -1}); len(list) == 1 && list[0].PhoneMask != "138****8000" {
			t.Errorf("phone typed in groups: %q", list[0].PhoneMask)
		}
		// The same ledger again changes nothing.
		r, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, fixed, false)
		if err != nil || r.Bad != 0 || r.Good != 10 {
			t.Fatalf("second check: %+v %v", r, err)
		}
		for _, l := range r.Summary {
			if l.Label == "新增居民" && l.Count != 0 {
				t.Errorf("second check plans new people: %+v", r.Summary)
			}
		}
	})
}

package places_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/dbtest"
	"linli/internal/importflow"
	"linli/internal/places"
	"linli/internal/registry"
)

// ledger writes an xlsx the way communities keep them: a merged title row and a
// note above the header, columns in their own order under their own names.
func ledger(t *testing.T, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "一号社区楼栋房屋台账（2026年）")
	f.MergeCell("Sheet1", "A1", "G1")
	f.SetCellValue("Sheet1", "A2", "填表人：张三")
	header := []any{"序号", "小区名称", "楼号", "单元号", "门牌号", "所属网格", "建筑面积"}
	f.SetSheetRow("Sheet1", "A3", &header)
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, 4+i)
		row := append([]any{i + 1}, r...)
		f.SetSheetRow("Sheet1", cell, &row)
	}
	p := filepath.Join(t.TempDir(), "台账.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportBuildingList(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		res, _ := w.App.Auth.Login(ctx, "community_admin", apptest.Password, "ip", "ua", auth.KindWeb)
		p := res.Principal
		im := places.Importer{S: w.App.Places}
		bad := ledger(t, [][]any{
			{"新苑", "1幢", "1单元", "101", "网格甲A", "88.5"},
			{"新苑", "1幢", "1单元", "102", "001", "90"},
			{"新苑", "2幢", "", "201", "", ""},       // new building without a grid: 未划分网格, no problem
			{"新苑", "3幢", "", "301", "网格丁D", ""},   // grid of another community
			{"小区甲苑", "甲楼", "", "102", "网格乙B", ""}, // existing building, other grid
			{"新苑", "", "", "401", "001", ""},      // no building
			{"新苑", "4幢", "", "401", "001", "很大"},  // area not a number
		})
		before := dbtest.Digest(t, w.DB, "audit_log", "audit_head", "auth_session")
		r, m, err := w.App.Imports.RunNow(ctx, p, im, w.C1, bad, true)
		if err != nil {
			t.Fatal(err)
		}
		if m.HeaderRow != 3 {
			t.Fatalf("header found on row %d, want 3", m.HeaderRow)
		}
		if r.Rows != 7 || r.Good != 3 || r.Bad != 4 || r.Committed {
			t.Fatalf("result: %+v", r)
		}
		if !hasLine(r.Summary, "新楼栋未划分网格", 1) {
			t.Fatalf("summary: %+v", r.Summary)
		}
		want := map[int]string{7: "没有这个网格", 8: "已属于", 9: "缺少楼栋", 10: "面积"}
		for _, pr := range r.Problems {
			if !strings.Contains(pr.Reason, want[pr.Row]) || want[pr.Row] == "" {
				t.Errorf("row %d: %s / %s", pr.Row, pr.Column, pr.Reason)
			}
			delete(want, pr.Row)
		}
		if len(want) != 0 {
			t.Fatalf("rows not reported: %v", want)
		}
		if after := dbtest.Digest(t, w.DB, "audit_log", "audit_head", "auth_session"); after != before {
			t.Fatal("a commit with bad rows wrote something")
		}

		good := ledger(t, [][]any{
			{"新苑", "1幢", "1单元", "101", "网格甲A", "88.5"},
			{"新苑", "1幢", "1单元", "102", "001", "90"},
			{"新苑", "1幢", "2单元", "101", "", ""},
			{"新苑", "2幢", "", "", "网格乙B", ""},
			{"小区甲苑", "甲楼", "甲单元", "101", "", "66"}, // existing dwelling: area updated
		})
		r, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, good, false)
		if err != nil || r.Bad != 0 {
			t.Fatalf("dry run: %+v %v", r, err)
		}
		counts := map[string]int{}
		for _, l := range r.Summary {
			counts[l.Label] = l.Count
		}
		if counts["新建小区"] != 1 || counts["新建楼栋"] != 2 || counts["新建单元"] != 2 || counts["新建房屋"] != 3 || counts["更新房屋信息"] != 1 {
			t.Fatalf("plan: %v", counts)
		}
		if len(r.NewPlaces) != 3 || !strings.Contains(strings.Join(r.NewPlaces, ";"), "新苑 1幢（网格甲A）") {
			t.Fatalf("new places: %v", r.NewPlaces)
		}
		r, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, good, true)
		if err != nil || !r.Committed {
			t.Fatalf("commit: %+v %v", r, err)
		}
		var area float64
		w.DB.QueryRowContext(ctx, `SELECT area FROM dwelling WHERE id = ?`, w.Objects["dwelling"][apptest.InA]).Scan(&area)
		if area != 66 {
			t.Fatalf("existing dwelling area = %v", area)
		}
		var n int
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM dwelling d JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id WHERE b.name = '1幢' AND d.grid_id = ?`, w.GridA).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("new dwellings in grid A: %d", n)
		}
		// The same file again changes nothing.
		before = dbtest.Digest(t, w.DB, "audit_log", "audit_head", "auth_session")
		r, _, err = w.App.Imports.RunNow(ctx, p, im, w.C1, good, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range r.Summary {
			if l.Count != 0 {
				t.Fatalf("second import planned %s %d", l.Label, l.Count)
			}
		}
		if after := dbtest.Digest(t, w.DB, "audit_log", "audit_head", "auth_session"); after != before {
			t.Fatal("importing the same file twice changed data")
		}
	})
}

// A building list without a 网格 column imports into a community of several
// grids: its new buildings have none (once in the summary), or the grid chosen
// for the import; a later list naming a grid for such a building puts it, its
// dwellings and its residents there.
func TestImportBuildingListWithoutGrids(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		admin := w.Principal(t, "community_admin")
		im := places.Importer{S: w.App.Places}
		csv := func(name, body string) string {
			p := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		noGrids := csv("楼栋.csv", "小区,楼栋,单元,房号\n东苑,1幢,1单元,101\n东苑,1幢,1单元,102\n东苑,2幢,,101\n东苑,3幢,,101\n")
		r, _, err := w.App.Imports.RunNow(ctx, admin, im, w.C1, noGrids, false)
		if err != nil || r.Bad != 0 || r.Good != 4 || len(r.Problems) != 0 {
			t.Fatalf("dry run: %+v %v", r, err)
		}
		if !hasLine(r.Summary, "新楼栋未划分网格", 3) {
			t.Fatalf("summary: %+v", r.Summary)
		}
		if r, _, err = w.App.Imports.RunNow(ctx, admin, im, w.C1, noGrids, true); err != nil || !r.Committed {
			t.Fatalf("commit: %+v %v", r, err)
		}
		var n int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM dwelling WHERE grid_id IS NULL`).Scan(&n)
		if n != 4 {
			t.Fatalf("%d dwellings without a grid, want 4", n)
		}
		// A community with one grid puts them there.
		one := csv("二号.csv", "小区,楼栋,房号\n南苑,1幢,101\n")
		if r, _, err = w.App.Imports.RunNow(ctx, w.Principal(t, "community_admin_c2"), im, w.C2, one, true); err != nil || !r.Committed || !hasLine(r.Summary, "新楼栋未划分网格", 0) {
			t.Fatalf("community of one grid: %+v %v", r, err)
		}
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM dwelling d JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id WHERE b.name = '1幢' AND b.community_id = ? AND d.grid_id = ?`, w.C2, w.GridD).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatal("the new building of a one-grid community is not in its grid")
		}
		// The grid chosen for the import; one of another community is refused.
		inB := csv("乙.csv", "小区,楼栋,房号\n东苑,8幢,101\n")
		if _, _, err := w.App.Imports.RunNowInGrid(ctx, admin, im, w.C1, w.GridD, inB, false); err == nil || !strings.Contains(err.Error(), "不属于") {
			t.Fatalf("grid of another community: %v", err)
		}
		if r, _, err = w.App.Imports.RunNowInGrid(ctx, admin, im, w.C1, w.GridB, inB, true); err != nil || !r.Committed || !hasLine(r.Summary, "新楼栋未划分网格", 0) {
			t.Fatalf("commit in grid B: %+v %v", r, err)
		}
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM dwelling d JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id WHERE b.name = '8幢' AND b.grid_id = ? AND d.grid_id = ?`, w.GridB, w.GridB).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatal("the new building is not in the chosen grid")
		}
		// A resident of 2幢, then a list that names 2幢's grid.
		var dwelling int64
		if err := w.DB.QueryRowContext(ctx, `SELECT d.id FROM dwelling d JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id WHERE b.name = '2幢'`).Scan(&dwelling); err != nil {
			t.Fatal(err)
		}
		pid, err := w.App.Registry.CreatePerson(ctx, admin, registryPerson(dwelling))
		if err != nil {
			t.Fatal(err)
		}
		named := csv("网格.csv", "小区,楼栋,房号,网格\n东苑,2幢,101,网格甲A\n东苑,2幢,102,\n")
		if r, _, err = w.App.Imports.RunNow(ctx, admin, im, w.C1, named, true); err != nil || !r.Committed || !hasLine(r.Summary, "原未划分网格、按表划入网格的楼栋", 1) {
			t.Fatalf("commit naming the grid: %+v %v", r, err)
		}
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM dwelling d JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id WHERE b.name = '2幢' AND b.grid_id = ? AND d.grid_id = ?`, w.GridA, w.GridA).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("%d dwellings of 2幢 in grid A, want 2", n)
		}
		var grid int64
		w.DB.QueryRowContext(ctx, `SELECT COALESCE(grid_id, 0) FROM reg_person WHERE id = ?`, pid).Scan(&grid)
		if grid != w.GridA {
			t.Fatalf("the resident is in grid %d, want A", grid)
		}
	})
}

func TestImportRefusesAnotherCommunity(t *testing.T) {
	d := dbtest.SQLite(t, apptest.Migrations())
	w := apptest.New(t, d)
	ctx := context.Background()
	res, _ := w.App.Auth.Login(ctx, "community_admin", apptest.Password, "ip", "ua", auth.KindWeb)
	path := ledger(t, [][]any{{"x", "1幢", "", "101", "网格丁D", ""}})
	if _, _, err := w.App.Imports.RunNow(ctx, res.Principal, places.Importer{S: w.App.Places}, w.C2, path, true); err != auth.ErrForbidden {
		t.Fatalf("import into community 2: %v", err)
	}
}

func hasLine(lines []importflow.Line, label string, n int) bool {
	for _, l := range lines {
		if l.Label == label {
			return l.Count == n
		}
	}
	return n == 0
}

func registryPerson(dwelling int64) registry.PersonInput {
	return registry.PersonInput{Name: "东苑住户", IDNumber: apptest.RegistryID("330106", 1977, 301), DwellingID: dwelling, NewHousehold: true, Relation: registry.RelationSelf}
}

func writeCSV(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "台账.csv")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

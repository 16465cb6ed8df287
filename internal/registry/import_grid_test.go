package registry_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importflow"
	"linli/internal/places"
	"linli/internal/registry"
)

func csvLedger(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func summaryCount(r *importflow.Result, label string) int {
	for _, l := range r.Summary {
		if l.Label == label {
			return l.Count
		}
	}
	return 0
}

// Most community ledgers have no 网格 column. Into a community with several
// grids they import all the same: new buildings are 未划分网格 (counted once in
// the summary, not as row errors), seen by the community's staff and not by
// grid workers, until the buildings are put in a grid, which carries their
// residents along.
func TestImportWithoutGridColumn(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		admin := w.Principal(t, "community_admin")
		gw := w.Principal(t, "grid_worker") // grid A of community 1
		im := registry.Importer{S: w.App.Registry}
		ids := []string{apptest.RegistryID("330106", 1980, 101), apptest.RegistryID("330106", 1982, 102), apptest.RegistryID("330106", 1990, 103)}
		ledger := csvLedger(t, "花名册.csv", "户号,姓名,与户主关系,身份证号,现居住地址\n"+
			"N1,甲一,户主,"+ids[0]+",新苑3幢1单元101\n"+
			"N1,甲二,妻子,"+ids[1]+",新苑3幢1单元101\n"+
			"N2,乙一,户主,"+ids[2]+",新苑5幢201\n")

		r, _, err := w.App.Imports.RunNow(ctx, admin, im, w.C1, ledger, false)
		if err != nil {
			t.Fatal(err)
		}
		if r.Bad != 0 || r.Good != 3 || len(r.Problems) != 0 {
			t.Fatalf("dry run: %+v", r)
		}
		if n := summaryCount(r, "新楼栋未划分网格"); n != 2 {
			t.Fatalf("summary counts %d buildings without a grid, want 2: %+v", n, r.Summary)
		}
		if !strings.Contains(strings.Join(r.NewPlaces, ";"), "新苑 3幢（未划分网格）") {
			t.Fatalf("new places: %v", r.NewPlaces)
		}
		r, _, err = w.App.Imports.RunNow(ctx, admin, im, w.C1, ledger, true, r.Rows)
		if err != nil || !r.Committed {
			t.Fatalf("commit: %+v %v", r, err)
		}
		var nullPeople, nullBuildings, nullDwellings, nullHouseholds int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_person WHERE grid_id IS NULL AND name IN ('甲一', '甲二', '乙一')`).Scan(&nullPeople)
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM building WHERE grid_id IS NULL`).Scan(&nullBuildings)
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM dwelling WHERE grid_id IS NULL`).Scan(&nullDwellings)
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_household WHERE grid_id IS NULL`).Scan(&nullHouseholds)
		if nullPeople != 3 || nullBuildings != 2 || nullDwellings != 2 || nullHouseholds != 2 {
			t.Fatalf("without grid: %d people, %d buildings, %d dwellings, %d households", nullPeople, nullBuildings, nullDwellings, nullHouseholds)
		}

		// The community's staff see them; the grid worker does not, anywhere.
		find := func(p *auth.Principal) []*registry.Person {
			f := registry.NewFilter()
			f.Q = "甲一"
			list, _, err := w.App.Registry.ListPeople(ctx, p, f)
			if err != nil {
				t.Fatal(err)
			}
			return list
		}
		seen := find(admin)
		if len(seen) != 1 {
			t.Fatalf("community admin finds %d", len(seen))
		}
		person := seen[0]
		if list := find(gw); len(list) != 0 {
			t.Fatalf("grid worker finds %d people without a grid", len(list))
		}
		all, total, err := w.App.Registry.ListPeople(ctx, gw, registry.NewFilter())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range all {
			if p.GridID == 0 {
				t.Fatalf("grid worker lists %s (no grid), total %d", p.Name, total)
			}
		}
		if _, err := w.App.Registry.GetPerson(ctx, gw, person.ID); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid worker reads the person: %v", err)
		}
		if _, err := w.App.Registry.GetHousehold(ctx, gw, person.HouseholdID); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid worker reads the household: %v", err)
		}
		if _, err := w.App.Places.GetDwelling(ctx, gw, person.DwellingID); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid worker reads the dwelling: %v", err)
		}
		if _, err := w.App.Cases.DwellingResolver().Resolve(ctx, gw, person.DwellingID); err == nil {
			t.Fatal("grid worker links a case to the dwelling")
		}
		if refs, err := w.App.Cases.DwellingResolver().Search(ctx, gw, "新苑", 20); err != nil || len(refs) != 0 {
			t.Fatalf("grid worker finds dwellings to link: %v %v", refs, err)
		}
		if refs, err := w.App.Cases.DwellingResolver().Search(ctx, admin, "新苑", 20); err != nil || len(refs) != 2 {
			t.Fatalf("community admin finds dwellings to link: %v %v", refs, err)
		}
		if err := w.App.Registry.UpdatePerson(ctx, gw, person.ID, registry.PersonInput{Name: "改名"}); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid worker edits a person without a grid: %v", err)
		}
		noGrid, n, err := w.App.Places.ListBuildings(ctx, admin, places.BuildingFilter{NoGrid: true})
		if err != nil || n != 2 || len(noGrid) != 2 || noGrid[0].GridID != 0 || noGrid[0].GridName != "" {
			t.Fatalf("buildings without a grid: %d %v", n, err)
		}
		if _, n, _ := w.App.Places.ListBuildings(ctx, gw, places.BuildingFilter{NoGrid: true}); n != 0 {
			t.Fatalf("grid worker lists %d buildings without a grid", n)
		}
		if _, err := w.App.Places.GetBuilding(ctx, gw, noGrid[0].ID); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid worker reads the building: %v", err)
		}
		if err := w.App.Places.UpdateBuilding(ctx, gw, noGrid[0].ID, places.BuildingInput{GridID: w.GridA, Name: noGrid[0].Name}); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid worker moves a building without a grid into theirs: %v", err)
		}
		if _, err := w.App.Places.CreateDwelling(ctx, gw, places.DwellingInput{BuildingID: noGrid[0].ID, Room: "999"}); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid worker adds a dwelling to a building without a grid: %v", err)
		}
		if _, err := w.App.Places.CreateBuilding(ctx, gw, places.BuildingInput{CommunityID: w.C1, Name: "网格员楼"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker creates a building without a grid: %v", err)
		}
		if n, _ := w.App.Places.Ungridded(ctx, admin); n != 2 {
			t.Fatalf("ungridded for the admin: %d", n)
		}
		if n, _ := w.App.Places.Ungridded(ctx, gw); n != 0 {
			t.Fatalf("ungridded for the grid worker: %d", n)
		}
		buildings := []int64{noGrid[0].ID, noGrid[1].ID}

		// Only staff of the whole community assign grids, and only that
		// community's grids.
		if _, err := w.App.Places.AssignGrid(ctx, gw, buildings, w.GridA); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker assigns: %v", err)
		}
		if _, err := w.App.Places.AssignGrid(ctx, w.Principal(t, "community_admin_c2"), buildings, w.GridD); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("admin of community 2 assigns community 1's buildings: %v", err)
		}
		var verrs *i18n.Errors
		if _, err := w.App.Places.AssignGrid(ctx, w.Principal(t, "street_admin"), buildings, w.GridD); !errors.As(err, &verrs) {
			t.Fatalf("a grid of another community: %v", err)
		}
		var audits int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'building.assign_grid'`).Scan(&audits)
		if audits != 0 {
			t.Fatal("a refused assignment was audited")
		}
		moved, err := w.App.Places.AssignGrid(ctx, admin, buildings, w.GridA)
		if err != nil || moved != 2 {
			t.Fatalf("assign: %d %v", moved, err)
		}
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'building.assign_grid'`).Scan(&audits)
		if audits != 2 {
			t.Fatalf("%d audit entries, want one per building", audits)
		}
		for _, table := range []string{"reg_person", "reg_household", "reg_name_gram", "dwelling", "building"} {
			var n int
			w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE grid_id IS NULL`).Scan(&n)
			if n != 0 {
				t.Errorf("%s: %d rows still without a grid", table, n)
			}
		}
		var gramsA int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_name_gram WHERE person_id = ? AND grid_id = ?`, person.ID, w.GridA).Scan(&gramsA)
		if gramsA == 0 {
			t.Fatal("search grams did not follow the grid")
		}
		if list := find(gw); len(list) != 1 || list[0].GridID != w.GridA {
			t.Fatalf("grid worker after assignment: %v", list)
		}
		if _, err := w.App.Registry.GetHousehold(ctx, gw, person.HouseholdID); err != nil {
			t.Fatalf("grid worker reads the household after assignment: %v", err)
		}
		if n, _ := w.App.Places.Ungridded(ctx, admin); n != 0 {
			t.Fatalf("ungridded after assignment: %d", n)
		}

		// With a grid chosen for the import, new buildings go in it.
		id4 := apptest.RegistryID("330106", 1975, 104)
		second := csvLedger(t, "第二批.csv", "户号,姓名,与户主关系,身份证号,现居住地址\nN3,丙一,户主,"+id4+",新苑7幢301\n")
		if _, _, err := w.App.Imports.RunNowInGrid(ctx, admin, im, w.C1, w.GridD, second, false); !errors.As(err, new(*i18n.Error)) {
			t.Fatalf("a grid of another community for the import: %v", err)
		}
		r, _, err = w.App.Imports.RunNowInGrid(ctx, admin, im, w.C1, w.GridB, second, false)
		if err != nil || r.Bad != 0 || summaryCount(r, "新楼栋未划分网格") != 0 {
			t.Fatalf("dry run in grid B: %+v %v", r, err)
		}
		if r, _, err = w.App.Imports.RunNowInGrid(ctx, admin, im, w.C1, w.GridB, second, true); err != nil || !r.Committed {
			t.Fatalf("commit in grid B: %+v %v", r, err)
		}
		var grid int64
		if err := w.DB.QueryRowContext(ctx, `SELECT p.grid_id FROM reg_person p JOIN dwelling d ON d.community_id = p.community_id AND d.id = p.dwelling_id
			JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id WHERE p.name = '丙一' AND b.grid_id = d.grid_id`).Scan(&grid); err != nil {
			t.Fatal(err)
		}
		if grid != w.GridB {
			t.Fatalf("person in grid %d, want grid B %d", grid, w.GridB)
		}

		// A later ledger that names the grid of a building without one puts
		// it there, with the residents already in it.
		id5 := apptest.RegistryID("330106", 1985, 105)
		third := csvLedger(t, "第三批.csv", "户号,姓名,与户主关系,身份证号,现居住地址\nN5,丁一,户主,"+id5+",新苑9幢101\n")
		if r, _, err = w.App.Imports.RunNow(ctx, admin, im, w.C1, third, true); err != nil || !r.Committed {
			t.Fatalf("commit without grid: %+v %v", r, err)
		}
		id6 := apptest.RegistryID("330106", 1986, 106)
		fourth := csvLedger(t, "第四批.csv", "户号,姓名,与户主关系,身份证号,现居住地址,网格\nN6,丁二,户主,"+id6+",新苑9幢102,网格乙B\n")
		if r, _, err = w.App.Imports.RunNow(ctx, admin, im, w.C1, fourth, true); err != nil || !r.Committed || summaryCount(r, "原未划分网格、按表划入网格的楼栋") != 1 {
			t.Fatalf("commit naming the grid: %+v %v", r, err)
		}
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_person WHERE name IN ('丁一', '丁二') AND grid_id = ?`, w.GridB).Scan(&grid)
		if grid != 2 {
			t.Fatalf("%d of the building's residents in grid B, want 2", grid)
		}
	})
}

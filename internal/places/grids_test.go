package places_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/places"
)

// After a ledger without grids, the community admin's home lists the
// buildings without a grid as a to-do (grid workers never see it), the list shows them
// with boxes to tick, and one form puts many in a grid at once.
func TestAssignGridsOverHTTP(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		admin := w.Principal(t, "community_admin")
		path := writeCSV(t, "小区,楼栋,房号\n西苑,1幢,101\n西苑,2幢,101\n西苑,3幢,101\n")
		if r, _, err := w.App.Imports.RunNow(ctx, admin, places.Importer{S: w.App.Places}, w.C1, path, true); err != nil || !r.Committed {
			t.Fatalf("import: %+v %v", r, err)
		}
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		if _, body := c.Get("/"); !strings.Contains(body, `<a href="/places?grid=none"><span class="todo-title">3 栋楼尚未划入网格，请划分</span>`) {
			t.Fatalf("home of the community admin:\n%s", body)
		}
		if _, body := gw.Get("/"); strings.Contains(body, "未划分网格") {
			t.Fatal("the grid worker's home shows buildings without a grid")
		}
		_, body := c.Get("/places?grid=none")
		list, n, _ := w.App.Places.ListBuildings(ctx, admin, places.BuildingFilter{NoGrid: true})
		if n != 3 || !strings.Contains(body, `id="assign-grid"`) || strings.Count(body, `name="building" value=`) != 3 || strings.Contains(body, fmt.Sprintf(`href="/places/buildings/%d"`, w.Objects["building"][apptest.InA])) {
			t.Fatalf("list of buildings without a grid (%d):\n%s", n, body)
		}
		if _, body := gw.Get("/places?grid=none"); strings.Contains(body, `id="assign-grid"`) || strings.Contains(body, "西苑") {
			t.Fatal("the grid worker is offered the assignment or sees the buildings")
		}
		// Nothing ticked: the list again, with the reason.
		if resp, body := c.PostForm("/places/buildings/grid", url.Values{"grid_id": {fmt.Sprint(w.GridA)}, "back": {"grid=none"}}); resp.StatusCode != 422 || !strings.Contains(body, "请勾选要划入网格的楼栋") {
			t.Fatalf("nothing ticked: %d", resp.StatusCode)
		}
		form := url.Values{"building": {fmt.Sprint(list[0].ID), fmt.Sprint(list[1].ID)}, "grid_id": {fmt.Sprint(w.GridA)}, "back": {"grid=none"}}
		resp, _ := c.PostForm("/places/buildings/grid", form)
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/places?grid=none" {
			t.Fatalf("assign: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, body := c.Get("/places?grid=none"); !strings.Contains(body, "已将 2 栋楼划入网格甲A") || strings.Count(body, `name="building" value=`) != 1 {
			t.Fatalf("after assigning:\n%s", body)
		}
		if _, body := gw.Get(fmt.Sprintf("/places/buildings/%d", list[0].ID)); !strings.Contains(body, list[0].Name) {
			t.Fatal("the grid worker does not see the building now in grid A")
		}
		if _, body := c.Get("/"); !strings.Contains(body, `<a href="/places?grid=none"><span class="todo-title">1 栋楼尚未划入网格，请划分</span>`) {
			t.Fatal("home count after assigning")
		}
		c.PostForm("/places/buildings/grid", url.Values{"building": {fmt.Sprint(list[2].ID)}, "grid_id": {fmt.Sprint(w.GridB)}})
		if _, body := c.Get("/"); strings.Contains(body, "未划分网格的楼栋") {
			t.Fatal("the count stays on the home page at zero")
		}
	})
}

// Only the community's staff may take a building out of every grid; a grid
// worker who leaves the grid blank is told to choose one.
func TestLeavingABuildingWithoutAGrid(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Places
		b := w.Objects["building"][apptest.InA]
		bl, err := s.GetBuilding(ctx, w.Principal(t, "grid_worker"), b)
		if err != nil {
			t.Fatal(err)
		}
		in := places.BuildingInput{EstateID: bl.EstateID, Name: bl.Name, Floors: bl.Floors}
		err = s.UpdateBuilding(ctx, w.Principal(t, "grid_worker"), b, in)
		var verrs *i18n.Errors
		if !errors.As(err, &verrs) || !strings.Contains(verrs.For("grid_id"), "请选择所属网格") {
			t.Fatalf("grid worker leaves the grid blank: %v", err)
		}
		if err := s.UpdateBuilding(ctx, w.Principal(t, "community_admin"), b, in); err != nil {
			t.Fatalf("community admin takes the building out of its grid: %v", err)
		}
		var n int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM dwelling WHERE building_id = ? AND grid_id IS NOT NULL`, b).Scan(&n)
		if n != 0 {
			t.Fatalf("%d dwellings kept the old grid", n)
		}
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_person p JOIN dwelling d ON d.community_id = p.community_id AND d.id = p.dwelling_id WHERE d.building_id = ? AND p.grid_id IS NOT NULL`, b).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d residents kept the old grid", n)
		}
		if _, err := s.GetBuilding(ctx, w.Principal(t, "grid_worker"), b); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid worker still reads the building: %v", err)
		}
	})
}

// SetBuildingGridTx (the registry import's) moves a building within its
// community only: a grid of another community is refused and nothing moves;
// a building taken out of any grid (0) is found by its id alone.
func TestSetBuildingGridStaysInTheCommunity(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Places
		b := w.Objects["building"][apptest.InA]
		err := w.DB.InTx(ctx, func(tx *db.Tx) error { return s.SetBuildingGridTx(ctx, tx, b, w.GridD) })
		if err == nil {
			t.Fatal("a building of community 1 put in a grid of community 2")
		}
		grid := func() (building, dwellings int64) {
			t.Helper()
			if err := w.DB.QueryRowContext(ctx, `SELECT COALESCE(grid_id, 0) FROM building WHERE id = ?`, b).Scan(&building); err != nil {
				t.Fatal(err)
			}
			if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM dwelling WHERE building_id = ? AND grid_id = ?`, b, w.GridA).Scan(&dwellings); err != nil {
				t.Fatal(err)
			}
			return building, dwellings
		}
		if g, n := grid(); g != w.GridA || n == 0 {
			t.Fatalf("after the refusal: building in grid %d, %d dwellings in grid A", g, n)
		}
		if err := w.DB.InTx(ctx, func(tx *db.Tx) error { return s.SetBuildingGridTx(ctx, tx, b, 0) }); err != nil {
			t.Fatal(err)
		}
		if g, n := grid(); g != 0 || n != 0 {
			t.Fatalf("out of its grid: building in grid %d, %d dwellings in grid A", g, n)
		}
	})
}

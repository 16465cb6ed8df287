package places_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/places"
)

func TestSortKeyAndFloor(t *testing.T) {
	if !(places.SortKey("2号楼") < places.SortKey("10号楼")) || !(places.SortKey("3幢2单元") < places.SortKey("3幢10单元")) {
		t.Fatal("natural order")
	}
	for room, floor := range map[string]int{"301": 3, "1203": 12, "B101": 0, "12": 0} {
		if got := places.FloorOf(room); got != floor {
			t.Errorf("FloorOf(%s) = %d", room, got)
		}
	}
}

func TestBuildingsDwellingsAndGridMoves(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Places
		sys := auth.System("t")
		moved := 0
		s.BuildingGridChanged = append(s.BuildingGridChanged, func(context.Context, *db.Tx, int64, int64) error { moved++; return nil })
		b := w.Objects["building"][apptest.InA]
		// Rooms generate once; running again adds nothing.
		n, err := s.GenerateRooms(ctx, sys, b, 1, 3, 2)
		if err != nil || n != 5 { // 101 exists in the fixture
			t.Fatalf("generate: %d %v", n, err)
		}
		if n, _ := s.GenerateRooms(ctx, sys, b, 1, 3, 2); n != 0 {
			t.Fatalf("second generate created %d", n)
		}
		dws, _ := s.Dwellings(ctx, sys, b)
		if len(dws) != 6 || dws[0].Room != "101" {
			t.Fatalf("dwellings: %d", len(dws))
		}
		// Duplicate room: a message naming the room.
		_, err = s.CreateDwelling(ctx, sys, places.DwellingInput{BuildingID: b, EntranceID: w.Objects["entrance"][apptest.InA], Room: "101"})
		var verrs *i18n.Errors
		if !errors.As(err, &verrs) || !strings.Contains(verrs.For("room"), "101") {
			t.Fatalf("duplicate room: %v", err)
		}
		// A building must sit in a grid of its own community.
		_, err = s.CreateBuilding(ctx, sys, places.BuildingInput{CommunityID: w.C1, GridID: w.GridD, Name: "错楼"})
		if !errors.As(err, &verrs) || verrs.For("grid_id") == "" {
			t.Fatalf("grid of another community: %v", err)
		}
		// Moving the building to grid B moves its dwellings, and tells the hooks.
		bl, _ := s.GetBuilding(ctx, sys, b)
		if err := s.UpdateBuilding(ctx, sys, b, places.BuildingInput{GridID: w.GridB, EstateID: bl.EstateID, Name: bl.Name, Floors: bl.Floors}); err != nil {
			t.Fatal(err)
		}
		var inA int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM dwelling WHERE building_id = ? AND grid_id = ?`, b, w.GridA).Scan(&inA)
		if inA != 0 || moved != 1 {
			t.Fatalf("after the move: %d dwellings still in A, hooks called %d times", inA, moved)
		}
		// The grid worker of A no longer sees it; of B would.
		res, _ := w.App.Auth.Login(ctx, "grid_worker", apptest.Password, "ip", "ua", auth.KindWeb)
		if _, err := s.GetBuilding(ctx, res.Principal, b); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("moved building still visible to grid A: %v", err)
		}
		// A building with dwellings is not deleted; an estate with buildings neither.
		if err := s.DeleteBuilding(ctx, sys, b); err == nil || !strings.Contains(err.Error(), "房屋") {
			t.Fatalf("delete with dwellings: %v", err)
		}
		if err := s.DeleteEstate(ctx, sys, w.Objects["estate"][apptest.InA]); err == nil || !strings.Contains(err.Error(), "楼") {
			t.Fatalf("delete estate with buildings: %v", err)
		}
		if err := s.DeleteBuilding(ctx, sys, w.Objects["empty_building"][apptest.InA]); err != nil {
			t.Fatalf("delete empty building: %v", err)
		}
	})
}

func TestGridWorkerSeesOnlyItsGrid(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		res, _ := w.App.Auth.Login(ctx, "grid_worker", apptest.Password, "ip", "ua", auth.KindWeb)
		p := res.Principal
		list, total, err := w.App.Places.ListBuildings(ctx, p, places.BuildingFilter{})
		if err != nil || total != 2 || len(list) != 2 {
			t.Fatalf("buildings: %d %v", total, err)
		}
		for _, b := range list {
			if b.GridID != w.GridA {
				t.Fatalf("leaked building %s", b.Name)
			}
		}
		ests, _ := w.App.Places.ListEstates(ctx, p, 0)
		if len(ests) != 1 || ests[0].ID != w.Objects["estate"][apptest.InA] {
			t.Fatalf("estates: %+v", ests)
		}
		// The estate is read through a building of the grid, and written only
		// by the community's staff; the building the grid worker may write.
		if e, err := w.App.Places.GetEstate(ctx, p, ests[0].ID); err != nil || e.Access.Write {
			t.Fatalf("the grid worker's estate: %+v %v", e, err)
		}
		if e, err := w.App.Places.GetEstate(ctx, w.Principal(t, "community_admin"), ests[0].ID); err != nil || !e.Access.Write {
			t.Fatalf("the community's estate: %+v %v", e, err)
		}
		if b, err := w.App.Places.GetBuilding(ctx, p, list[0].ID); err != nil || !b.Access.Write {
			t.Fatalf("the grid worker's building: %+v %v", b, err)
		}
		if b, err := w.App.Places.GetBuilding(ctx, w.Principal(t, "volunteer"), list[0].ID); err != nil || b.Access.Write {
			t.Fatalf("a volunteer's building: %+v %v", b, err)
		}
		b, d, _ := w.App.Places.Counts(ctx, p)
		if b != 2 || d != 1 {
			t.Fatalf("counts: %d %d", b, d)
		}
		// Creating in another grid is refused before anything is written.
		if _, err := w.App.Places.CreateBuilding(ctx, p, places.BuildingInput{GridID: w.GridB, Name: "越界楼"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("create in grid B: %v", err)
		}
	})
}

// Addresses are cached by each server; a change made on any server sharing the
// database shows on every other one at its next request.
func TestDwellingAddressesFollowChangesOnEveryServer(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		sys := auth.System("t")
		here := w.App.Places
		other := &places.Service{DB: w.DB, Audit: here.Audit, Org: here.Org} // a second server
		b := w.Objects["building"][apptest.InA]
		dws, err := here.Dwellings(ctx, sys, b)
		if err != nil || len(dws) == 0 {
			t.Fatalf("dwellings: %v", err)
		}
		d := dws[0]
		addr := func(s *places.Service) string {
			t.Helper()
			var rev int64
			if err := w.DB.Reader().QueryRowContext(ctx, `SELECT `+places.RevisionColumn).Scan(&rev); err != nil {
				t.Fatal(err)
			}
			m, err := s.DwellingAddresses(ctx, w.DB.Reader(), rev, []int64{d.CommunityID}, []int64{d.ID, d.ID, 987654321})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := m[987654321]; ok || len(m) != 1 {
				t.Fatalf("addresses %v: want exactly the existing dwelling", m)
			}
			return m[d.ID]
		}
		if got := addr(here); got == "" || got != d.Address() {
			t.Fatalf("address %q, want %q", got, d.Address())
		}
		if got := addr(other); got != d.Address() {
			t.Fatalf("other server: %q", got)
		}
		// Both servers now hold the address. The estate is renamed on the other.
		bl, _ := here.GetBuilding(ctx, sys, b)
		est, _ := here.GetEstate(ctx, sys, bl.EstateID)
		if err := other.UpdateEstate(ctx, sys, est.ID, places.EstateInput{Name: "改名小区", Address: est.Address}); err != nil {
			t.Fatal(err)
		}
		if got := addr(here); !strings.HasPrefix(got, "改名小区 ") || !strings.HasSuffix(got, " "+d.Room) {
			t.Fatalf("after the estate's rename elsewhere: %q", got)
		}
		// The building renamed and the room renumbered here: the other follows.
		if err := here.UpdateBuilding(ctx, sys, b, places.BuildingInput{GridID: bl.GridID, EstateID: bl.EstateID, Name: "改名楼", Floors: bl.Floors}); err != nil {
			t.Fatal(err)
		}
		if err := here.UpdateDwelling(ctx, sys, d.ID, places.DwellingInput{EntranceID: d.EntranceID, Room: "9901", Usage: d.Usage}); err != nil {
			t.Fatal(err)
		}
		if got := addr(other); !strings.Contains(got, " 改名楼 ") || !strings.HasSuffix(got, " 9901") {
			t.Fatalf("after the building's rename and the new room number: %q", got)
		}
		// A failed change (a room number taken) moves nothing and changes nothing.
		if len(dws) > 1 {
			if err := here.UpdateDwelling(ctx, sys, dws[1].ID, places.DwellingInput{EntranceID: dws[1].EntranceID, Room: "9901", Usage: dws[1].Usage}); err == nil {
				t.Fatal("taken room number accepted")
			}
		}
		if got := addr(here); !strings.HasSuffix(got, " 9901") {
			t.Fatalf("after a refused change: %q", got)
		}
	})
}

// The estates offered as a filter are kept a while: a write on this server shows
// at once, one made elsewhere (here: straight into the database) once the kept
// list has expired; a grid worker is offered only the estates of their grids.
func TestEstateChoicesFollowWrites(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Places
		leader := w.Principal(t, "community_admin")
		names := func(p *auth.Principal) string {
			t.Helper()
			list, err := s.EstateChoices(ctx, p, 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range list {
				out = append(out, e.Name)
			}
			return strings.Join(out, ",")
		}
		before := names(leader)
		id, err := s.CreateEstate(ctx, leader, places.EstateInput{CommunityID: w.C1, Name: "新建小区"})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(leader); !strings.Contains(got, "新建小区") {
			t.Fatalf("created estate not offered at once: %s (before: %s)", got, before)
		}
		if err := s.UpdateEstate(ctx, leader, id, places.EstateInput{Name: "改名小区"}); err != nil {
			t.Fatal(err)
		}
		if got := names(leader); !strings.Contains(got, "改名小区") || strings.Contains(got, "新建小区") {
			t.Fatalf("renamed estate: %s", got)
		}
		// The grid worker has no building in the new estate: it is not offered.
		gw := w.Principal(t, "grid_worker")
		if got := names(gw); strings.Contains(got, "改名小区") {
			t.Fatalf("grid worker offered an estate outside their grids: %s", got)
		}
		// Another server's write: seen once the kept list expires.
		if _, err := w.DB.ExecContext(ctx, `INSERT INTO estate (community_id, name, address, sort_key, remark, created_at, updated_at) VALUES (?, '别处小区', '', 'x', '', 0, 0)`, w.C1); err != nil {
			t.Fatal(err)
		}
		if got := names(leader); strings.Contains(got, "别处小区") {
			t.Fatalf("kept list changed before it expired: %s", got)
		}
		s.ExpireEstateChoices()
		if got := names(leader); !strings.Contains(got, "别处小区") {
			t.Fatalf("expired list not read again: %s", got)
		}
	})
}

// A dwelling someone lives in is not deleted: the refusal says who still
// refers to it (counted in the deleting transaction, the same on every engine,
// Citus included, whose foreign-key errors read otherwise), and nothing is
// deleted. An empty dwelling goes.
func TestDeletingAnOccupiedDwellingIsRefused(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Places
		sys := auth.System("t")
		occupied := w.Objects["dwelling"][apptest.InA]
		_, err := s.DeleteDwelling(ctx, sys, occupied)
		var ie *i18n.Error
		if !errors.As(err, &ie) || ie.Code != "conflict" || !strings.Contains(err.Error(), "位居民住在此房屋") {
			t.Fatalf("delete an occupied dwelling: %v", err)
		}
		if _, err := s.GetDwelling(ctx, sys, occupied); err != nil {
			t.Fatalf("the occupied dwelling after the refusal: %v", err)
		}
		if _, err := s.DeleteEntrance(ctx, sys, w.Objects["entrance"][apptest.InA]); err == nil || !strings.Contains(err.Error(), "房屋") {
			t.Fatalf("delete an entrance with dwellings: %v", err)
		}
		empty, err := s.CreateDwelling(ctx, sys, places.DwellingInput{BuildingID: w.Objects["building"][apptest.InA], Room: "999"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteDwelling(ctx, sys, empty); err != nil {
			t.Fatalf("delete an empty dwelling: %v", err)
		}
		if _, err := s.GetDwelling(ctx, sys, empty); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("the empty dwelling after its deletion: %v", err)
		}
	})
}

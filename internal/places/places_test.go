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

package registry

import (
	"fmt"
	"testing"

	"linli/internal/places"
)

// The building page's room tiles: units in the order places lists them,
// floors from the top down, rooms of unknown floor last, counts per room.
func TestRoomUnitsByUnitAndFloor(t *testing.T) {
	dw := func(id int64, entrance, room string, floor int) *places.Dwelling {
		return &places.Dwelling{ID: id, EntranceName: entrance, Room: room, Floor: floor}
	}
	cards := []dwellingCard{
		{Dwelling: dw(1, "1单元", "101", 1), People: []*Person{{}, {}}},
		{Dwelling: dw(2, "1单元", "102", 1)},
		{Dwelling: dw(3, "1单元", "201", 2), Rentals: []*Rental{{}}},
		{Dwelling: dw(4, "1单元", "商铺", 0)},
		{Dwelling: dw(5, "1单元", "1001", 10)},
		{Dwelling: dw(6, "2单元", "101", 1)},
		{Dwelling: dw(7, "", "门卫", 0)},
	}
	got := ""
	for _, u := range roomUnits(cards) {
		got += "[" + u.Name + "]"
		for _, f := range u.Floors {
			got += fmt.Sprintf(" %d:", f.Floor)
			for _, r := range f.Rooms {
				got += fmt.Sprintf("%s/%d", r.Room, r.People)
				if r.Rented {
					got += "R"
				}
				got += ","
			}
		}
	}
	if want := "[1单元] 10:1001/0, 2:201/0R, 1:101/2,102/0, 0:商铺/0,[2单元] 1:101/0,[] 0:门卫/0,"; got != want {
		t.Fatalf("rooms:\n got %s\nwant %s", got, want)
	}
}

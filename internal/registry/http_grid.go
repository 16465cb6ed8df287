package registry

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/places"
	"linli/internal/web"
)

// The phone view for 网格员: my grids → a grid's buildings → the building's
// dwellings with who lives in each → quick edits of a person, in few taps.

type gridOption struct {
	Unit          *org.Unit
	CommunityName string
}

type buildingCount struct {
	Building *places.Building
	People   int
}

type gridData struct {
	Grids     []gridOption
	Grid      *org.Unit
	Buildings []buildingCount
}

func (h *webHandlers) gridPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	units, err := h.s.Org.InScope(ctx, p, org.Grid)
	if err != nil {
		return err
	}
	d := gridData{}
	for _, u := range units {
		o := gridOption{Unit: u}
		if c, ok := h.s.Org.Lookup(ctx, u.CommunityID); ok {
			o.CommunityName = c.Name
		}
		d.Grids = append(d.Grids, o)
	}
	sel := queryID(r.URL.Query(), "grid")
	if sel == 0 && len(units) == 1 {
		sel = units[0].ID
	}
	if sel != 0 {
		for _, u := range units {
			if u.ID == sel {
				d.Grid = u
			}
		}
		if d.Grid == nil {
			return auth.ErrNotFound
		}
		list, _, err := h.s.Places.ListBuildings(ctx, p, places.BuildingFilter{GridID: sel, Limit: 500})
		if err != nil {
			return err
		}
		counts, err := h.s.PeoplePerBuilding(ctx, p, sel)
		if err != nil {
			return err
		}
		for _, b := range list {
			d.Buildings = append(d.Buildings, buildingCount{Building: b, People: counts[b.ID]})
		}
	}
	title := i18n.T("registry.grid_title")
	if d.Grid != nil {
		title = d.Grid.Name
	}
	return h.srv.Render(w, r, "registry/grid.html", web.View{Title: title, ActiveNav: "/registry/grid", Data: d})
}

type dwellingCard struct {
	Dwelling *places.Dwelling
	People   []*Person
	Rentals  []*Rental
}

type gridBuildingData struct {
	Building  *places.Building
	Dwellings []dwellingCard
	Units     []roomUnit // the dwellings again, as tiles by unit and floor
	People    int
	Now       time.Time
	Access    auth.Access // what the user may do with the registry here
}

func (h *webHandlers) gridBuilding(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.s.Places.GetBuilding(ctx, p, id)
	if err != nil {
		return err
	}
	dws, err := h.s.Places.Dwellings(ctx, p, id)
	if err != nil {
		return err
	}
	byDwelling := map[int64]*dwellingCard{}
	d := gridBuildingData{Building: b, Now: h.s.now(), Access: h.s.AccessAt(p, b.CommunityID, b.GridID)}
	d.Dwellings = make([]dwellingCard, len(dws))
	for i, dw := range dws {
		d.Dwellings[i] = dwellingCard{Dwelling: dw}
		byDwelling[dw.ID] = &d.Dwellings[i]
	}
	f := NewFilter()
	f.BuildingID = id
	err = h.s.EachPerson(ctx, p, f, func(person *Person) error {
		if c := byDwelling[person.DwellingID]; c != nil {
			c.People = append(c.People, person)
			d.People++
		}
		return nil
	})
	if err != nil {
		return err
	}
	rentals, _, err := h.s.ListRentals(ctx, p, RentalFilter{BuildingID: id, Limit: 500})
	if err != nil {
		return err
	}
	for _, rt := range rentals {
		if c := byDwelling[rt.DwellingID]; c != nil {
			c.Rentals = append(c.Rentals, rt)
		}
	}
	d.Units = roomUnits(d.Dwellings)
	return h.srv.Render(w, r, "registry/grid_building.html", web.View{Title: b.Label(), ActiveNav: "/registry/grid", Data: d})
}

// roomUnit is a 单元 of the building page's room tiles, its floors from the
// top down, as the building stands; Name is "" for dwellings without one.
type roomUnit struct {
	Name   string
	Floors []roomFloor
}

// roomFloor is one floor of a unit; Floor 0 gathers rooms whose floor is not
// known (a shop, "B101").
type roomFloor struct {
	Floor int
	Rooms []roomTile
}

type roomTile struct {
	ID     int64
	Room   string
	People int
	Rented bool
}

// roomUnits groups the building's dwellings (in the order places lists them:
// by unit, then room) into units and floors.
func roomUnits(cards []dwellingCard) []roomUnit {
	var units []roomUnit
	at := map[string]int{}
	for _, c := range cards {
		dw := c.Dwelling
		i, ok := at[dw.EntranceName]
		if !ok {
			i = len(units)
			at[dw.EntranceName] = i
			units = append(units, roomUnit{Name: dw.EntranceName})
		}
		u := &units[i]
		j := -1
		for k := range u.Floors {
			if u.Floors[k].Floor == dw.Floor {
				j = k
			}
		}
		if j < 0 {
			j = len(u.Floors)
			u.Floors = append(u.Floors, roomFloor{Floor: dw.Floor})
		}
		u.Floors[j].Rooms = append(u.Floors[j].Rooms, roomTile{ID: dw.ID, Room: dw.Room, People: len(c.People), Rented: len(c.Rentals) > 0})
	}
	for i := range units {
		sort.SliceStable(units[i].Floors, func(a, b int) bool {
			fa, fb := units[i].Floors[a].Floor, units[i].Floors[b].Floor
			if fa == 0 || fb == 0 { // unknown floors last
				return fb == 0 && fa != 0
			}
			return fa > fb
		})
	}
	return units
}

// renderGridPerson shows the quick-edit page of a person: phone, residence type,
// groups, moving out.
func (h *webHandlers) renderGridPerson(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, failed string, errs *i18n.Errors) error {
	ctx := r.Context()
	d, err := h.loadPerson(ctx, p, r, id, "grid")
	if err != nil {
		return err
	}
	if !d.Person.Access.Write {
		return auth.ErrNotFound
	}
	d.Failed = failed
	if d.Person.DwellingID != 0 {
		if dw, err := h.s.Places.GetDwelling(ctx, p, d.Person.DwellingID); err == nil {
			d.BuildingID = dw.BuildingID
		}
	}
	v := web.View{Title: d.Person.Name, ActiveNav: "/registry/grid", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "registry/grid_person.html", v)
}

func (h *webHandlers) gridPerson(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderGridPerson(w, r, p, id, "", nil)
}

// inputOf is a person's current details as an edit input, documents kept.
func inputOf(p *Person) PersonInput {
	return PersonInput{Name: p.Name, Sex: p.Sex, BirthDate: p.BirthDate, IDType: p.IDType, Ethnicity: p.Ethnicity, Political: p.Political,
		Education: p.Education, Marital: p.Marital, Employer: p.Employer, HukouAddress: p.HukouAddress, ResidenceType: p.ResidenceType, Remark: p.Remark}
}

// gridPersonSave changes the phone and the residence type, keeping the rest.
func (h *webHandlers) gridPersonSave(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	person, err := h.editable(ctx, p, r)
	if err != nil {
		return err
	}
	in := inputOf(person)
	in.Phone = strings.TrimSpace(r.PostFormValue("phone"))
	if rt := strings.TrimSpace(r.PostFormValue("residence_type")); rt != "" {
		in.ResidenceType = rt
	}
	if err := h.s.UpdatePerson(ctx, p, person.ID, in); err != nil {
		if verrs, ok := validationErrors(err); ok {
			return h.renderGridPerson(w, r, p, person.ID, "quick", verrs)
		}
		return err
	}
	back := personURL(person.ID)
	if person.DwellingID != 0 {
		if dw, err := h.s.Places.GetDwelling(ctx, p, person.DwellingID); err == nil {
			back = "/registry/grid/buildings/" + itoa(dw.BuildingID)
		}
	}
	return h.srv.Redirect(w, r, back, i18n.T("registry.saved_person", "name", person.Name))
}

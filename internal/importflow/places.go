package importflow

import (
	"sort"
	"strconv"
	"unicode"
)

// NewPlace is one building a run creates or adds dwellings to, as an importer
// reports it for the check page.
type NewPlace struct {
	Estate      string // "" for a building outside any estate
	EstateNew   bool   // the estate itself is new
	Building    string
	BuildingNew bool
	Grid        string // the building's grid (or 未划分网格)
	Dwellings   int    // new dwellings in it
}

// NewEstate is an estate with the buildings a run creates or fills in it:
// the check page lists them grouped, each estate folded (<details>) with its
// counts, instead of one paragraph of names.
type NewEstate struct {
	Name      string        `json:"name"`
	New       bool          `json:"new,omitempty"`
	Buildings []NewBuilding `json:"buildings"`
}

// NewBuilding is a building of a NewEstate.
type NewBuilding struct {
	Name      string `json:"name"`
	Grid      string `json:"grid"`
	New       bool   `json:"new,omitempty"`
	Dwellings int    `json:"dwellings"`
}

// NewBuildings counts the estate's new buildings.
func (e NewEstate) NewBuildings() int {
	n := 0
	for _, b := range e.Buildings {
		if b.New {
			n++
		}
	}
	return n
}

// NewDwellings counts the estate's new dwellings.
func (e NewEstate) NewDwellings() int {
	n := 0
	for _, b := range e.Buildings {
		n += b.Dwellings
	}
	return n
}

// GroupPlaces groups an importer's new places by estate, estates and their
// buildings in natural order ("2幢" before "10幢").
func GroupPlaces(places []NewPlace) []NewEstate {
	var out []NewEstate
	at := map[string]int{}
	for _, p := range places {
		i, ok := at[p.Estate]
		if !ok {
			i = len(out)
			at[p.Estate] = i
			out = append(out, NewEstate{Name: p.Estate})
		}
		out[i].New = out[i].New || p.EstateNew
		out[i].Buildings = append(out[i].Buildings, NewBuilding{Name: p.Building, Grid: p.Grid, New: p.BuildingNew, Dwellings: p.Dwellings})
	}
	sort.SliceStable(out, func(i, j int) bool { return naturalLess(out[i].Name, out[j].Name) })
	for _, e := range out {
		sort.SliceStable(e.Buildings, func(i, j int) bool { return naturalLess(e.Buildings[i].Name, e.Buildings[j].Name) })
	}
	return out
}

// naturalLess orders names with their numbers by value: "2幢" < "10幢".
func naturalLess(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	i, j := 0, 0
	for i < len(ra) && j < len(rb) {
		if unicode.IsDigit(ra[i]) && unicode.IsDigit(rb[j]) {
			si := i
			for i < len(ra) && unicode.IsDigit(ra[i]) {
				i++
			}
			sj := j
			for j < len(rb) && unicode.IsDigit(rb[j]) {
				j++
			}
			na, _ := strconv.Atoi(string(ra[si:i]))
			nb, _ := strconv.Atoi(string(rb[sj:j]))
			if na != nb {
				return na < nb
			}
			continue
		}
		if ra[i] != rb[j] {
			return ra[i] < rb[j]
		}
		i++
		j++
	}
	return len(ra)-i < len(rb)-j
}

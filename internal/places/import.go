package places

import (
	"context"
	"strconv"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/importflow"
	"linli/internal/org"
)

// Importer reads a community's building list (楼栋房屋台账): one row per dwelling,
// or per building when the room is blank. Missing estates, buildings, entrances
// and dwellings are created; a new building goes in the grid its row names, or
// the grid chosen for the import (Request.GridID), or the community's only
// grid, or else in none (未划分网格, counted once in the summary); a building
// without a grid whose row names one is put in it; dwellings that exist get their area, floor, usage
// and remark updated when the file says otherwise. The same file twice changes
// nothing.
type Importer struct{ S *Service }

// Kind implements importflow.Importer.
func (Importer) Kind() string { return "places" }

// Title implements importflow.Importer.
func (Importer) Title() string { return i18n.T("places.import") }

// Perm implements importflow.Importer.
func (Importer) Perm() auth.Perm { return PermImport }

// Fields implements importflow.Importer.
func (Importer) Fields() []importexport.Field {
	return []importexport.Field{
		{Key: "estate", Label: "小区", Synonyms: []string{"小区名称", "小区名", "院落", "苑"}},
		{Key: "building", Label: "楼栋", Synonyms: []string{"楼号", "楼栋号", "楼幢", "幢号", "栋号", "楼栋名称"}, Required: true},
		{Key: "entrance", Label: "单元", Synonyms: []string{"单元号"}},
		{Key: "room", Label: "房号", Synonyms: []string{"门牌号", "室号", "房间号", "户室号", "房屋号"}},
		{Key: "grid", Label: "网格", Synonyms: []string{"网格名称", "所属网格", "网格编号"}},
		{Key: "floors", Label: "总层数", Synonyms: []string{"楼层数", "层数"}},
		{Key: "floor", Label: "所在楼层", Synonyms: []string{"楼层"}},
		{Key: "area", Label: "面积", Synonyms: []string{"建筑面积", "房屋面积", "面积（㎡）"}},
		{Key: "usage", Label: "用途", Synonyms: []string{"房屋用途", "房屋类型"}},
		{Key: "remark", Label: "备注", Synonyms: []string{"说明"}},
	}
}

type planBuilding struct {
	id     int64 // 0 = new
	estate string
	name   string
	grid   int64 // 0 = 未划分网格
	floors int
	row    int
	regrid bool // an existing building without a grid that the file puts in one
}

type planDwelling struct {
	id       int64
	building *planBuilding
	entrance string
	room     string
	floor    int
	area     float64
	usage    string
	remark   string
	changed  bool
}

// Run implements importflow.Importer.
func (im Importer) Run(ctx context.Context, p *auth.Principal, req importflow.Request) (*importflow.Result, error) {
	s := im.S
	comm, err := importflow.Community(ctx, s.Org, p, PermImport, req.CommunityID)
	if err != nil {
		return nil, err
	}
	fields := im.Fields()
	res := &importflow.Result{}
	col := func(key string) string { return importflow.ColumnLabel(req.Mapping, fields, key) }

	// What the community has now.
	grids := map[string]int64{}
	gridNames := map[int64]string{}
	units, err := s.Org.Visible(ctx, auth.System("import"))
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		if u.Level == org.Grid && u.CommunityID == req.CommunityID {
			grids[u.Name] = u.ID
			grids[u.Code] = u.ID
			grids[comm.Code+u.Code] = u.ID
			gridNames[u.ID] = u.Name
		}
	}
	// New buildings whose row names no grid go in the grid chosen for the
	// import, or the community's only one, or none.
	defaultGrid := req.GridID
	if defaultGrid != 0 && gridNames[defaultGrid] == "" {
		return nil, i18n.NewError("validation", "places.import_grid_other", "community", comm.Name)
	}
	if defaultGrid == 0 && len(gridNames) == 1 {
		for id := range gridNames {
			defaultGrid = id
		}
	}
	estates := map[string]int64{}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, name FROM estate WHERE community_id = ?`, req.CommunityID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		estates[n] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	buildings := map[[2]string]*planBuilding{}
	rows, err = s.DB.QueryContext(ctx, `SELECT b.id, COALESCE(e.name, ''), b.name, COALESCE(b.grid_id, 0), b.floors FROM building b LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id WHERE b.community_id = ?`, req.CommunityID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		b := &planBuilding{}
		if err := rows.Scan(&b.id, &b.estate, &b.name, &b.grid, &b.floors); err != nil {
			rows.Close()
			return nil, err
		}
		buildings[[2]string{b.estate, b.name}] = b
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	entrances := map[[2]string]int64{} // {building id as text or new name key, entrance} → id
	dwellings := map[[3]string]*planDwelling{}
	rows, err = s.DB.QueryContext(ctx, `SELECT d.id, COALESCE(e.name, ''), b.name, COALESCE(en.name, ''), d.room, d.floor, d.area, d.usage, d.remark, COALESCE(en.id, 0)
		FROM dwelling d JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id
		LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id
		LEFT JOIN entrance en ON en.community_id = d.community_id AND en.id = d.entrance_id
		WHERE d.community_id = ?`, req.CommunityID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		d := &planDwelling{}
		var est, bname string
		var enID int64
		if err := rows.Scan(&d.id, &est, &bname, &d.entrance, &d.room, &d.floor, &d.area, &d.usage, &d.remark, &enID); err != nil {
			rows.Close()
			return nil, err
		}
		d.building = buildings[[2]string{est, bname}]
		dwellings[[3]string{est + "\x00" + bname, d.entrance, d.room}] = d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.DB.QueryContext(ctx, `SELECT en.id, COALESCE(e.name, ''), b.name, en.name FROM entrance en JOIN building b ON b.community_id = en.community_id AND b.id = en.building_id LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id WHERE en.community_id = ?`, req.CommunityID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var est, bname, ename string
		if err := rows.Scan(&id, &est, &bname, &ename); err != nil {
			rows.Close()
			return nil, err
		}
		entrances[[2]string{est + "\x00" + bname, ename}] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	usages := map[string]string{}
	for _, u := range Usages {
		usages[u] = u
		usages[i18n.T("places.usage."+u)] = u
	}

	var newEstates []string
	var newBuildings, regridded []*planBuilding
	var newEntrances [][2]string
	var newDwellings, changedDwellings []*planDwelling
	newEstateSet := map[string]bool{}
	newEntranceSet := map[[2]string]bool{}

	err = req.Source.Rows(req.Mapping, func(r importexport.Row) error {
		res.Rows++
		if req.Progress != nil && res.Rows%1000 == 0 {
			req.Progress(res.Rows)
		}
		bad := false
		problem := func(key, value, reasonKey string, kv ...any) {
			bad = true
			res.AddProblem(importexport.Problem{Row: r.Num, Column: col(key), Value: value, Reason: i18n.T(reasonKey, kv...), Kind: reasonKey})
		}
		v := r.Values
		estate, bname, ename, room := v["estate"], v["building"], v["entrance"], v["room"]
		for key, max := range map[string]int{"estate": 50, "building": 30, "entrance": 20, "room": 20, "remark": 500} {
			if len([]rune(v[key])) > max {
				problem(key, v[key], "err.too_long", "field", fieldLabel(fields, key), "max", max)
			}
		}
		if bname == "" {
			problem("building", "", "places.import_no_building")
		}
		floors, floor, area := 0, 0, 0.0
		if x := v["floors"]; x != "" {
			n, err := strconv.Atoi(x)
			if err != nil || n < 0 || n > 200 {
				problem("floors", x, "err.range", "field", "总层数", "min", 0, "max", 200)
			}
			floors = n
		}
		if x := v["floor"]; x != "" {
			n, err := strconv.Atoi(strings.TrimSuffix(x, "层"))
			if err != nil || n < -10 || n > 200 {
				problem("floor", x, "err.range", "field", "所在楼层", "min", -10, "max", 200)
			}
			floor = n
		}
		if x := v["area"]; x != "" {
			f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSuffix(x, "㎡"), "平方米"), 64)
			if err != nil || f < 0 || f > 100000 {
				problem("area", x, "err.number", "field", "面积")
			}
			area = f
		}
		usage := ""
		if x := v["usage"]; x != "" {
			u, ok := usages[x]
			if !ok {
				problem("usage", x, "places.import_usage")
			}
			usage = u
		}
		var grid int64
		if x := v["grid"]; x != "" {
			g, ok := grids[x]
			if !ok {
				problem("grid", x, "places.import_grid_unknown", "community", comm.Name)
			}
			grid = g
		}
		if bad {
			res.Bad++
			return nil
		}
		bk := [2]string{estate, bname}
		b := buildings[bk]
		if b != nil && grid != 0 && b.grid != 0 && b.grid != grid {
			problem("grid", v["grid"], "places.import_grid_conflict", "building", strings.TrimSpace(estate+" "+bname), "grid", gridNames[b.grid])
		}
		if bad {
			res.Bad++
			return nil
		}
		res.Good++
		if estate != "" {
			if _, ok := estates[estate]; !ok && !newEstateSet[estate] {
				newEstateSet[estate] = true
				newEstates = append(newEstates, estate)
			}
		}
		if b == nil {
			if grid == 0 {
				grid = defaultGrid
			}
			b = &planBuilding{estate: estate, name: bname, grid: grid, floors: floors, row: r.Num}
			buildings[bk] = b
			newBuildings = append(newBuildings, b)
		} else if floors > b.floors && b.id == 0 {
			b.floors = floors
		}
		if b.grid == 0 && grid != 0 {
			// A building without a grid, which this row names.
			b.grid = grid
			if b.id != 0 && !b.regrid {
				b.regrid = true
				regridded = append(regridded, b)
			}
		}
		bkey := estate + "\x00" + bname
		if ename != "" {
			ek := [2]string{bkey, ename}
			if _, ok := entrances[ek]; !ok && !newEntranceSet[ek] {
				newEntranceSet[ek] = true
				newEntrances = append(newEntrances, ek)
			}
		}
		if room == "" {
			return nil
		}
		dk := [3]string{bkey, ename, room}
		d := dwellings[dk]
		if d == nil {
			if floor == 0 {
				floor = FloorOf(room)
			}
			if usage == "" {
				usage = "residential"
			}
			d = &planDwelling{building: b, entrance: ename, room: room, floor: floor, area: area, usage: usage, remark: v["remark"]}
			dwellings[dk] = d
			newDwellings = append(newDwellings, d)
			return nil
		}
		// An existing dwelling takes what the file says, where it says something.
		changed := false
		if floor != 0 && floor != d.floor {
			d.floor, changed = floor, true
		}
		if area != 0 && area != d.area {
			d.area, changed = area, true
		}
		if usage != "" && usage != d.usage {
			d.usage, changed = usage, true
		}
		if v["remark"] != "" && v["remark"] != d.remark {
			d.remark, changed = v["remark"], true
		}
		if changed && d.id != 0 && !d.changed {
			d.changed = true
			changedDwellings = append(changedDwellings, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Summary = []importflow.Line{
		{Label: i18n.T("places.import_new_estates"), Count: len(newEstates)},
		{Label: i18n.T("places.import_new_buildings"), Count: len(newBuildings)},
		{Label: i18n.T("places.import_new_entrances"), Count: len(newEntrances)},
		{Label: i18n.T("places.import_new_dwellings"), Count: len(newDwellings)},
		{Label: i18n.T("places.import_changed_dwellings"), Count: len(changedDwellings)},
	}
	ungridded := 0
	for _, b := range newBuildings {
		if b.grid == 0 {
			ungridded++
		}
	}
	res.Summary = append(res.Summary, GridLines(ungridded, len(regridded))...)
	for _, e := range newEstates {
		res.NewPlaces = append(res.NewPlaces, i18n.T("places.estate")+" "+e)
	}
	for _, b := range newBuildings {
		res.NewPlaces = append(res.NewPlaces, strings.TrimSpace(b.estate+" "+b.name)+"（"+GridLabel(gridNames[b.grid])+"）")
	}
	// Grouped by estate and building for the check page.
	inBuilding := map[*planBuilding]int{}
	var filled []*planBuilding
	for _, d := range newDwellings {
		if inBuilding[d.building] == 0 {
			filled = append(filled, d.building)
		}
		inBuilding[d.building]++
	}
	for _, b := range newBuildings {
		if inBuilding[b] == 0 {
			filled = append(filled, b)
		}
	}
	tree := make([]importflow.NewPlace, 0, len(filled))
	for _, b := range filled {
		tree = append(tree, importflow.NewPlace{Estate: b.estate, EstateNew: newEstateSet[b.estate], Building: b.name, BuildingNew: b.id == 0,
			Grid: GridLabel(gridNames[b.grid]), Dwellings: inBuilding[b]})
	}
	res.PlaceTree = importflow.GroupPlaces(tree)
	if !req.Commit || res.Bad > 0 || res.Rows == 0 {
		return res, nil
	}

	err = s.estateTx(ctx, func(tx *db.Tx) error {
		for _, name := range newEstates {
			id, err := insertEstate(ctx, tx, EstateInput{CommunityID: req.CommunityID, Name: name})
			if err != nil {
				return err
			}
			estates[name] = id
		}
		for _, b := range newBuildings {
			id, err := insertBuilding(ctx, tx, BuildingInput{CommunityID: req.CommunityID, GridID: b.grid, EstateID: estates[b.estate], Name: b.name, Floors: b.floors})
			if err != nil {
				return err
			}
			b.id = id
		}
		for _, b := range regridded {
			if err := s.setBuildingGrid(ctx, tx, req.CommunityID, b.id, b.grid); err != nil {
				return err
			}
		}
		for _, ek := range newEntrances {
			est, bname, _ := strings.Cut(ek[0], "\x00")
			b := buildings[[2]string{est, bname}]
			id, err := insertEntrance(ctx, tx, req.CommunityID, b.id, ek[1])
			if err != nil {
				return err
			}
			entrances[ek] = id
		}
		for _, d := range newDwellings {
			bl := &Building{ID: d.building.id, CommunityID: req.CommunityID, GridID: d.building.grid}
			var en int64
			if d.entrance != "" {
				en = entrances[[2]string{d.building.estate + "\x00" + d.building.name, d.entrance}]
			}
			if _, err := insertDwelling(ctx, tx, bl, DwellingInput{BuildingID: bl.ID, EntranceID: en, Room: d.room, Floor: d.floor, Area: d.area, Usage: d.usage, Remark: d.remark}); err != nil {
				return err
			}
		}
		for _, d := range changedDwellings {
			if _, err := tx.ExecContext(ctx, `UPDATE dwelling SET floor = ?, area = ?, usage = ?, remark = ?, updated_at = ? WHERE community_id = ? AND id = ?`, d.floor, d.area, d.usage, d.remark, db.Now(), req.CommunityID, d.id); err != nil {
				return err
			}
		}
		detail := map[string]any{"rows": res.Rows}
		for _, l := range res.Summary {
			detail[l.Label] = l.Count
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "places.import", "org_unit", req.CommunityID, req.CommunityID, audit.Success).WithDetail(detail))
	})
	if err != nil {
		return nil, err
	}
	res.Committed = true
	return res, nil
}

func fieldLabel(fields []importexport.Field, key string) string {
	for _, f := range fields {
		if f.Key == key {
			return f.Label
		}
	}
	return key
}

// Package places keeps the physical places of a community: 小区 (estate), 楼栋
// (building), 单元 (entrance) and 房屋 (dwelling). A building lies in one grid,
// or in none yet (未划分网格: a ledger without grids created it; the
// community's staff see it, grid workers do not, until AssignGrid puts it in
// one); entrances and dwellings follow their building's grid.
package places

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/org"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the places module's schema (after org's).
var Migrations = db.NewMigrations("places", migrationFS).
	Reference("place_revision").
	ByCommunity("estate", "building", "entrance", "dwelling")

// Permissions.
var (
	PermRead   = auth.Define("places.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker, auth.RoleVolunteer)
	PermWrite  = auth.Define("places.write", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleGridWorker)
	PermImport = auth.Define("places.import", auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
)

// Usages of a dwelling.
var Usages = []string{"residential", "shop", "office", "other"}

var _ = i18n.Family("places.usage.", Usages...)

// Service is the places store.
type Service struct {
	DB    *db.DB
	Audit *audit.Log
	Org   *org.Service
	// BuildingGridChanged lets modules whose rows copy a building's grid (the
	// registry) follow a move, inside the same transaction.
	BuildingGridChanged []func(ctx context.Context, tx *db.Tx, buildingID, newGrid int64) error
	// DwellingUsers let modules whose rows refer to dwellings (the registry's
	// residents, households and rentals) refuse a dwelling's deletion, inside
	// the deleting transaction, with an error saying what still refers to it;
	// a foreign key stays as the last guard (inUse).
	DwellingUsers []func(ctx context.Context, tx *db.Tx, communityID, dwellingID int64) error

	addresses addressCache
	choices   estateChoices
}

// Estate is a 小区.
type Estate struct {
	ID          int64
	CommunityID int64
	Name        string
	Address     string
	Remark      string
	Buildings   int
	// Access is what the viewer may do with it (filled by GetEstate): estates
	// are read wider than written (see estateScope), so Write needs the whole
	// community.
	Access auth.Access
}

// Building is a 楼栋.
type Building struct {
	ID          int64
	CommunityID int64
	GridID      int64 // 0: 未划分网格
	EstateID    int64
	Name        string
	Floors      int
	Address     string
	Remark      string
	EstateName  string
	GridName    string // "" when the building has no grid
	Dwellings   int
	Access      auth.Access // what the viewer may do with it (filled by GetBuilding)
}

// Label is how people name the building: "翠苑一区 3幢".
func (b *Building) Label() string {
	if b.EstateName == "" {
		return b.Name
	}
	return b.EstateName + " " + b.Name
}

// Entrance is a 单元.
type Entrance struct {
	ID          int64
	CommunityID int64
	BuildingID  int64
	Name        string
}

// Dwelling is a 房屋.
type Dwelling struct {
	ID           int64
	CommunityID  int64
	GridID       int64
	BuildingID   int64
	EntranceID   int64
	Room         string
	Floor        int
	Area         float64
	Usage        string
	Remark       string
	EstateName   string
	BuildingName string
	EntranceName string
	Access       auth.Access // what the viewer may do with it (filled by GetDwelling)
}

// Address is the dwelling's address inside its community: "翠苑一区 3幢 2单元 301".
func (d *Dwelling) Address() string {
	return JoinAddress(d.EstateName, d.BuildingName, d.EntranceName, d.Room)
}

// JoinAddress writes an address from its parts (estate, building, entrance,
// room), leaving out the empty ones.
func JoinAddress(parts ...string) string {
	var out []string
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

var digitRun = regexp.MustCompile(`\d+`)

// SortKey pads digit runs so that names sort naturally: "2号楼" < "10号楼".
func SortKey(name string) string {
	return digitRun.ReplaceAllStringFunc(name, func(d string) string {
		d = strings.TrimLeft(d, "0")
		if len(d) >= 8 {
			return d
		}
		return strings.Repeat("0", 8-len(d)) + d
	})
}

// FloorOf guesses the floor from a room number: 301 → 3, 1203 → 12, B101 → 0.
func FloorOf(room string) int {
	if len(room) < 3 {
		return 0
	}
	for _, c := range room {
		if c < '0' || c > '9' {
			return 0
		}
	}
	n, _ := strconv.Atoi(room[:len(room)-2])
	return n
}

// ---- scope ----

// access is what p may do with a place of community and grid (0 for none: a
// building without a grid, an estate, which only the community's staff
// change).
func access(p *auth.Principal, community, grid int64) auth.Access {
	return p.AccessTo(PermWrite, "", community, grid)
}

// estateScope restricts estates: wholly reached communities, plus estates that
// hold a building in one of the user's grids. It returns the condition and its
// arguments, as auth.Scope.SQL does.
func estateScope(d db.Dialect, s auth.Scope, alias string) (string, []any) {
	if s.All {
		return "1=1", nil
	}
	full, fullArgs := s.SQL(d, alias+".community_id", "")
	if len(s.Grids) == 0 {
		return full, fullArgs
	}
	// The grid half of the scope (its communities' half is full above).
	grids, gridArgs := auth.Scope{Grids: s.Grids, GridCommunities: s.GridCommunities}.SQL(d, "b.community_id", "b.grid_id")
	byGrid := "(" + alias + ".community_id, " + alias + ".id) IN (SELECT b.community_id, b.estate_id FROM building b WHERE " + grids + ")"
	if len(s.GridCommunities) > 0 {
		// The estate lies in its grids' communities: said outside the
		// subquery too, so that Citus sends a grid worker's statement to the
		// one node of their community.
		cc, ca := d.IDSet(alias+".community_id", s.GridCommunities)
		byGrid = "(" + cc + " AND " + byGrid + ")"
		gridArgs = append(ca, gridArgs...)
	}
	if len(s.Communities) == 0 {
		return byGrid, gridArgs
	}
	return "(" + full + " OR " + byGrid + ")", append(fullArgs, gridArgs...)
}

// ---- estates ----

// ListEstates returns the estates the user reaches, in community or all.
func (s *Service) ListEstates(ctx context.Context, p *auth.Principal, communityID int64) ([]*Estate, error) {
	return s.listEstates(ctx, p, communityID, true)
}

func (s *Service) listEstates(ctx context.Context, p *auth.Principal, communityID int64, countBuildings bool) ([]*Estate, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := estateScope(s.DB.Dialect(), p.Scope, "e")
	q := `SELECT e.id, e.community_id, e.name, e.address, e.remark
		FROM estate e WHERE ` + sc
	if communityID != 0 {
		q += ` AND e.community_id = ?`
		args = append(args, communityID)
	}
	rows, err := s.DB.QueryContext(ctx, q+` ORDER BY e.community_id, e.sort_key`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Estate
	for rows.Next() {
		e := &Estate{}
		if err := rows.Scan(&e.ID, &e.CommunityID, &e.Name, &e.Address, &e.Remark); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if countBuildings {
		return out, s.countBuildings(ctx, out)
	}
	return out, nil
}

// countBuildings fills the estates' Buildings (see db.FillChildCounts).
func (s *Service) countBuildings(ctx context.Context, estates []*Estate) error {
	return db.FillChildCounts(ctx, s.DB, "building", "estate_id", estates,
		func(e *Estate) (int64, int64) { return e.CommunityID, e.ID }, func(e *Estate, n int) { e.Buildings = n })
}

// GetEstate returns an estate in scope.
func (s *Service) GetEstate(ctx context.Context, p *auth.Principal, id int64) (*Estate, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	e := &Estate{}
	sc, args := estateScope(s.DB.Dialect(), p.Scope, "e")
	err := s.DB.QueryRowContext(ctx, `SELECT e.id, e.community_id, e.name, e.address, e.remark
		FROM estate e WHERE e.id = ? AND `+sc, append([]any{id}, args...)...).Scan(&e.ID, &e.CommunityID, &e.Name, &e.Address, &e.Remark)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	e.Access = access(p, e.CommunityID, 0)
	return e, s.countBuildings(ctx, []*Estate{e})
}

// EstateInput is what creating or editing an estate takes.
type EstateInput struct {
	CommunityID int64
	Name        string
	Address     string
	Remark      string
}

func (in *EstateInput) validate() *i18n.Errors {
	in.Name, in.Address, in.Remark = strings.TrimSpace(in.Name), strings.TrimSpace(in.Address), strings.TrimSpace(in.Remark)
	errs := &i18n.Errors{}
	if errs.Required("name", i18n.T("places.estate_name"), in.Name) {
		errs.MaxLen("name", i18n.T("places.estate_name"), in.Name, 50)
	}
	errs.MaxLen("address", i18n.T("places.address"), in.Address, 200)
	errs.MaxLen("remark", i18n.T("common.remark"), in.Remark, 500)
	return errs
}

// CreateEstate adds an estate to a community the user wholly reaches.
func (s *Service) CreateEstate(ctx context.Context, p *auth.Principal, in EstateInput) (int64, error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	if err := s.requireCommunity(ctx, p, in.CommunityID); err != nil {
		return 0, err
	}
	if errs := in.validate(); errs.Any() {
		return 0, errs
	}
	var id int64
	err := s.estateTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = insertEstate(ctx, tx, in)
		if err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "estate.create", "estate", id, in.CommunityID, audit.Success).WithDetail(map[string]string{"name": in.Name}))
	})
	return id, err
}

func insertEstate(ctx context.Context, tx *db.Tx, in EstateInput) (int64, error) {
	var id int64
	now := db.Now()
	err := tx.QueryRowContext(ctx, `INSERT INTO estate (community_id, name, address, sort_key, remark, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.CommunityID, in.Name, in.Address, SortKey(in.Name), in.Remark, now, now).Scan(&id)
	if db.IsUniqueViolation(err) {
		e := &i18n.Errors{}
		e.Add("name", "err.conflict", "field", i18n.T("places.estate_name"), "value", in.Name)
		return 0, e
	}
	return id, err
}

// UpdateEstate renames an estate or changes its address.
func (s *Service) UpdateEstate(ctx context.Context, p *auth.Principal, id int64, in EstateInput) error {
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	e, err := s.GetEstate(ctx, p, id)
	if err != nil {
		return err
	}
	if !p.Scope.AllowsCommunity(e.CommunityID) {
		return auth.ErrForbidden
	}
	in.CommunityID = e.CommunityID
	if errs := in.validate(); errs.Any() {
		return errs
	}
	return s.estateTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE estate SET name = ?, address = ?, sort_key = ?, remark = ?, updated_at = ? WHERE community_id = ? AND id = ?`,
			in.Name, in.Address, SortKey(in.Name), in.Remark, db.Now(), e.CommunityID, id)
		if db.IsUniqueViolation(err) {
			e := &i18n.Errors{}
			e.Add("name", "err.conflict", "field", i18n.T("places.estate_name"), "value", in.Name)
			return e
		}
		if err != nil {
			return err
		}
		if err := placesChanged(ctx, tx); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "estate.update", "estate", id, e.CommunityID, audit.Success).
			WithDetail(map[string]string{"before": e.Name, "after": in.Name}))
	})
}

// DeleteEstate removes an estate that has no buildings.
func (s *Service) DeleteEstate(ctx context.Context, p *auth.Principal, id int64) error {
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	e, err := s.GetEstate(ctx, p, id)
	if err != nil {
		return err
	}
	if !p.Scope.AllowsCommunity(e.CommunityID) {
		return auth.ErrForbidden
	}
	if e.Buildings > 0 {
		return i18n.NewError("conflict", "err.in_use", "what", i18n.T("places.has_buildings", "n", e.Buildings))
	}
	return s.estateTx(ctx, func(tx *db.Tx) error {
		if err := refuseIfUsed(ctx, tx, "places.has_buildings", `SELECT COUNT(*) FROM building WHERE community_id = ? AND estate_id = ?`, e.CommunityID, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM estate WHERE community_id = ? AND id = ?`, e.CommunityID, id); err != nil {
			return inUse(err)
		}
		if err := placesChanged(ctx, tx); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "estate.delete", "estate", id, e.CommunityID, audit.Success).WithDetail(map[string]string{"name": e.Name}))
	})
}

// inUse is the last guard of a deletion: a foreign key of a row that still
// refers to the place (the checks before it, refuseIfUsed and DwellingUsers,
// say what refers to it).
func inUse(err error) error {
	if db.IsForeignKeyViolation(err) {
		return i18n.NewError("conflict", "err.in_use", "what", i18n.T("places.referenced"))
	}
	return err
}

// refuseIfUsed counts, inside the deleting transaction, the rows that refer to
// a place (q, one COUNT(*) filtered by community and place) and refuses the
// deletion when there are any, naming them with the message key what (which
// takes the count n). The foreign key stays as the last guard (inUse).
func refuseIfUsed(ctx context.Context, tx *db.Tx, what, q string, args ...any) error {
	var n int
	if err := tx.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return i18n.NewError("conflict", "err.in_use", "what", i18n.T(what, "n", n))
	}
	return nil
}

// requireCommunity checks that id is a community the user wholly reaches.
func (s *Service) requireCommunity(ctx context.Context, p *auth.Principal, id int64) error {
	u, ok := s.Org.Lookup(ctx, id)
	if !ok || u.Level != org.Community {
		e := &i18n.Errors{}
		e.Add("community_id", "err.choice", "field", i18n.T("org.level.community"))
		return e
	}
	if !p.Scope.AllowsCommunity(id) {
		return auth.ErrForbidden
	}
	return nil
}

// ---- buildings ----

// BuildingFilter selects buildings.
type BuildingFilter struct {
	CommunityID int64
	EstateID    int64
	GridID      int64
	NoGrid      bool   // only buildings without a grid (未划分网格)
	Q           string // name or estate name fragment
	Limit       int
	Offset      int
}

// buildingSelect reads buildings without their dwelling counts (countDwellings).
const buildingSelect = `SELECT b.id, b.community_id, COALESCE(b.grid_id, 0), COALESCE(b.estate_id, 0), b.name, b.floors, b.address, b.remark, COALESCE(e.name, ''), COALESCE(g.name, '')
	FROM building b LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id LEFT JOIN org_unit g ON g.id = b.grid_id`

func scanBuilding(sc interface{ Scan(...any) error }) (*Building, error) {
	b := &Building{}
	err := sc.Scan(&b.ID, &b.CommunityID, &b.GridID, &b.EstateID, &b.Name, &b.Floors, &b.Address, &b.Remark, &b.EstateName, &b.GridName)
	return b, err
}

// countDwellings fills the buildings' Dwellings (see db.FillChildCounts).
func (s *Service) countDwellings(ctx context.Context, buildings []*Building) error {
	return db.FillChildCounts(ctx, s.DB, "dwelling", "building_id", buildings,
		func(b *Building) (int64, int64) { return b.CommunityID, b.ID }, func(b *Building, n int) { b.Dwellings = n })
}

// ListBuildings returns buildings in scope and the total matching.
func (s *Service) ListBuildings(ctx context.Context, p *auth.Principal, f BuildingFilter) ([]*Building, int, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, 0, err
	}
	sc, args := p.Scope.SQL(s.DB.Dialect(), "b.community_id", "b.grid_id")
	where := []string{sc}
	if f.CommunityID != 0 {
		where = append(where, "b.community_id = ?")
		args = append(args, f.CommunityID)
	}
	if f.EstateID != 0 {
		where = append(where, "b.estate_id = ?")
		args = append(args, f.EstateID)
	}
	if f.GridID != 0 {
		where = append(where, "b.grid_id = ?")
		args = append(args, f.GridID)
	}
	if f.NoGrid {
		where = append(where, "b.grid_id IS NULL")
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		where = append(where, `(b.name LIKE ? ESCAPE '\' OR e.name LIKE ? ESCAPE '\' OR b.address LIKE ? ESCAPE '\')`)
		args = append(args, db.Contains(q), db.Contains(q), db.Contains(q))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM building b LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	rows, err := s.DB.QueryContext(ctx, buildingSelect+` WHERE `+cond+` ORDER BY b.community_id, COALESCE(e.sort_key, ''), b.sort_key LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Building
	for rows.Next() {
		b, err := scanBuilding(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return out, total, s.countDwellings(ctx, out)
}

// GetBuilding returns a building in scope.
func (s *Service) GetBuilding(ctx context.Context, p *auth.Principal, id int64) (*Building, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := p.Scope.SQL(s.DB.Dialect(), "b.community_id", "b.grid_id")
	b, err := scanBuilding(s.DB.QueryRowContext(ctx, buildingSelect+` WHERE b.id = ? AND `+sc, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	b.Access = access(p, b.CommunityID, b.GridID)
	return b, s.countDwellings(ctx, []*Building{b})
}

// BuildingInput is what creating or editing a building takes.
type BuildingInput struct {
	CommunityID int64
	GridID      int64
	EstateID    int64
	Name        string
	Floors      int
	Address     string
	Remark      string
}

func (s *Service) validateBuilding(ctx context.Context, q db.Queryer, in *BuildingInput) *i18n.Errors {
	in.Name, in.Address, in.Remark = strings.TrimSpace(in.Name), strings.TrimSpace(in.Address), strings.TrimSpace(in.Remark)
	errs := &i18n.Errors{}
	if errs.Required("name", i18n.T("places.building_name"), in.Name) {
		errs.MaxLen("name", i18n.T("places.building_name"), in.Name, 30)
	}
	errs.MaxLen("address", i18n.T("places.address"), in.Address, 200)
	errs.MaxLen("remark", i18n.T("common.remark"), in.Remark, 500)
	if in.Floors < 0 || in.Floors > 200 {
		errs.Add("floors", "err.range", "field", i18n.T("places.floors"), "min", 0, "max", 200)
	}
	// No grid (0) is 未划分网格; only the community's staff may leave it so
	// (Scope.Allows refuses a grid worker a building without a grid).
	if g, ok := s.Org.Lookup(ctx, in.GridID); in.GridID != 0 && (!ok || g.Level != org.Grid || g.CommunityID != in.CommunityID) {
		errs.Add("grid_id", "places.grid_not_in_community")
	}
	if in.EstateID != 0 {
		var n int
		err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM estate WHERE community_id = ? AND id = ?`, in.CommunityID, in.EstateID).Scan(&n)
		if err != nil || n == 0 {
			errs.Add("estate_id", "places.estate_not_in_community")
		}
	}
	return errs
}

// CreateBuilding adds a building in a grid the user reaches.
func (s *Service) CreateBuilding(ctx context.Context, p *auth.Principal, in BuildingInput) (int64, error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	if g, ok := s.Org.Lookup(ctx, in.GridID); ok && in.CommunityID == 0 {
		in.CommunityID = g.CommunityID
	}
	if errs := s.validateBuilding(ctx, s.DB.Reader(), &in); errs.Any() || in.CommunityID == 0 {
		if in.CommunityID == 0 && in.GridID == 0 {
			errs.Add("grid_id", "err.required", "field", i18n.T("org.level.grid"))
		}
		return 0, errs
	}
	if !p.Scope.Allows(in.CommunityID, in.GridID) {
		return 0, auth.ErrForbidden
	}
	var id int64
	err := s.estateTx(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = insertBuilding(ctx, tx, in); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "building.create", "building", id, in.CommunityID, audit.Success).
			WithDetail(map[string]any{"name": in.Name, "grid_id": in.GridID, "estate_id": in.EstateID}))
	})
	return id, err
}

func insertBuilding(ctx context.Context, tx *db.Tx, in BuildingInput) (int64, error) {
	var id int64
	now := db.Now()
	var estate any
	if in.EstateID != 0 {
		estate = in.EstateID
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO building (community_id, grid_id, estate_id, estate_key, name, sort_key, floors, address, remark, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.CommunityID, nullID(in.GridID), estate, in.EstateID, in.Name, SortKey(in.Name), in.Floors, in.Address, in.Remark, now, now).Scan(&id)
	if db.IsUniqueViolation(err) {
		e := &i18n.Errors{}
		e.Add("name", "places.building_exists", "name", in.Name)
		return 0, e
	}
	return id, err
}

// UpdateBuilding edits a building; moving it to another grid moves its dwellings.
func (s *Service) UpdateBuilding(ctx context.Context, p *auth.Principal, id int64, in BuildingInput) error {
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	b, err := s.GetBuilding(ctx, p, id)
	if err != nil {
		return err
	}
	in.CommunityID = b.CommunityID
	if errs := s.validateBuilding(ctx, s.DB.Reader(), &in); errs.Any() || (in.GridID == 0 && !p.Scope.AllowsCommunity(b.CommunityID)) {
		if !errs.Any() { // only the community's staff may leave a building without a grid
			errs.Add("grid_id", "places.choose_grid")
		}
		return errs
	}
	// b was read in scope (GetBuilding); the grid it moves to must be too.
	if !p.Scope.Allows(in.CommunityID, in.GridID) {
		return auth.ErrForbidden
	}
	return s.estateTx(ctx, func(tx *db.Tx) error {
		var estate any
		if in.EstateID != 0 {
			estate = in.EstateID
		}
		_, err := tx.ExecContext(ctx, `UPDATE building SET grid_id = ?, estate_id = ?, estate_key = ?, name = ?, sort_key = ?, floors = ?, address = ?, remark = ?, updated_at = ? WHERE community_id = ? AND id = ?`,
			nullID(in.GridID), estate, in.EstateID, in.Name, SortKey(in.Name), in.Floors, in.Address, in.Remark, db.Now(), b.CommunityID, id)
		if db.IsUniqueViolation(err) {
			e := &i18n.Errors{}
			e.Add("name", "places.building_exists", "name", in.Name)
			return e
		}
		if err != nil {
			return err
		}
		if in.GridID != b.GridID {
			if err := s.moveDwellings(ctx, tx, b.CommunityID, id, in.GridID); err != nil {
				return err
			}
		}
		if err := placesChanged(ctx, tx); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "building.update", "building", id, b.CommunityID, audit.Success).
			WithDetail(map[string]any{"before": map[string]any{"name": b.Name, "grid_id": b.GridID, "estate_id": b.EstateID}, "after": map[string]any{"name": in.Name, "grid_id": in.GridID, "estate_id": in.EstateID}}))
	})
}

// DeleteBuilding removes a building that has no dwellings, with its entrances.
func (s *Service) DeleteBuilding(ctx context.Context, p *auth.Principal, id int64) error {
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	b, err := s.GetBuilding(ctx, p, id)
	if err != nil {
		return err
	}
	if b.Dwellings > 0 {
		return i18n.NewError("conflict", "err.in_use", "what", i18n.T("places.has_dwellings", "n", b.Dwellings))
	}
	return s.estateTx(ctx, func(tx *db.Tx) error {
		if err := refuseIfUsed(ctx, tx, "places.has_dwellings", `SELECT COUNT(*) FROM dwelling WHERE community_id = ? AND building_id = ?`, b.CommunityID, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM entrance WHERE community_id = ? AND building_id = ?`, b.CommunityID, id); err != nil {
			return inUse(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM building WHERE community_id = ? AND id = ?`, b.CommunityID, id); err != nil {
			return inUse(err)
		}
		if err := placesChanged(ctx, tx); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "building.delete", "building", id, b.CommunityID, audit.Success).WithDetail(map[string]string{"name": b.Label()}))
	})
}

// ---- entrances ----

// Entrances lists a building's entrances (the building must be in scope).
func (s *Service) Entrances(ctx context.Context, p *auth.Principal, buildingID int64) ([]*Entrance, error) {
	b, err := s.GetBuilding(ctx, p, buildingID)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, community_id, building_id, name FROM entrance WHERE community_id = ? AND building_id = ? ORDER BY sort_key`, b.CommunityID, buildingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Entrance
	for rows.Next() {
		e := &Entrance{}
		if err := rows.Scan(&e.ID, &e.CommunityID, &e.BuildingID, &e.Name); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CreateEntrance adds an entrance to a building.
func (s *Service) CreateEntrance(ctx context.Context, p *auth.Principal, buildingID int64, name string) (int64, error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	b, err := s.GetBuilding(ctx, p, buildingID)
	if err != nil {
		return 0, err
	}
	name = strings.TrimSpace(name)
	errs := &i18n.Errors{}
	if errs.Required("entrance_name", i18n.T("places.entrance_name"), name) {
		errs.MaxLen("entrance_name", i18n.T("places.entrance_name"), name, 20)
	}
	if errs.Any() {
		return 0, errs
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = insertEntrance(ctx, tx, b.CommunityID, buildingID, name); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "entrance.create", "entrance", id, b.CommunityID, audit.Success).WithDetail(map[string]any{"building_id": buildingID, "name": name}))
	})
	return id, err
}

func insertEntrance(ctx context.Context, tx *db.Tx, communityID, buildingID int64, name string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO entrance (community_id, building_id, name, sort_key, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		communityID, buildingID, name, SortKey(name), db.Now()).Scan(&id)
	if db.IsUniqueViolation(err) {
		e := &i18n.Errors{}
		e.Add("entrance_name", "err.conflict", "field", i18n.T("places.entrance_name"), "value", name)
		return 0, e
	}
	return id, err
}

// DeleteEntrance removes an entrance without dwellings.
func (s *Service) DeleteEntrance(ctx context.Context, p *auth.Principal, id int64) (buildingID int64, err error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	var comm int64
	sc, args := p.Scope.SQL(s.DB.Dialect(), "b.community_id", "b.grid_id")
	// Its dwellings are counted in the transaction (refuseIfUsed).
	err = s.DB.QueryRowContext(ctx, `SELECT en.building_id, en.community_id
		FROM entrance en JOIN building b ON b.community_id = en.community_id AND b.id = en.building_id WHERE en.id = ? AND `+sc, append([]any{id}, args...)...).Scan(&buildingID, &comm)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, auth.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	return buildingID, s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := refuseIfUsed(ctx, tx, "places.has_dwellings", `SELECT COUNT(*) FROM dwelling WHERE community_id = ? AND entrance_id = ?`, comm, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM entrance WHERE community_id = ? AND id = ?`, comm, id); err != nil {
			return inUse(err)
		}
		if err := placesChanged(ctx, tx); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "entrance.delete", "entrance", id, comm, audit.Success))
	})
}

// ---- dwellings ----

const dwellingSelect = `SELECT d.id, d.community_id, COALESCE(d.grid_id, 0), d.building_id, COALESCE(d.entrance_id, 0), d.room, d.floor, d.area, d.usage, d.remark,
	COALESCE(e.name, ''), b.name, COALESCE(en.name, '')
	FROM dwelling d JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id
	LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id
	LEFT JOIN entrance en ON en.community_id = d.community_id AND en.id = d.entrance_id`

func scanDwelling(sc interface{ Scan(...any) error }) (*Dwelling, error) {
	d := &Dwelling{}
	err := sc.Scan(&d.ID, &d.CommunityID, &d.GridID, &d.BuildingID, &d.EntranceID, &d.Room, &d.Floor, &d.Area, &d.Usage, &d.Remark, &d.EstateName, &d.BuildingName, &d.EntranceName)
	return d, err
}

// Dwellings lists a building's dwellings in natural order.
func (s *Service) Dwellings(ctx context.Context, p *auth.Principal, buildingID int64) ([]*Dwelling, error) {
	b, err := s.GetBuilding(ctx, p, buildingID)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, dwellingSelect+` WHERE d.community_id = ? AND d.building_id = ? ORDER BY COALESCE(en.sort_key, ''), d.sort_key`, b.CommunityID, buildingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Dwelling
	for rows.Next() {
		d, err := scanDwelling(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// GetDwelling returns a dwelling in scope.
func (s *Service) GetDwelling(ctx context.Context, p *auth.Principal, id int64) (*Dwelling, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := p.Scope.SQL(s.DB.Dialect(), "d.community_id", "d.grid_id")
	d, err := scanDwelling(s.DB.QueryRowContext(ctx, dwellingSelect+` WHERE d.id = ? AND `+sc, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	d.Access = access(p, d.CommunityID, d.GridID)
	return d, err
}

// DwellingInput is what creating or editing a dwelling takes.
type DwellingInput struct {
	BuildingID int64
	EntranceID int64
	Room       string
	Floor      int
	Area       float64
	Usage      string
	Remark     string
}

func (s *Service) validateDwelling(ctx context.Context, communityID int64, in *DwellingInput) *i18n.Errors {
	in.Room, in.Remark = strings.TrimSpace(in.Room), strings.TrimSpace(in.Remark)
	errs := &i18n.Errors{}
	if errs.Required("room", i18n.T("places.room"), in.Room) {
		errs.MaxLen("room", i18n.T("places.room"), in.Room, 20)
	}
	errs.MaxLen("remark", i18n.T("common.remark"), in.Remark, 500)
	if in.Floor == 0 {
		in.Floor = FloorOf(in.Room)
	}
	if in.Floor < -10 || in.Floor > 200 {
		errs.Add("floor", "err.range", "field", i18n.T("places.floor"), "min", -10, "max", 200)
	}
	if in.Area < 0 || in.Area > 100000 {
		errs.Add("area", "err.range", "field", i18n.T("places.area"), "min", 0, "max", 100000)
	}
	if in.Usage == "" {
		in.Usage = "residential"
	}
	valid := false
	for _, u := range Usages {
		valid = valid || u == in.Usage
	}
	if !valid {
		errs.Add("usage", "err.choice", "field", i18n.T("places.usage"))
	}
	if in.EntranceID != 0 {
		var b int64
		if err := s.DB.QueryRowContext(ctx, `SELECT building_id FROM entrance WHERE community_id = ? AND id = ?`, communityID, in.EntranceID).Scan(&b); err != nil || b != in.BuildingID {
			errs.Add("entrance_id", "places.entrance_not_in_building")
		}
	}
	return errs
}

// CreateDwelling adds a dwelling to a building.
func (s *Service) CreateDwelling(ctx context.Context, p *auth.Principal, in DwellingInput) (int64, error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	b, err := s.GetBuilding(ctx, p, in.BuildingID)
	if err != nil {
		return 0, err
	}
	if errs := s.validateDwelling(ctx, b.CommunityID, &in); errs.Any() {
		return 0, errs
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = insertDwelling(ctx, tx, b, in); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "dwelling.create", "dwelling", id, b.CommunityID, audit.Success).
			WithDetail(map[string]any{"building_id": b.ID, "room": in.Room}))
	})
	return id, err
}

func insertDwelling(ctx context.Context, tx *db.Tx, b *Building, in DwellingInput) (int64, error) {
	var id int64
	now := db.Now()
	var entrance any
	if in.EntranceID != 0 {
		entrance = in.EntranceID
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO dwelling (community_id, grid_id, building_id, entrance_id, entrance_key, room, sort_key, floor, area, usage, remark, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		b.CommunityID, nullID(b.GridID), b.ID, entrance, in.EntranceID, in.Room, SortKey(in.Room), in.Floor, in.Area, in.Usage, in.Remark, now, now).Scan(&id)
	if db.IsUniqueViolation(err) {
		e := &i18n.Errors{}
		e.Add("room", "places.room_exists", "room", in.Room)
		return 0, e
	}
	return id, err
}

// UpdateDwelling edits a dwelling (it stays in its building).
func (s *Service) UpdateDwelling(ctx context.Context, p *auth.Principal, id int64, in DwellingInput) error {
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	d, err := s.GetDwelling(ctx, p, id)
	if err != nil {
		return err
	}
	in.BuildingID = d.BuildingID
	if errs := s.validateDwelling(ctx, d.CommunityID, &in); errs.Any() {
		return errs
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var entrance any
		if in.EntranceID != 0 {
			entrance = in.EntranceID
		}
		_, err := tx.ExecContext(ctx, `UPDATE dwelling SET entrance_id = ?, entrance_key = ?, room = ?, sort_key = ?, floor = ?, area = ?, usage = ?, remark = ?, updated_at = ? WHERE community_id = ? AND id = ?`,
			entrance, in.EntranceID, in.Room, SortKey(in.Room), in.Floor, in.Area, in.Usage, in.Remark, db.Now(), d.CommunityID, id)
		if db.IsUniqueViolation(err) {
			e := &i18n.Errors{}
			e.Add("room", "places.room_exists", "room", in.Room)
			return e
		}
		if err != nil {
			return err
		}
		if err := placesChanged(ctx, tx); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "dwelling.update", "dwelling", id, d.CommunityID, audit.Success).
			WithDetail(map[string]any{"before": d.Room, "after": in.Room}))
	})
}

// DeleteDwelling removes a dwelling nobody refers to.
func (s *Service) DeleteDwelling(ctx context.Context, p *auth.Principal, id int64) (buildingID int64, err error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	d, err := s.GetDwelling(ctx, p, id)
	if err != nil {
		return 0, err
	}
	return d.BuildingID, s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, used := range s.DwellingUsers {
			if err := used(ctx, tx, d.CommunityID, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM dwelling WHERE community_id = ? AND id = ?`, d.CommunityID, id); err != nil {
			return inUse(err)
		}
		if err := placesChanged(ctx, tx); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "dwelling.delete", "dwelling", id, d.CommunityID, audit.Success).WithDetail(map[string]string{"address": d.Address()}))
	})
}

// GenerateRooms creates the dwellings of a building floor by floor: for each
// entrance (or the building itself when it has none), floors fromFloor..toFloor
// with perFloor rooms numbered 101, 102, … Rooms that exist already are kept.
func (s *Service) GenerateRooms(ctx context.Context, p *auth.Principal, buildingID int64, fromFloor, toFloor, perFloor int) (int, error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	b, err := s.GetBuilding(ctx, p, buildingID)
	if err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	if fromFloor < 1 || fromFloor > 200 {
		errs.Add("from_floor", "err.range", "field", i18n.T("places.from_floor"), "min", 1, "max", 200)
	}
	if toFloor < fromFloor || toFloor > 200 {
		errs.Add("to_floor", "err.range", "field", i18n.T("places.to_floor"), "min", fromFloor, "max", 200)
	}
	if perFloor < 1 || perFloor > 20 {
		errs.Add("per_floor", "err.range", "field", i18n.T("places.per_floor"), "min", 1, "max", 20)
	}
	if errs.Any() {
		return 0, errs
	}
	ents, err := s.Entrances(ctx, p, buildingID)
	if err != nil {
		return 0, err
	}
	entranceIDs := []int64{0}
	if len(ents) > 0 {
		entranceIDs = entranceIDs[:0]
		for _, e := range ents {
			entranceIDs = append(entranceIDs, e.ID)
		}
	}
	created := 0
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, e := range entranceIDs {
			for f := fromFloor; f <= toFloor; f++ {
				for r := 1; r <= perFloor; r++ {
					room := fmt.Sprintf("%d%02d", f, r)
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM dwelling WHERE community_id = ? AND building_id = ? AND entrance_key = ? AND room = ?`, b.CommunityID, buildingID, e, room).Scan(&n); err != nil {
						return err
					}
					if n > 0 {
						continue
					}
					if _, err := insertDwelling(ctx, tx, b, DwellingInput{BuildingID: buildingID, EntranceID: e, Room: room, Floor: f, Usage: "residential"}); err != nil {
						return err
					}
					created++
				}
			}
		}
		if toFloor > b.Floors {
			if _, err := tx.ExecContext(ctx, `UPDATE building SET floors = ? WHERE community_id = ? AND id = ?`, toFloor, b.CommunityID, buildingID); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "dwelling.generate", "building", buildingID, b.CommunityID, audit.Success).
			WithDetail(map[string]int{"from_floor": fromFloor, "to_floor": toFloor, "per_floor": perFloor, "created": created}))
	})
	return created, err
}

// Counts returns the number of buildings and dwellings in the user's scope.
func (s *Service) Counts(ctx context.Context, p *auth.Principal) (buildings, dwellings int, err error) {
	bs, bArgs := p.Scope.SQL(s.DB.Dialect(), "b.community_id", "b.grid_id")
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM building b WHERE `+bs, bArgs...).Scan(&buildings); err != nil {
		return 0, 0, err
	}
	ds, dArgs := p.Scope.SQL(s.DB.Dialect(), "d.community_id", "d.grid_id")
	err = s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM dwelling d WHERE `+ds, dArgs...).Scan(&dwellings)
	return buildings, dwellings, err
}

// Bulk writers for importers and the demo: they run inside the caller's
// transaction, check nothing beyond the database's constraints, and leave the
// audit entry (one for the whole batch) to the caller.

// InsertEstateTx inserts an estate. The caller's transaction is not this
// package's: the kept estate lists are voided now, and hold the estate within
// estateChoicesTTL of the commit.
func InsertEstateTx(ctx context.Context, tx *db.Tx, in EstateInput) (int64, error) {
	estatesChanged()
	return insertEstate(ctx, tx, in)
}

// InsertBuildingTx inserts a building (kept estate lists: as InsertEstateTx).
func InsertBuildingTx(ctx context.Context, tx *db.Tx, in BuildingInput) (int64, error) {
	estatesChanged()
	return insertBuilding(ctx, tx, in)
}

// InsertEntranceTx inserts an entrance.
func InsertEntranceTx(ctx context.Context, tx *db.Tx, communityID, buildingID int64, name string) (int64, error) {
	return insertEntrance(ctx, tx, communityID, buildingID, name)
}

// InsertDwellingTx inserts a dwelling into building b (which gives community and grid).
func InsertDwellingTx(ctx context.Context, tx *db.Tx, b *Building, in DwellingInput) (int64, error) {
	return insertDwelling(ctx, tx, b, in)
}

// DwellingBatch writes many new places in one transaction with ids handed out
// in advance (ledger imports create hundreds of thousands of dwellings and
// thousands of buildings): estates, buildings and entrances go in batches of
// their own, each written before the batch whose rows refer to it, so that a
// bulk load on PostgreSQL never waits for one INSERT's returned id.
type DwellingBatch struct {
	ids       *db.IDs
	Batch     *db.Batch // the dwellings; writing it writes the places they refer to first
	now       int64
	estateIDs *db.IDs
	estates   *db.Batch
	buildIDs  *db.IDs
	buildings *db.Batch
	entryIDs  *db.IDs
	entrances *db.Batch
}

// NewDwellingBatch prepares a batch inside tx.
func NewDwellingBatch(ctx context.Context, tx *db.Tx) (*DwellingBatch, error) {
	d := &DwellingBatch{now: db.Now()}
	var err error
	for _, ids := range []struct {
		to    **db.IDs
		table string
	}{{&d.ids, "dwelling"}, {&d.estateIDs, "estate"}, {&d.buildIDs, "building"}, {&d.entryIDs, "entrance"}} {
		if *ids.to, err = tx.IDs(ctx, ids.table); err != nil {
			return nil, err
		}
	}
	d.estates = tx.NewBatch("estate", []string{"id", "community_id", "name", "address", "sort_key", "remark", "created_at", "updated_at"}, 200)
	d.buildings = tx.NewBatch("building", []string{"id", "community_id", "grid_id", "estate_id", "estate_key", "name", "sort_key", "floors", "address", "remark", "created_at", "updated_at"}, 200)
	d.entrances = tx.NewBatch("entrance", []string{"id", "community_id", "building_id", "name", "sort_key", "created_at"}, 200)
	d.Batch = tx.NewBatch("dwelling", []string{"id", "community_id", "grid_id", "building_id", "entrance_id", "entrance_key", "room", "sort_key", "floor", "area", "usage", "remark", "created_at", "updated_at"}, 400)
	d.buildings.Before = d.estates.Write
	d.entrances.Before = d.buildings.Write
	d.Batch.Before = func(ctx context.Context) error {
		for _, b := range []*db.Batch{d.estates, d.buildings, d.entrances} {
			if err := b.Write(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	return d, nil
}

// AddEstate queues an estate and returns its id (kept estate lists: as InsertEstateTx).
func (d *DwellingBatch) AddEstate(ctx context.Context, in EstateInput) (int64, error) {
	id, err := d.estateIDs.Next(ctx)
	if err != nil {
		return 0, err
	}
	estatesChanged()
	return id, d.estates.Add(ctx, id, in.CommunityID, in.Name, in.Address, SortKey(in.Name), in.Remark, d.now, d.now)
}

// AddBuilding queues a building and returns its id.
func (d *DwellingBatch) AddBuilding(ctx context.Context, in BuildingInput) (int64, error) {
	id, err := d.buildIDs.Next(ctx)
	if err != nil {
		return 0, err
	}
	estatesChanged()
	return id, d.buildings.Add(ctx, id, in.CommunityID, nullID(in.GridID), nullID(in.EstateID), in.EstateID, in.Name, SortKey(in.Name), in.Floors, in.Address, in.Remark, d.now, d.now)
}

// AddEntrance queues an entrance of a building and returns its id.
func (d *DwellingBatch) AddEntrance(ctx context.Context, communityID, buildingID int64, name string) (int64, error) {
	id, err := d.entryIDs.Next(ctx)
	if err != nil {
		return 0, err
	}
	return id, d.entrances.Add(ctx, id, communityID, buildingID, name, SortKey(name), d.now)
}

// Flush writes everything queued, parents first.
func (d *DwellingBatch) Flush(ctx context.Context) error {
	for _, b := range []*db.Batch{d.estates, d.buildings, d.entrances, d.Batch} {
		if err := b.Flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Add queues a dwelling of building b and returns its id.
func (d *DwellingBatch) Add(ctx context.Context, b *Building, in DwellingInput) (int64, error) {
	id, err := d.ids.Next(ctx)
	if err != nil {
		return 0, err
	}
	var entrance any
	if in.EntranceID != 0 {
		entrance = in.EntranceID
	}
	if in.Usage == "" {
		in.Usage = "residential"
	}
	return id, d.Batch.Add(ctx, id, b.CommunityID, nullID(b.GridID), b.ID, entrance, in.EntranceID, in.Room, SortKey(in.Room), in.Floor, in.Area, in.Usage, in.Remark, d.now, d.now)
}

// Package org is the organisation tree: 市 → 区 → 街道(镇) → 社区(村) → 网格, with
// official codes and validity dates. It also resolves a user's scope roots to the
// communities and grids they reach (auth.OrgIndex).
package org

import (
	"context"
	"embed"
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/settings"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the org module's schema.
var Migrations = db.NewMigrations("org", migrationFS).
	Reference("org_unit")

// Level is a tier of the tree.
type Level string

const (
	City      Level = "city"
	District  Level = "district"
	Street    Level = "street"
	Community Level = "community"
	Grid      Level = "grid"
)

// Levels from the top down.
var Levels = []Level{City, District, Street, Community, Grid}

var _ = i18n.Family("org.level.", Levels...)

func (l Level) index() int {
	for i, x := range Levels {
		if x == l {
			return i
		}
	}
	return -1
}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l.index() >= 0 }

// Child is the level directly below l ("" below a grid).
func (l Level) Child() Level {
	i := l.index()
	if i < 0 || i+1 >= len(Levels) {
		return ""
	}
	return Levels[i+1]
}

// Permissions.
var (
	PermRead  = auth.Define("org.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker, auth.RoleVolunteer, auth.RoleSysAdmin)
	PermWrite = auth.Define("org.write", auth.RoleSysAdmin, auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
	// PermLevelNames lets the system administrator rename the levels (镇/村 for rural areas).
	PermLevelNames = auth.Define("org.level_names", auth.RoleSysAdmin)
)

// Unit is one org unit.
type Unit struct {
	ID          int64
	ParentID    int64
	Level       Level
	Name        string
	Code        string
	Path        string
	CommunityID int64
	Sort        int
	ValidFrom   string
	ValidTo     string
	Remark      string
	CreatedAt   int64
	UpdatedAt   int64
}

// Active reports whether the unit is valid on day (YYYY-MM-DD).
func (u *Unit) Active(day string) bool {
	return u.ValidFrom <= day && (u.ValidTo == "" || u.ValidTo >= day)
}

// Service is the org tree.
type Service struct {
	DB    *db.DB
	Audit *audit.Log

	mu   sync.Mutex
	snap *snapshot
}

// The tree is small (thousands of units) and read on every request to resolve
// scopes, so it is held in memory. Writes here drop the copy; other instances on
// the same PostgreSQL pick changes up within snapshotTTL.
const snapshotTTL = 5 * time.Second

type snapshot struct {
	loaded   time.Time
	units    map[int64]*Unit
	children map[int64][]*Unit // parent id (0 for roots) → children in display order
}

func (s *Service) tree(ctx context.Context) (*snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snap != nil && time.Since(s.snap.loaded) < snapshotTTL {
		return s.snap, nil
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+unitCols+` FROM org_unit`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sn := &snapshot{loaded: time.Now(), units: map[int64]*Unit{}, children: map[int64][]*Unit{}}
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, err
		}
		sn.units[u.ID] = u
		sn.children[u.ParentID] = append(sn.children[u.ParentID], u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, kids := range sn.children {
		sort.Slice(kids, func(i, j int) bool {
			if kids[i].Sort != kids[j].Sort {
				return kids[i].Sort < kids[j].Sort
			}
			return kids[i].Code < kids[j].Code
		})
	}
	s.snap = sn
	return sn, nil
}

// Invalidate drops the cached tree (after writes, and in tests).
func (s *Service) Invalidate() {
	s.mu.Lock()
	s.snap = nil
	s.mu.Unlock()
}

const unitCols = `id, COALESCE(parent_id, 0), level, name, code, path, COALESCE(community_id, 0), sort, valid_from, COALESCE(valid_to, ''), remark, created_at, updated_at`

func scanUnit(sc interface{ Scan(...any) error }) (*Unit, error) {
	u := &Unit{}
	var lvl string
	err := sc.Scan(&u.ID, &u.ParentID, &lvl, &u.Name, &u.Code, &u.Path, &u.CommunityID, &u.Sort, &u.ValidFrom, &u.ValidTo, &u.Remark, &u.CreatedAt, &u.UpdatedAt)
	u.Level = Level(lvl)
	return u, err
}

// ResolveScope implements auth.OrgIndex.
func (s *Service) ResolveScope(ctx context.Context, roots []int64) (auth.Scope, error) {
	sn, err := s.tree(ctx)
	if err != nil {
		return auth.Scope{}, err
	}
	var rs []auth.Root
	var communities, grids []int64
	var walk func(u *Unit)
	walk = func(u *Unit) {
		if u.Level == Community {
			communities = append(communities, u.ID)
			return
		}
		for _, c := range sn.children[u.ID] {
			walk(c)
		}
	}
	for _, id := range roots {
		u, ok := sn.units[id]
		if !ok {
			continue
		}
		name := u.Name
		if c, ok := sn.units[u.CommunityID]; ok && u.Level == Grid {
			name = c.Name + " " + u.Name
		}
		rs = append(rs, auth.Root{ID: u.ID, Path: u.Path, Name: name})
		if u.Level == Grid {
			grids = append(grids, u.ID)
			continue
		}
		walk(u)
	}
	// A grid whose whole community is already reached adds nothing.
	cs := map[int64]bool{}
	for _, c := range communities {
		cs[c] = true
	}
	kept := grids[:0]
	var gridCommunities []int64
	for _, g := range grids {
		if !cs[sn.units[g].CommunityID] {
			kept = append(kept, g)
			gridCommunities = append(gridCommunities, sn.units[g].CommunityID)
		}
	}
	return auth.NewScope(false, rs, communities, kept).WithGridCommunities(gridCommunities), nil
}

// DescribeUnits implements auth.UnitDescriber for account validation.
func (s *Service) DescribeUnits(ctx context.Context, ids []int64) ([]auth.UnitInfo, error) {
	sn, err := s.tree(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var out []auth.UnitInfo
	for _, id := range ids {
		if u, ok := sn.units[id]; ok && !seen[id] {
			seen[id] = true
			out = append(out, auth.UnitInfo{ID: u.ID, Level: string(u.Level), Name: u.Name})
		}
	}
	return out, nil
}

// Get returns a unit the principal may see (in scope, or an ancestor of it).
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Unit, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sn, err := s.tree(ctx)
	if err != nil {
		return nil, err
	}
	u, ok := sn.units[id]
	if !ok || !p.Scope.SeesOrgPath(u.Path) {
		return nil, auth.ErrNotFound
	}
	c := *u
	return &c, nil
}

// Lookup returns a unit without a scope check, for code that has already scoped
// the row that refers to it (names in lists, addresses).
func (s *Service) Lookup(ctx context.Context, id int64) (*Unit, bool) {
	sn, err := s.tree(ctx)
	if err != nil {
		return nil, false
	}
	u, ok := sn.units[id]
	if !ok {
		return nil, false
	}
	c := *u
	return &c, true
}

// Children returns the children of parent (0 for the roots) the principal sees.
func (s *Service) Children(ctx context.Context, p *auth.Principal, parent int64) ([]*Unit, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sn, err := s.tree(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Unit
	for _, u := range sn.children[parent] {
		if p.Scope.SeesOrgPath(u.Path) {
			c := *u
			out = append(out, &c)
		}
	}
	return out, nil
}

// Visible returns every unit the principal sees, parents before children, in
// display order (for the tree page and pickers).
func (s *Service) Visible(ctx context.Context, p *auth.Principal) ([]*Unit, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sn, err := s.tree(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Unit
	var walk func(parent int64)
	walk = func(parent int64) {
		for _, u := range sn.children[parent] {
			if p.Scope.SeesOrgPath(u.Path) {
				c := *u
				out = append(out, &c)
				walk(u.ID)
			}
		}
	}
	walk(0)
	return out, nil
}

// Partitions are the partition keys (community_id values) of the rows p
// reaches in a module whose rows belong to a community or, for a street's own
// rows, to the street (venues, activities): the scope's communities, those of
// the grids it reaches one by one, and for the staff of a street (or above)
// the streets of their subtrees. A community's staff do not reach their
// street's own rows: what a community does reads its own partition only (one
// shard on Citus, TestCommunityWorkIsSingleShard). nil with p.Scope.All.
func (s *Service) Partitions(ctx context.Context, p *auth.Principal) []int64 {
	if p.Scope.All {
		return nil
	}
	ids := slices.Concat(p.Scope.Communities, p.Scope.GridCommunities)
	for _, r := range p.Scope.Roots {
		if u, ok := s.Lookup(ctx, r.ID); !ok || u.Level == Community || u.Level == Grid {
			continue
		}
		if streets, err := s.InScope(ctx, p, Street); err == nil {
			for _, u := range streets {
				ids = append(ids, u.ID)
			}
		}
		break
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// HoldsPartition reports whether p holds a partition (see Partitions) wholly:
// its community, or for a street's own rows the street. Keeping such rows
// (a venue, an activity) and deciding on them needs it.
func (s *Service) HoldsPartition(ctx context.Context, p *auth.Principal, orgID int64) bool {
	if p.Scope.All {
		return true
	}
	u, ok := s.Lookup(ctx, orgID)
	if !ok {
		return false
	}
	if u.Level == Community {
		return p.Scope.AllowsCommunity(u.ID)
	}
	return p.Scope.AllowsOrgPath(u.Path)
}

// HeldPartitions are the streets and communities p holds wholly (see
// HoldsPartition): where p may keep a venue or an activity.
func (s *Service) HeldPartitions(ctx context.Context, p *auth.Principal) ([]*Unit, error) {
	var out []*Unit
	for _, lvl := range []Level{Street, Community} {
		units, err := s.InScope(ctx, p, lvl)
		if err != nil {
			return nil, err
		}
		for _, u := range units {
			if s.HoldsPartition(ctx, p, u.ID) {
				out = append(out, u)
			}
		}
	}
	return out, nil
}

// InScope returns the units of level lvl that lie inside the principal's scope
// (the grids a user may pick, the communities of a street).
func (s *Service) InScope(ctx context.Context, p *auth.Principal, lvl Level) ([]*Unit, error) {
	all, err := s.Visible(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []*Unit
	for _, u := range all {
		if u.Level == lvl && p.Scope.AllowsOrgPath(u.Path) {
			out = append(out, u)
		}
	}
	return out, nil
}

// Ancestors returns the chain from the root down to u's parent.
func (s *Service) Ancestors(ctx context.Context, u *Unit) []*Unit {
	sn, err := s.tree(ctx)
	if err != nil {
		return nil
	}
	var out []*Unit
	for id := u.ParentID; id != 0; {
		a, ok := sn.units[id]
		if !ok {
			break
		}
		c := *a
		out = append([]*Unit{&c}, out...)
		id = a.ParentID
	}
	return out
}

// StreetOf is the street u lies in (u itself for a street), nil for a unit
// above the streets: the unit whose rows (a street's forms, lists and
// templates) its communities share.
func (s *Service) StreetOf(ctx context.Context, u *Unit) *Unit {
	if u.Level == Street {
		return u
	}
	for _, a := range s.Ancestors(ctx, u) {
		if a.Level == Street {
			return a
		}
	}
	return nil
}

// FullName is the unit's name with its ancestors below the street level's parent,
// e.g. "翠苑街道 / 翠苑一区社区 / 第3网格".
func (s *Service) FullName(ctx context.Context, id int64) string {
	u, ok := s.Lookup(ctx, id)
	if !ok {
		return ""
	}
	parts := []string{u.Name}
	for _, a := range reverse(s.Ancestors(ctx, u)) {
		if a.Level == District || a.Level == City {
			break
		}
		parts = append([]string{a.Name}, parts...)
	}
	return strings.Join(parts, " / ")
}

func reverse(us []*Unit) []*Unit {
	out := make([]*Unit, len(us))
	for i, u := range us {
		out[len(us)-1-i] = u
	}
	return out
}

// Input is what creating or editing a unit takes.
type Input struct {
	ParentID  int64
	Level     Level
	Name      string
	Code      string
	Sort      int
	ValidFrom string
	ValidTo   string
	Remark    string
}

var (
	digits6  = regexp.MustCompile(`^\d{6}$`)
	digits12 = regexp.MustCompile(`^\d{12}$`)
	digits3  = regexp.MustCompile(`^\d{3}$`)
	isoDate  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// ValidDate reports whether s is a real YYYY-MM-DD date.
func ValidDate(s string) bool {
	if !isoDate.MatchString(s) {
		return false
	}
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// validate checks a unit against its parent; the code rules follow GB/T 2260 and
// the 12-digit statistical division code (6 county + 3 township + 3 village).
func validate(in *Input, parent *Unit) *i18n.Errors {
	errs := &i18n.Errors{}
	in.Name = strings.TrimSpace(in.Name)
	in.Code = strings.TrimSpace(in.Code)
	in.Remark = strings.TrimSpace(in.Remark)
	errs.Required("name", i18n.T("org.name"), in.Name)
	errs.MaxLen("name", i18n.T("org.name"), in.Name, 50)
	errs.MaxLen("remark", i18n.T("common.remark"), in.Remark, 500)
	if !in.Level.Valid() {
		errs.Add("level", "err.choice", "field", i18n.T("org.level"))
		return errs
	}
	if parent == nil {
		if in.Level != City && in.Level != District {
			errs.Add("parent_id", "org.root_level")
		}
	} else if parent.Level.Child() != in.Level {
		errs.Add("level", "org.child_level", "parent", parent.Name, "level", i18n.T("org.level."+string(parent.Level.Child())))
	}
	if errs.Required("code", i18n.T("org.code"), in.Code) {
		switch in.Level {
		case City:
			if !digits6.MatchString(in.Code) || !strings.HasSuffix(in.Code, "00") {
				errs.Add("code", "org.code_city")
			}
		case District:
			if !digits6.MatchString(in.Code) {
				errs.Add("code", "org.code_district")
			} else if parent != nil && parent.Code[:4] != in.Code[:4] {
				errs.Add("code", "org.code_prefix", "n", 4, "parent", parent.Name, "prefix", parent.Code[:4])
			}
		case Street:
			if !digits12.MatchString(in.Code) || !strings.HasSuffix(in.Code, "000") {
				errs.Add("code", "org.code_street")
			} else if parent != nil && parent.Code != in.Code[:6] {
				errs.Add("code", "org.code_prefix", "n", 6, "parent", parent.Name, "prefix", parent.Code)
			}
		case Community:
			if !digits12.MatchString(in.Code) || strings.HasSuffix(in.Code, "000") {
				errs.Add("code", "org.code_community")
			} else if parent != nil && parent.Code[:9] != in.Code[:9] {
				errs.Add("code", "org.code_prefix", "n", 9, "parent", parent.Name, "prefix", parent.Code[:9])
			}
		case Grid:
			if !digits3.MatchString(in.Code) || in.Code == "000" {
				errs.Add("code", "org.code_grid")
			}
		}
	}
	if in.ValidFrom == "" {
		in.ValidFrom = time.Now().Format("2006-01-02")
	}
	if !ValidDate(in.ValidFrom) {
		errs.Add("valid_from", "err.invalid_date", "field", i18n.T("common.valid_from"))
	}
	if in.ValidTo != "" {
		if !ValidDate(in.ValidTo) {
			errs.Add("valid_to", "err.invalid_date", "field", i18n.T("common.valid_to"))
		} else if in.ValidTo < in.ValidFrom {
			errs.Add("valid_to", "err.date_order", "field", i18n.T("common.valid_to"), "other", i18n.T("common.valid_from"))
		}
	}
	return errs
}

// mayWriteUnder reports whether p may create units below parent: the parent lies
// in p's subtrees. Roots themselves are created by the system administrator.
func mayWriteUnder(p *auth.Principal, parent *Unit) bool {
	if parent == nil {
		return p.Scope.All
	}
	return p.Scope.AllowsOrgPath(parent.Path)
}

// mayEdit reports whether p may change u: u lies strictly below one of p's roots
// (a street administrator edits its communities, not its own street).
func mayEdit(p *auth.Principal, u *Unit) bool {
	if p.Scope.All {
		return true
	}
	for _, r := range p.Scope.Roots {
		if strings.HasPrefix(u.Path, r.Path) && u.Path != r.Path {
			return true
		}
	}
	return false
}

// Create adds a unit.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in Input) (int64, error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	sn, err := s.tree(ctx)
	if err != nil {
		return 0, err
	}
	var parent *Unit
	if in.ParentID != 0 {
		pu, ok := sn.units[in.ParentID]
		if !ok || !p.Scope.SeesOrgPath(pu.Path) {
			return 0, auth.ErrNotFound
		}
		parent = pu
	}
	if !mayWriteUnder(p, parent) {
		return 0, auth.ErrForbidden
	}
	if errs := validate(&in, parent); errs.Any() {
		return 0, errs
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		var parentArg any
		parentPath := "/"
		if parent != nil {
			parentArg = parent.ID
			parentPath = parent.Path
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO org_unit (parent_id, level, name, code, path, sort, valid_from, valid_to, remark, created_at, updated_at)
			VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?) RETURNING id`,
			parentArg, string(in.Level), in.Name, in.Code, in.Sort, in.ValidFrom, nullIfEmpty(in.ValidTo), in.Remark, now, now).Scan(&id); err != nil {
			if db.IsUniqueViolation(err) {
				e := &i18n.Errors{}
				e.Add("code", "err.conflict", "field", i18n.T("org.code"), "value", in.Code)
				return e
			}
			return err
		}
		var community any
		switch in.Level {
		case Community:
			community = id
		case Grid:
			community = parent.ID
		}
		path := parentPath + strconv.FormatInt(id, 10) + "/"
		if _, err := tx.ExecContext(ctx, `UPDATE org_unit SET path = ?, community_id = ? WHERE id = ?`, path, community, id); err != nil {
			return err
		}
		tx.AfterCommit(s.Invalidate)
		return s.Audit.Record(ctx, tx, audit.Event(p, "org.create", "org_unit", id, orgOf(id, parent), audit.Success).
			WithDetail(map[string]any{"level": in.Level, "name": in.Name, "code": in.Code}))
	})
	return id, err
}

func orgOf(id int64, parent *Unit) int64 {
	if parent != nil {
		return parent.ID
	}
	return id
}

// Update changes a unit's name, code, order, validity and remark. Its place in
// the tree and level do not change.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, in Input) error {
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	sn, err := s.tree(ctx)
	if err != nil {
		return err
	}
	u, ok := sn.units[id]
	if !ok || !p.Scope.SeesOrgPath(u.Path) {
		return auth.ErrNotFound
	}
	if !mayEdit(p, u) {
		return auth.ErrForbidden
	}
	in.Level = u.Level
	in.ParentID = u.ParentID
	parent := sn.units[u.ParentID]
	if errs := validate(&in, parent); errs.Any() {
		return errs
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE org_unit SET name = ?, code = ?, sort = ?, valid_from = ?, valid_to = ?, remark = ?, updated_at = ? WHERE id = ?`,
			in.Name, in.Code, in.Sort, in.ValidFrom, nullIfEmpty(in.ValidTo), in.Remark, db.Now(), id)
		if db.IsUniqueViolation(err) {
			e := &i18n.Errors{}
			e.Add("code", "err.conflict", "field", i18n.T("org.code"), "value", in.Code)
			return e
		}
		if err != nil {
			return err
		}
		tx.AfterCommit(s.Invalidate)
		return s.Audit.Record(ctx, tx, audit.Event(p, "org.update", "org_unit", id, id, audit.Success).
			WithDetail(map[string]any{"before": map[string]any{"name": u.Name, "code": u.Code, "valid_to": u.ValidTo}, "after": map[string]any{"name": in.Name, "code": in.Code, "valid_to": in.ValidTo}}))
	})
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// SettingLevelNames holds the deployment's names for the levels as JSON.
const SettingLevelNames = "org.level_names"

// LevelNames returns the display name of every level, with the deployment's
// overrides (镇 for 街道, 村 for 社区 in rural areas).
func (s *Service) LevelNames(ctx context.Context) map[Level]string {
	out := map[Level]string{}
	for _, l := range Levels {
		out[l] = i18n.T("org.level." + string(l))
	}
	raw, _ := settings.Get(ctx, s.DB.Reader(), SettingLevelNames, "")
	if raw != "" {
		var m map[string]string
		if json.Unmarshal([]byte(raw), &m) == nil {
			for k, v := range m {
				if Level(k).Valid() && strings.TrimSpace(v) != "" {
					out[Level(k)] = v
				}
			}
		}
	}
	return out
}

// SetLevelNames stores the deployment's level names.
func (s *Service) SetLevelNames(ctx context.Context, p *auth.Principal, names map[Level]string) error {
	if err := p.Require(PermLevelNames); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	clean := map[string]string{}
	for _, l := range Levels {
		v := strings.TrimSpace(names[l])
		label := i18n.T("org.level." + string(l))
		if errs.Required("level_"+string(l), label, v) {
			errs.MaxLen("level_"+string(l), label, v, 10)
		}
		clean[string(l)] = v
	}
	if errs.Any() {
		return errs
	}
	b, _ := json.Marshal(clean)
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := settings.Set(ctx, tx, SettingLevelNames, string(b), p.UserID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "org.level_names", "setting", SettingLevelNames, 0, audit.Success).WithDetail(clean))
	})
}

func today() string { return time.Now().In(locale.Zone).Format("2006-01-02") }

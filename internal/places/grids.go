package places

import (
	"context"
	"fmt"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/importflow"
	"linli/internal/org"
)

// Buildings without a grid (未划分网格). A ledger imported without a 网格
// column (and without a grid chosen for it) creates its new buildings so; the
// community's staff see them and their residents, grid workers do not, until
// AssignGrid puts them in a grid.

// nullID writes 0 as NULL (a building or dwelling without a grid).
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// moveDwellings puts a building's dwellings, and through BuildingGridChanged
// the registry's rows, in grid (0: none), inside tx.
func (s *Service) moveDwellings(ctx context.Context, tx *db.Tx, communityID, buildingID, grid int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE dwelling SET grid_id = ?, updated_at = ? WHERE community_id = ? AND building_id = ?`, nullID(grid), db.Now(), communityID, buildingID); err != nil {
		return err
	}
	for _, f := range s.BuildingGridChanged {
		if err := f(ctx, tx, buildingID, grid); err != nil {
			return err
		}
	}
	return nil
}

// SetBuildingGridTx puts a building, its dwellings and (through
// BuildingGridChanged) the registry's rows in grid, inside the caller's
// transaction (imports; the caller checks and audits). The building's
// community is the grid's (when it has one, else read with the building).
func (s *Service) SetBuildingGridTx(ctx context.Context, tx *db.Tx, buildingID, grid int64) error {
	var community int64
	if g, ok := s.Org.Lookup(ctx, grid); grid != 0 && ok {
		community = g.CommunityID
	} else if err := tx.QueryRowContext(ctx, `SELECT community_id FROM building WHERE id = ?`, buildingID).Scan(&community); err != nil {
		return fmt.Errorf("building %d: %w", buildingID, err)
	}
	return s.setBuildingGrid(ctx, tx, community, buildingID, grid)
}

// setBuildingGrid is SetBuildingGridTx for a building of a known community.
func (s *Service) setBuildingGrid(ctx context.Context, tx *db.Tx, communityID, buildingID, grid int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE building SET grid_id = ?, updated_at = ? WHERE community_id = ? AND id = ?`, nullID(grid), db.Now(), communityID, buildingID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return fmt.Errorf("building %d is not one of community %d", buildingID, communityID)
	}
	estatesChanged()
	return s.moveDwellings(ctx, tx, communityID, buildingID, grid)
}

// GridLabel names a building's grid, or says it has none.
func GridLabel(name string) string {
	if name == "" {
		return i18n.T("places.no_grid")
	}
	return name
}

// GridLines are an import summary's lines about grids: new buildings left
// without one (once, not as row problems) and buildings the file put in one.
func GridLines(ungridded, regridded int) []importflow.Line {
	var out []importflow.Line
	if ungridded > 0 {
		out = append(out, importflow.Line{Label: i18n.T("places.import_ungridded"), Count: ungridded})
	}
	if regridded > 0 {
		out = append(out, importflow.Line{Label: i18n.T("places.import_regridded"), Count: regridded})
	}
	return out
}

// MaxAssign bounds how many buildings one AssignGrid call moves.
const MaxAssign = 500

// AssignGrid puts buildings in a grid, with their dwellings, residents and
// households, in one transaction (one audit entry per building). Only staff who
// write places for the whole community may do it; every building must be one
// of theirs in the grid's community. It returns how many buildings moved
// (those already in the grid stay as they are).
func (s *Service) AssignGrid(ctx context.Context, p *auth.Principal, buildingIDs []int64, gridID int64) (int, error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	g, ok := s.Org.Lookup(ctx, gridID)
	if gridID == 0 || !ok || g.Level != org.Grid {
		e := &i18n.Errors{}
		e.Add("grid_id", "places.choose_grid")
		return 0, e
	}
	if !p.Scope.AllowsCommunity(g.CommunityID) {
		return 0, auth.ErrForbidden
	}
	ids := uniqueIDs(buildingIDs)
	if len(ids) == 0 {
		e := &i18n.Errors{}
		e.Add("building", "places.assign_none")
		return 0, e
	}
	if len(ids) > MaxAssign {
		e := &i18n.Errors{}
		e.Add("building", "places.assign_too_many", "max", MaxAssign)
		return 0, e
	}
	moved := 0
	err := s.estateTx(ctx, func(tx *db.Tx) error {
		in, args := s.DB.IDsIn("b.id", ids)
		sc, scArgs := p.Scope.SQL(tx.Dialect(), "b.community_id", "b.grid_id")
		rows, err := tx.QueryContext(ctx, `SELECT b.id, b.community_id, COALESCE(b.grid_id, 0), b.name, COALESCE(e.name, '')
			FROM building b LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id WHERE `+in+` AND `+sc, append(args, scArgs...)...)
		if err != nil {
			return err
		}
		type found struct {
			community, grid int64
			label           string
		}
		have := map[int64]found{}
		for rows.Next() {
			var id int64
			var f found
			var name, estate string
			if err := rows.Scan(&id, &f.community, &f.grid, &name, &estate); err != nil {
				rows.Close()
				return err
			}
			f.label = strings.TrimSpace(estate + " " + name)
			have[id] = f
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			f, ok := have[id]
			if !ok {
				return auth.ErrNotFound
			}
			// In the grid's community, which p wholly reaches (checked above).
			if f.community != g.CommunityID {
				e := &i18n.Errors{}
				e.Add("grid_id", "places.assign_other_community", "building", f.label)
				return e
			}
		}
		for _, id := range ids {
			f := have[id]
			if f.grid == gridID {
				continue
			}
			if err := s.setBuildingGrid(ctx, tx, f.community, id, gridID); err != nil {
				return err
			}
			moved++
		}
		for _, id := range ids {
			f := have[id]
			if f.grid == gridID {
				continue
			}
			if err := s.Audit.Record(ctx, tx, audit.Event(p, "building.assign_grid", "building", id, f.community, audit.Success).
				WithDetail(map[string]any{"building": f.label, "before": f.grid, "after": gridID})); err != nil {
				return err
			}
		}
		return nil
	})
	return moved, err
}

// Ungridded counts the buildings without a grid in the user's scope (never
// any for a grid worker, whose scope has no such rows).
func (s *Service) Ungridded(ctx context.Context, p *auth.Principal) (int, error) {
	if !p.Can(PermRead) {
		return 0, nil
	}
	var n int
	sc, args := p.Scope.SQL(s.DB.Dialect(), "b.community_id", "")
	err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM building b WHERE b.grid_id IS NULL AND `+sc, args...).Scan(&n)
	return n, err
}

// AssignGrids are the grids p may put buildings in: those of the communities
// p wholly reaches.
func (s *Service) AssignGrids(ctx context.Context, p *auth.Principal) ([]*org.Unit, error) {
	if !p.Can(PermWrite) {
		return nil, nil
	}
	grids, err := s.Org.InScope(ctx, p, org.Grid)
	if err != nil {
		return nil, err
	}
	var out []*org.Unit
	for _, g := range grids {
		if p.Scope.AllowsCommunity(g.CommunityID) {
			out = append(out, g)
		}
	}
	return out, nil
}

func uniqueIDs(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

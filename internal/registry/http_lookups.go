package registry

import (
	"context"
	"database/sql"
	"errors"

	"linli/internal/auth"
)

// Small scoped reads the pages need beyond the core's lists: what to offer in a
// form, and how many live in each building of the phone view.

// HouseholdOption is a household living at a dwelling, offered to join.
type HouseholdOption struct {
	ID       int64
	Number   string
	HeadName string
}

// HouseholdsAt lists the active households in scope at a dwelling.
func (s *Service) HouseholdsAt(ctx context.Context, pr *auth.Principal, dwelling int64) ([]HouseholdOption, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, err
	}
	if dwelling == 0 {
		return nil, nil
	}
	sc, args := s.scope(pr, "h.community_id", "h.grid_id")
	rows, err := s.DB.QueryContext(ctx, `SELECT h.id, h.number, COALESCE(hp.name, '') FROM reg_household h LEFT JOIN reg_person hp ON hp.community_id = h.community_id AND hp.id = h.head_person_id
		WHERE h.dwelling_id = ? AND h.status = 'active' AND `+sc+` ORDER BY h.id`, append([]any{dwelling}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HouseholdOption
	for rows.Next() {
		var o HouseholdOption
		if err := rows.Scan(&o.ID, &o.Number, &o.HeadName); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// HouseholdByNumber finds an active household in scope by its 户号 within a
// community (0 when there is none).
func (s *Service) HouseholdByNumber(ctx context.Context, pr *auth.Principal, community int64, number string) (int64, error) {
	if err := pr.Require(PermRead); err != nil {
		return 0, err
	}
	var id int64
	sc, args := s.scope(pr, "h.community_id", "h.grid_id")
	err := s.DB.QueryRowContext(ctx, `SELECT h.id FROM reg_household h WHERE h.community_id = ? AND h.number = ? AND h.status = 'active' AND `+sc,
		append([]any{community, number}, args...)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// PeoplePerBuilding counts the active residents in scope of each building of a grid.
func (s *Service) PeoplePerBuilding(ctx context.Context, pr *auth.Principal, grid int64) (map[int64]int, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scope(pr, "p.community_id", "p.grid_id")
	rows, err := s.DB.QueryContext(ctx, `SELECT d.building_id, COUNT(*) FROM reg_person p JOIN dwelling d ON d.community_id = p.community_id AND d.id = p.dwelling_id
		WHERE p.status = 'active' AND p.grid_id = ? AND `+sc+` GROUP BY d.building_id`, append([]any{grid}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var b int64
		var n int
		if err := rows.Scan(&b, &n); err != nil {
			return nil, err
		}
		out[b] = n
	}
	return out, rows.Err()
}

// ResidentHome says where a resident account's own registry person lives, so
// that the portal can file their requests in the right community and grid.
// It reads past scope on purpose: a resident has no org scope, and the answer
// is only about themselves.
func (s *Service) ResidentHome(ctx context.Context, pr *auth.Principal) (communityID, gridID int64, ok bool) {
	if pr == nil || pr.PersonID == 0 {
		return 0, 0, false
	}
	err := s.DB.QueryRowContext(ctx, `SELECT community_id, COALESCE(grid_id, 0) FROM reg_person WHERE id = ? AND status = ?`, pr.PersonID, StatusActive).
		Scan(&communityID, &gridID)
	return communityID, gridID, err == nil
}

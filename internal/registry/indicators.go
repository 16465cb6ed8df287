package registry

import (
	"context"

	"linli/internal/auth"
)

// CountIn counts the active people and households of one community (gridID
// 0) or one grid within pr's scope: the figures of the indicators board
// (人口, 户数).
func (s *Service) CountIn(ctx context.Context, pr *auth.Principal, communityID, gridID int64) (people, households int, err error) {
	if err := pr.Require(PermRead); err != nil {
		return 0, 0, err
	}
	for _, t := range []struct {
		table string
		n     *int
	}{{"reg_person", &people}, {"reg_household", &households}} {
		sc, args := s.scope(pr, "x.community_id", "x.grid_id")
		q := `SELECT COUNT(*) FROM ` + t.table + ` x WHERE x.status = 'active' AND x.community_id = ? AND ` + sc
		args = append([]any{communityID}, args...)
		if gridID != 0 {
			q += ` AND x.grid_id = ?`
			args = append(args, gridID)
		}
		if err := s.DB.QueryRowContext(ctx, q, args...).Scan(t.n); err != nil {
			return 0, 0, err
		}
	}
	return people, households, nil
}

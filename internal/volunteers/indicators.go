package volunteers

import (
	"context"
	"fmt"
	"strconv"

	"linli/internal/auth"
)

// YearFigures are a community's volunteer figures for the indicators board:
// confirmed volunteers now, and the confirmed hours served in each month of
// year (Minutes[0] is January).
type YearFigures struct {
	Registered int
	Minutes    [12]int
}

// FiguresIn counts community c's figures in year, if p reaches it.
func (s *Service) FiguresIn(ctx context.Context, p *auth.Principal, c int64, year int) (YearFigures, error) {
	var f YearFigures
	if err := p.Require(PermRead); err != nil {
		return f, err
	}
	if !reaches(p, c) {
		return f, auth.ErrNotFound
	}
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM vol_volunteer WHERE community_id = ? AND status = ?`, c, StatusConfirmed).Scan(&f.Registered); err != nil {
		return f, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT served_on, minutes FROM vol_record WHERE community_id = ? AND status = ? AND served_on >= ? AND served_on <= ?`,
		c, RecordConfirmed, fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year))
	if err != nil {
		return f, err
	}
	defer rows.Close()
	for rows.Next() {
		var on string
		var m int
		if err := rows.Scan(&on, &m); err != nil {
			return f, err
		}
		if mo, err := strconv.Atoi(on[5:7]); err == nil && mo >= 1 && mo <= 12 {
			f.Minutes[mo-1] += m
		}
	}
	return f, rows.Err()
}

package goals

import (
	"context"

	"linli/internal/auth"
)

// PeriodValues are the figures of unit orgID (one p reaches) over some months
// of year (1–12): each indicator's Value summed over those months, a ratio as
// the ratio of the sums, a stock figure as of now. It is read-only and serves
// the reports (报表) that fill themselves from the indicators; the figures are
// the board's, with its minute of caching per reader.
func (s *Service) PeriodValues(ctx context.Context, p *auth.Principal, orgID int64, year int, months []int) ([]Def, map[string]Value, error) {
	u, err := s.Unit(ctx, p, orgID)
	if err != nil {
		return nil, nil, err
	}
	defs, err := s.Defs(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	res, err := s.values(ctx, p, u, year, defs)
	if err != nil {
		return nil, nil, err
	}
	out := map[string]Value{}
	for _, d := range defs {
		var v Value
		if d.Stock {
			v = res.Year[d.Code]
		} else {
			for _, m := range months {
				if m >= 1 && m <= 12 {
					v.add(res.Months[m-1][d.Code], d.Rollup)
				}
			}
		}
		out[d.Code] = v
	}
	return defs, out, nil
}

// DefsOf are the indicators shown for unit orgID (one p reaches): those a
// report form may name.
func (s *Service) DefsOf(ctx context.Context, p *auth.Principal, orgID int64) ([]Def, error) {
	u, err := s.Unit(ctx, p, orgID)
	if err != nil {
		return nil, err
	}
	return s.Defs(ctx, u)
}

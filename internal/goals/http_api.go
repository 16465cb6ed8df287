package goals

import (
	"net/http"

	"linli/internal/auth"
	"linli/internal/web"
)

// APIRoutes registers the JSON API.
func (s *Service) APIRoutes(srv *web.Server) {
	srv.API("GET", "/api/v1/indicators", PermRead, "", s.apiIndicators)
}

// IndicatorJSON is one indicator of a unit's board. Actual and Target are
// in the figure's own terms (a ratio as a fraction, as /api/v1/cases/stats
// gives its rates), null without a base or a target.
type IndicatorJSON struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	Unit       string   `json:"unit"`
	Direction  string   `json:"direction"`
	Rollup     string   `json:"rollup"`
	Actual     *float64 `json:"actual"`
	Target     *float64 `json:"target"`
	Light      string   `json:"light"`
	Definition string   `json:"definition"`
}

func (s *Service) apiIndicators(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	year := web.QueryInt(r, "year", s.ThisYear(), 2000, 2100)
	b, err := s.Board(r.Context(), p, web.QueryID(r.URL.Query(), "org"), year)
	if err != nil {
		return err
	}
	out := struct {
		OrgID int64           `json:"org_id"`
		Year  int             `json:"year"`
		Items []IndicatorJSON `json:"items"`
	}{OrgID: b.Unit.ID, Year: year, Items: []IndicatorJSON{}}
	for _, row := range b.Rows {
		it := IndicatorJSON{Code: row.Code, Name: row.Title(), Unit: row.Unit, Direction: string(row.Direction), Rollup: string(row.Rollup), Light: row.Light,
			Definition: row.Text()}
		if row.HasActual {
			a := row.Actual
			it.Actual = &a
		}
		if row.Target != nil {
			t := row.Target.Value
			it.Target = &t
		} else if row.Direction == Zero {
			z := 0.0
			it.Target = &z
		}
		out.Items = append(out.Items, it)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

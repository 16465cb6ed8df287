package reports

import (
	"net/http"
	"strconv"

	"linli/internal/auth"
	"linli/internal/web"
)

// APIRoutes registers the JSON API.
func (s *Service) APIRoutes(srv *web.Server) {
	srv.API("GET", "/api/v1/reports", PermRead, "", s.apiList)
	srv.API("GET", "/api/v1/reports/{id}", PermRead, "report", s.apiGet)
}

// ReportJSON is a report as listed.
type ReportJSON struct {
	ID        int64  `json:"id"`
	Form      string `json:"form"`
	FormID    int64  `json:"form_id"`
	OrgID     int64  `json:"org_id"`
	OrgName   string `json:"org_name"`
	Period    string `json:"period"`
	State     string `json:"state"`
	DueDate   string `json:"due_date"`
	Late      bool   `json:"late"`
	Remarks   string `json:"remarks"`
	Approved  *int64 `json:"approved_at"`
	Approver  string `json:"approved_by"`
	Returning string `json:"return_comment"`
}

// RowJSON is one row of a report: an indicator's figure (value in its own
// terms, a ratio as a fraction, with its numerator and denominator) or a
// typed field (text).
type RowJSON struct {
	Key         string   `json:"key"`
	Kind        string   `json:"kind"`
	Label       string   `json:"label"`
	Unit        string   `json:"unit"`
	Value       *float64 `json:"value"`
	Numerator   *float64 `json:"numerator,omitempty"`
	Denominator *float64 `json:"denominator,omitempty"`
	Text        string   `json:"text"`
}

func (s *Service) toJSON(r *Report) ReportJSON {
	out := ReportJSON{ID: r.ID, Form: r.FormName, FormID: r.FormID, OrgID: r.CommunityID, OrgName: r.CommunityName, Period: r.Period, State: r.State,
		DueDate: r.DueDate, Late: r.Late(s.today()), Remarks: r.Remarks, Approver: r.ApprovedByName, Returning: r.ReturnComment}
	if r.State == Approved {
		at := r.ApprovedAt
		out.Approved = &at
	}
	return out
}

func (s *Service) apiList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	q := r.URL.Query()
	form, _ := strconv.ParseInt(q.Get("form_id"), 10, 64)
	list, err := s.List(r.Context(), p, Filter{FormID: form, Period: q.Get("period"), State: q.Get("state")})
	if err != nil {
		return err
	}
	out := struct {
		Items []ReportJSON `json:"items"`
	}{Items: []ReportJSON{}}
	for _, rep := range list {
		out.Items = append(out.Items, s.toJSON(rep))
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rep, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	out := struct {
		ReportJSON
		Live bool      `json:"live"`
		Rows []RowJSON `json:"rows"`
	}{ReportJSON: s.toJSON(rep), Live: rep.Live, Rows: []RowJSON{}}
	for _, row := range rep.Rows {
		j := RowJSON{Key: row.Key, Kind: row.Kind, Label: row.Label, Unit: row.Unit, Text: rep.Value(row)}
		if row.Indicator() {
			f := rep.Figures[row.Key]
			if v, ok := f.Value(); ok {
				j.Value = &v
			}
			if f.Ratio && f.Has {
				n, d := f.Num, f.Den
				j.Numerator, j.Denominator = &n, &d
			}
		} else if row.Kind == KindNumber {
			if v, err := strconv.ParseFloat(rep.Entered[row.Key], 64); err == nil {
				j.Value = &v
			}
		}
		out.Rows = append(out.Rows, j)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

package workplans

import (
	"net/http"

	"linli/internal/auth"
	"linli/internal/web"
)

// APIRoutes registers the JSON API: the documents of a unit and year, and
// one document whole.
func (s *Service) APIRoutes(srv *web.Server) {
	srv.API("GET", "/api/v1/workplans", PermRead, "", s.apiList)
	srv.API("GET", "/api/v1/workplans/{id}", PermRead, "work_plan", s.apiGet)
}

// PlanJSON is a document as the API gives it (tasks and figures only on
// the one-document route).
type PlanJSON struct {
	ID        int64      `json:"id"`
	UnitID    int64      `json:"unit_id"`
	Unit      string     `json:"unit"`
	Year      int        `json:"year"`
	Kind      string     `json:"kind"`
	Month     int        `json:"month,omitempty"`
	Title     string     `json:"title"`
	DocNumber string     `json:"doc_number"`
	Theme     string     `json:"theme,omitempty"`
	State     string     `json:"state"`
	Sections  []Section  `json:"sections,omitempty"`
	Group     []Member   `json:"leading_group,omitempty"`
	Tasks     []TaskJSON `json:"tasks,omitempty"`
	Figures   []Figure   `json:"figures,omitempty"`
}

// TaskJSON is a task.
type TaskJSON struct {
	ID         int64  `json:"id"`
	Department string `json:"department"`
	Content    string `json:"content"`
	Owner      string `json:"owner"`
	Deadline   string `json:"deadline"`
	Status     string `json:"status"`
	Late       bool   `json:"late"`
}

func planJSON(pl *Plan, whole bool) PlanJSON {
	out := PlanJSON{ID: pl.ID, UnitID: pl.UnitID, Unit: pl.UnitName, Year: pl.Year, Kind: string(pl.Kind), Month: pl.Month, Title: pl.Title, DocNumber: pl.DocNumber,
		Theme: pl.Theme, State: pl.State}
	if whole {
		out.Sections, out.Group, out.Figures = pl.Sections, pl.Group, pl.Figures
		for _, t := range pl.Tasks {
			out.Tasks = append(out.Tasks, TaskJSON{ID: t.ID, Department: t.Department, Content: t.Content, Owner: t.Owner, Deadline: t.Deadline, Status: t.Status, Late: t.Late})
		}
	}
	return out
}

func (s *Service) apiList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	year := web.QueryInt(r, "year", s.ThisYear(), 2000, 2100)
	u, err := s.Unit(r.Context(), p, queryOrg(r))
	if err != nil {
		return err
	}
	plans, err := s.List(r.Context(), p, u, year)
	if err != nil {
		return err
	}
	out := struct {
		OrgID int64      `json:"org_id"`
		Year  int        `json:"year"`
		Items []PlanJSON `json:"items"`
	}{OrgID: u.ID, Year: year, Items: []PlanJSON{}}
	for _, pl := range plans {
		out.Items = append(out.Items, planJSON(pl, false))
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	pl, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, planJSON(pl, true))
	return nil
}

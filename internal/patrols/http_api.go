package patrols

import (
	"net/http"

	"linli/internal/auth"
	"linli/internal/web"
)

// APIRoutes registers the JSON API: start, end, track points, the list and
// one patrol.
func (s *Service) APIRoutes(srv *web.Server) {
	srv.API("GET", "/api/v1/patrols", PermRead, "", s.apiList)
	srv.API("POST", "/api/v1/patrols", PermPatrol, "", s.apiStart)
	srv.API("GET", "/api/v1/patrols/{id}", PermRead, "patrol", s.apiGet)
	srv.API("POST", "/api/v1/patrols/{id}/end", PermPatrol, "patrol", s.apiEnd)
	srv.API("POST", "/api/v1/patrols/{id}/points", PermPatrol, "patrol", s.apiPoints)
}

// PatrolJSON is one patrol.
type PatrolJSON struct {
	ID           int64  `json:"id"`
	CommunityID  int64  `json:"community_id"`
	GridID       int64  `json:"grid_id"`
	Grid         string `json:"grid"`
	UserID       int64  `json:"user_id"`
	User         string `json:"user"`
	Day          string `json:"day"`
	StartedAt    int64  `json:"started_at"`
	EndedAt      int64  `json:"ended_at"`
	Open         bool   `json:"open"`
	Minutes      int    `json:"minutes"`
	TrackConsent bool   `json:"track_consent"`
	Note         string `json:"note"`
	Points       int    `json:"points"`
	CanEnd       bool   `json:"can_end"`
	CanPoints    bool   `json:"can_add_points"`
}

func patrolJSON(pt *Patrol) PatrolJSON {
	return PatrolJSON{ID: pt.ID, CommunityID: pt.CommunityID, GridID: pt.GridID, Grid: pt.GridName, UserID: pt.UserID, User: pt.UserName, Day: pt.Day,
		StartedAt: pt.StartedAt, EndedAt: pt.EndedAt, Open: pt.Open(), Minutes: pt.Minutes, TrackConsent: pt.TrackConsent, Note: pt.Note, Points: pt.Points,
		CanEnd: pt.Access.End, CanPoints: pt.Access.Points}
}

func (s *Service) apiList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	q := r.URL.Query()
	f := Filter{From: q.Get("from"), To: q.Get("to"), Limit: web.QueryInt(r, "limit", 50, 1, 500), Offset: web.QueryInt(r, "offset", 0, 0, 1<<30)}
	if q.Get("mine") == "1" {
		f.UserID = p.UserID
		if f.UserID == 0 {
			f.UserID = -1
		}
	}
	list, total, err := s.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	items := make([]PatrolJSON, 0, len(list))
	for _, pt := range list {
		items = append(items, patrolJSON(pt))
	}
	web.WriteJSON(w, http.StatusOK, struct {
		Total int          `json:"total"`
		Items []PatrolJSON `json:"items"`
	}{total, items})
	return nil
}

func (s *Service) apiStart(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in struct {
		GridID       int64  `json:"grid_id"`
		TrackConsent bool   `json:"track_consent"`
		Note         string `json:"note"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	id, again, err := s.Start(r.Context(), p, StartInput{GridID: in.GridID, TrackConsent: in.TrackConsent, Note: in.Note})
	if err != nil {
		return err
	}
	pt, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if again {
		status = http.StatusOK // the patrol already running
	}
	web.WriteJSON(w, status, patrolJSON(pt))
	return nil
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	pt, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, patrolJSON(pt))
	return nil
}

func (s *Service) apiEnd(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.End(r.Context(), p, id); err != nil {
		return err
	}
	pt, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, patrolJSON(pt))
	return nil
}

func (s *Service) apiPoints(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Points []Point `json:"points"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	n, err := s.AddPoints(r.Context(), p, id, in.Points)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, struct {
		Added int `json:"added"`
	}{n})
	return nil
}

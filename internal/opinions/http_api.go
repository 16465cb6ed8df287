package opinions

import (
	"net/http"

	"linli/internal/auth"
	"linli/internal/web"
)

// APIRoutes registers the JSON API: list, read, record and answer opinions.
func (s *Service) APIRoutes(srv *web.Server) {
	srv.API("GET", "/api/v1/opinions", PermRead, "", s.apiList)
	srv.API("POST", "/api/v1/opinions", PermWrite, "", s.apiCreate)
	srv.API("GET", "/api/v1/opinions/{id}", PermRead, "op_opinion", s.apiGet)
	srv.API("POST", "/api/v1/opinions/{id}/answer", PermWrite, "op_opinion", s.apiAnswer)
}

// OpinionJSON is one opinion.
type OpinionJSON struct {
	ID           int64  `json:"id"`
	CommunityID  int64  `json:"community_id"`
	GridID       int64  `json:"grid_id,omitempty"`
	Category     string `json:"category"`
	CategoryName string `json:"category_name"`
	Source       string `json:"source"`
	SourceName   string `json:"source_name"`
	MeetingID    int64  `json:"meeting_id,omitempty"`
	RecordID     int64  `json:"record_id,omitempty"`
	Content      string `json:"content"`
	PersonID     int64  `json:"person_id,omitempty"`
	Raiser       string `json:"raiser"`
	PhoneMask    string `json:"phone_mask,omitempty"`
	Status       string `json:"status"`
	StatusName   string `json:"status_name"`
	Answer       string `json:"answer"`
	AnsweredAt   int64  `json:"answered_at,omitempty"`
	CaseID       int64  `json:"case_id,omitempty"`
	RaisedOn     string `json:"raised_on"`
	CreatedAt    int64  `json:"created_at"`
}

func toJSON(o *Opinion) OpinionJSON {
	return OpinionJSON{ID: o.ID, CommunityID: o.CommunityID, GridID: o.GridID, Category: o.Category, CategoryName: o.CategoryName(), Source: o.Source,
		SourceName: o.SourceName(), MeetingID: o.MeetingID, RecordID: o.RecordID, Content: o.Content, PersonID: o.PersonID, Raiser: o.Raiser(),
		PhoneMask: o.PhoneMask, Status: o.Status, StatusName: o.StatusName(), Answer: o.Answer, AnsweredAt: o.AnsweredAt, CaseID: o.CaseID,
		RaisedOn: o.RaisedOn, CreatedAt: o.CreatedAt}
}

func (s *Service) apiList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	q := r.URL.Query()
	f := Filter{Month: q.Get("month"), Category: q.Get("category"), Source: q.Get("source"), Status: q.Get("status"),
		CommunityID: web.QueryID(q, "community_id"), GridID: web.QueryID(q, "grid_id"), MeetingID: web.QueryID(q, "meeting_id"), Q: q.Get("q"),
		Limit: web.QueryInt(r, "limit", 50, 1, 500), Offset: web.QueryInt(r, "offset", 0, 0, 1<<30)}
	list, total, err := s.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	items := make([]OpinionJSON, 0, len(list))
	for _, o := range list {
		items = append(items, toJSON(o))
	}
	web.WriteJSON(w, http.StatusOK, struct {
		Total int           `json:"total"`
		Items []OpinionJSON `json:"items"`
	}{total, items})
	return nil
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	o, _, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toJSON(o))
	return nil
}

// CreateJSON is a new opinion (OpinionInput with its JSON names).
type CreateJSON struct {
	CommunityID int64  `json:"community_id"`
	GridID      int64  `json:"grid_id"`
	Category    string `json:"category"`
	Source      string `json:"source"`
	MeetingID   int64  `json:"meeting_id"`
	RecordID    int64  `json:"record_id"`
	Content     string `json:"content"`
	PersonID    int64  `json:"person_id"`
	RaiserName  string `json:"raiser_name"`
	RaiserPhone string `json:"raiser_phone"`
	RaisedOn    string `json:"raised_on"`
}

func (s *Service) apiCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in CreateJSON
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	id, err := s.Create(r.Context(), p, OpinionInput(in))
	if err != nil {
		return err
	}
	o, _, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toJSON(o))
	return nil
}

func (s *Service) apiAnswer(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Answer string `json:"answer"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.Answer(r.Context(), p, id, in.Answer); err != nil {
		return err
	}
	o, _, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toJSON(o))
	return nil
}

package activities

import (
	"net/http"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// APIRoutes registers the JSON API: activities (list, one, create,
// publish, cancel) and sign-ups (sign up, withdraw, the roster).
func (s *Service) APIRoutes(srv *web.Server) {
	srv.API("GET", "/api/v1/activities", PermRead, "", s.apiList)
	srv.API("POST", "/api/v1/activities", PermManage, "", s.apiCreate)
	srv.API("GET", "/api/v1/activities/{id}", PermRead, "activity", s.apiGet)
	srv.API("POST", "/api/v1/activities/{id}/publish", PermManage, "activity", s.apiPublish)
	srv.API("POST", "/api/v1/activities/{id}/cancel", PermManage, "activity", s.apiCancel)
	srv.API("POST", "/api/v1/activities/{id}/summary", PermManage, "activity", s.apiSummary)
	srv.API("GET", "/api/v1/activities/{id}/signups", PermRead, "activity", s.apiRoster)
	srv.API("POST", "/api/v1/activities/{id}/signups", PermJoin, "activity", s.apiSignUp)
	srv.API("POST", "/api/v1/activities/{id}/signups/cancel", PermJoin, "activity", s.apiWithdraw)
}

// JSON is one activity.
type JSON struct {
	ID           int64  `json:"id"`
	CommunityID  int64  `json:"community_id"`
	Community    string `json:"community"`
	Title        string `json:"title"`
	Topic        string `json:"topic"`
	Format       string `json:"format"`
	ThemeID      int64  `json:"theme_id"`
	Organiser    string `json:"organiser"`
	Partners     string `json:"partners"`
	Speakers     string `json:"speakers"`
	VenueID      int64  `json:"venue_id"`
	Place        string `json:"place"`
	StartsAt     string `json:"starts_at"`
	EndsAt       string `json:"ends_at"`
	AudienceTag  string `json:"audience_tag"`
	AudienceNote string `json:"audience_note"`
	Quota        int    `json:"quota"`
	Budget       int    `json:"budget"`
	Materials    string `json:"materials"`
	Content      string `json:"content"`
	Status       string `json:"status"`
	CancelNote   string `json:"cancel_note"`
	Accepted     int    `json:"accepted"`
	Waiting      int    `json:"waiting"`
	Attended     int    `json:"attended"`
	WalkIns      int    `json:"walkins"`
	Summary      string `json:"summary"`
}

func rfc(ms int64) string { return time.UnixMilli(ms).In(web.Local).Format(time.RFC3339) }

func toJSON(a *Activity) JSON {
	return JSON{ID: a.ID, CommunityID: a.CommunityID, Community: a.CommunityName, Title: a.Title, Topic: a.Topic, Format: a.Format, ThemeID: a.ThemeID,
		Organiser: a.Organiser, Partners: a.Partners, Speakers: a.Speakers, VenueID: a.VenueID, Place: a.Place, StartsAt: rfc(a.StartsAt), EndsAt: rfc(a.EndsAt),
		AudienceTag: a.AudienceTag, AudienceNote: a.AudienceNote, Quota: a.Quota, Budget: a.Budget, Materials: a.Materials, Content: a.Content,
		Status: a.Status, CancelNote: a.CancelNote, Accepted: a.Accepted, Waiting: a.Waiting, Attended: a.Attended, WalkIns: a.WalkIns, Summary: a.Summary}
}

func (s *Service) apiList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	f := filterOf(r)
	f.Limit, f.Offset = web.QueryInt(r, "limit", 100, 1, 500), web.QueryInt(r, "offset", 0, 0, 1<<30)
	list, total, err := s.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	items := make([]JSON, 0, len(list))
	for _, a := range list {
		items = append(items, toJSON(a))
	}
	web.WriteJSON(w, http.StatusOK, struct {
		Total int    `json:"total"`
		Items []JSON `json:"items"`
	}{total, items})
	return nil
}

func parseTime(field, label, v string, errs *i18n.Errors) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		errs.Add(field, "activities.err_time", "field", label)
	}
	return t
}

func (s *Service) apiCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in struct {
		OrgID        int64  `json:"org_id"`
		CommunityID  int64  `json:"community_id"`
		Title        string `json:"title"`
		Topic        string `json:"topic"`
		Format       string `json:"format"`
		ThemeID      int64  `json:"theme_id"`
		Organiser    string `json:"organiser"`
		Partners     string `json:"partners"`
		Speakers     string `json:"speakers"`
		VenueID      int64  `json:"venue_id"`
		Place        string `json:"place"`
		StartsAt     string `json:"starts_at"`
		EndsAt       string `json:"ends_at"`
		AudienceTag  string `json:"audience_tag"`
		AudienceNote string `json:"audience_note"`
		Quota        int    `json:"quota"`
		Budget       int    `json:"budget"`
		Materials    string `json:"materials"`
		Content      string `json:"content"`
		Publish      bool   `json:"publish"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	ai := Input{OrgID: in.OrgID, Title: in.Title, Topic: in.Topic, Format: in.Format, ThemeID: in.ThemeID, Organiser: in.Organiser, Partners: in.Partners,
		Speakers: in.Speakers, VenueID: in.VenueID, Place: in.Place, AudienceTag: in.AudienceTag, AudienceNote: in.AudienceNote, Quota: in.Quota,
		Budget: in.Budget, Materials: in.Materials, Content: in.Content, Publish: in.Publish,
		StartsAt: parseTime("starts_at", i18n.T("activities.starts_at"), in.StartsAt, errs), EndsAt: parseTime("ends_at", i18n.T("activities.ends_at"), in.EndsAt, errs)}
	ai.pre = errs
	if ai.OrgID == 0 {
		ai.OrgID = in.CommunityID
	}
	if ai.OrgID == 0 {
		// One community held wholly: the activity is that community's.
		places, err := s.Places(r.Context(), p)
		if err != nil {
			return err
		}
		var comms []int64
		for _, u := range places {
			if u.Level == "community" {
				comms = append(comms, u.ID)
			}
		}
		if len(comms) == 1 {
			ai.OrgID = comms[0]
		}
	}
	id, err := s.Create(r.Context(), p, ai)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, struct {
		ID int64 `json:"id"`
	}{id})
	return nil
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	files, err := s.Files(r.Context(), a)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, withFiles(a, files))
	return nil
}

func (s *Service) apiPublish(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Publish(r.Context(), p, id); err != nil {
		return err
	}
	return s.apiGet(w, r, p)
}

func (s *Service) apiCancel(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Note string `json:"note"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.Cancel(r.Context(), p, id, in.Note); err != nil {
		return err
	}
	return s.apiGet(w, r, p)
}

// SignUpJSON is one sign-up on the roster.
type SignUpJSON struct {
	PersonID     int64  `json:"person_id"`
	Name         string `json:"name"`
	Status       string `json:"status"`
	Position     int    `json:"position"`
	Source       string `json:"source"`
	Attended     bool   `json:"attended"`
	Satisfaction int    `json:"satisfaction"`
	Feedback     string `json:"feedback"`
}

func (s *Service) apiRoster(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	list, err := s.Roster(r.Context(), p, a)
	if err != nil {
		return err
	}
	items := make([]SignUpJSON, 0, len(list))
	for _, x := range list {
		items = append(items, SignUpJSON{PersonID: x.PersonID, Name: x.Name, Status: x.Status, Position: x.Position, Source: x.Source,
			Attended: x.AttendedAt != 0, Satisfaction: x.Satisfaction, Feedback: x.Feedback})
	}
	web.WriteJSON(w, http.StatusOK, struct {
		Items []SignUpJSON `json:"items"`
	}{items})
	return nil
}

type personBody struct {
	PersonID int64 `json:"person_id"`
}

func (s *Service) apiSignUp(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in personBody
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	res, err := s.SignUp(r.Context(), p, id, in.PersonID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (s *Service) apiWithdraw(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in personBody
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.CancelSignUp(r.Context(), p, id, in.PersonID); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, struct {
		Status string `json:"status"`
	}{SignCancelled})
	return nil
}

package volunteers

import (
	"net/http"

	"linli/internal/auth"
	"linli/internal/web"
)

// APIRoutes registers the JSON API: volunteers (list, one with hours by
// year and level), recording a volunteer's service, and the expert pool.
func (s *Service) APIRoutes(srv *web.Server) {
	srv.API("GET", "/api/v1/volunteers", PermRead, "", s.apiList)
	srv.API("GET", "/api/v1/volunteers/{id}", PermRead, "volunteer", s.apiGet)
	srv.API("POST", "/api/v1/volunteers/{id}/records", PermWrite, "volunteer", s.apiRecord)
	srv.API("GET", "/api/v1/volunteer-experts", PermRead, "", s.apiExperts)
}

// VolunteerJSON is one volunteer.
type VolunteerJSON struct {
	ID           int64      `json:"id"`
	CommunityID  int64      `json:"community_id"`
	Community    string     `json:"community"`
	PersonID     int64      `json:"person_id"`
	Name         string     `json:"name"`
	Phone        string     `json:"phone_masked"`
	Skills       string     `json:"skills"`
	Availability string     `json:"availability"`
	Training     string     `json:"training"`
	Status       string     `json:"status"`
	Source       string     `json:"source"`
	Hours        float64    `json:"hours"`
	Stars        *int       `json:"stars,omitempty"`
	ToNextHours  *float64   `json:"to_next_hours,omitempty"`
	Years        []YearJSON `json:"years,omitempty"`
}

// YearJSON is a year's confirmed hours.
type YearJSON struct {
	Year  string  `json:"year"`
	Hours float64 `json:"hours"`
}

func volunteerJSON(v *Volunteer) VolunteerJSON {
	return VolunteerJSON{ID: v.ID, CommunityID: v.CommunityID, Community: v.CommunityName, PersonID: v.PersonID, Name: v.Name, Phone: v.PhoneMask,
		Skills: v.Skills, Availability: v.Availability, Training: v.Training, Status: v.Status, Source: v.Source, Hours: float64(v.Minutes) / 60}
}

func (s *Service) apiList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, err := s.List(r.Context(), p, volunteerFilter(r))
	if err != nil {
		return err
	}
	items := make([]VolunteerJSON, 0, len(list))
	for _, v := range list {
		items = append(items, volunteerJSON(v))
	}
	web.WriteJSON(w, http.StatusOK, struct {
		Items []VolunteerJSON `json:"items"`
	}{items})
	return nil
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	years, total, err := s.YearTotals(r.Context(), v)
	if err != nil {
		return err
	}
	bands, err := s.Bands(r.Context(), v.CommunityID)
	if err != nil {
		return err
	}
	l := LevelOf(total, bands)
	out := volunteerJSON(v)
	out.Stars = &l.Stars
	if l.NextAt > 0 {
		h := float64(l.ToNext) / 60
		out.ToNextHours = &h
	}
	out.Years = []YearJSON{}
	for _, y := range years {
		out.Years = append(out.Years, YearJSON{Year: y.Year, Hours: float64(y.Minutes) / 60})
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Service) apiRecord(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		ServedOn    string `json:"served_on"`
		Hours       string `json:"hours"`
		What        string `json:"what"`
		Place       string `json:"place"`
		Beneficiary string `json:"beneficiary"`
		TeamID      int64  `json:"team_id"`
		Source      string `json:"source"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Source == "" {
		in.Source = SourceStaff
	}
	rid, err := s.AddRecord(r.Context(), p, RecordInput{VolunteerID: id, TeamID: in.TeamID, ServedOn: in.ServedOn, Hours: in.Hours, What: in.What,
		Place: in.Place, Beneficiary: in.Beneficiary, Source: in.Source})
	if err != nil {
		return err
	}
	rec, err := s.GetRecord(r.Context(), p, rid)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}{rid, rec.Status})
	return nil
}

// ExpertJSON is one expert of the pool.
type ExpertJSON struct {
	ID           int64  `json:"id"`
	CommunityID  int64  `json:"community_id"`
	Name         string `json:"name"`
	Field        string `json:"field"`
	Organisation string `json:"organisation"`
	Topics       string `json:"topics"`
	Phone        string `json:"phone_masked"`
}

func (s *Service) apiExperts(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, err := s.Experts(r.Context(), p, expertQuery(r))
	if err != nil {
		return err
	}
	items := make([]ExpertJSON, 0, len(list))
	for _, e := range list {
		items = append(items, ExpertJSON{ID: e.ID, CommunityID: e.CommunityID, Name: e.Name, Field: e.Field, Organisation: e.Organisation, Topics: e.Topics,
			Phone: e.PhoneMask})
	}
	web.WriteJSON(w, http.StatusOK, struct {
		Items []ExpertJSON `json:"items"`
	}{items})
	return nil
}

package registry

import (
	"net/http"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// The registry's JSON API: the same service calls as the pages, values masked.

func (h *webHandlers) apiRoutes() {
	h.srv.API("GET", "/api/v1/people", PermRead, "", h.apiPeople)
	h.srv.API("POST", "/api/v1/people", PermWrite, "", h.apiPersonCreate)
	h.srv.API("GET", "/api/v1/people/{id}", PermRead, "person", h.apiPerson)
	h.srv.API("PUT", "/api/v1/people/{id}", PermWrite, "person", h.apiPersonUpdate)
	h.srv.API("POST", "/api/v1/people/{id}/reveal", PermReveal, "person", h.apiPersonReveal)
	h.srv.API("GET", "/api/v1/households/{id}", PermRead, "household", h.apiHousehold)
	h.srv.API("GET", "/api/v1/tags", PermRead, "", h.apiTags)
}

// TagJSON is a group in the API.
type TagJSON struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Sensitivity int    `json:"sensitivity"`
	Active      bool   `json:"active"`
}

// PersonJSON is a person in the API: the ID number and phone masked.
type PersonJSON struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	Sex             string    `json:"sex"`
	BirthDate       string    `json:"birth_date"`
	Age             *int      `json:"age"`
	IDType          string    `json:"id_type"`
	IDNumberMasked  string    `json:"id_number_masked"`
	PhoneMasked     string    `json:"phone_masked"`
	CommunityID     int64     `json:"community_id"`
	GridID          int64     `json:"grid_id,omitempty"`
	DwellingID      int64     `json:"dwelling_id,omitempty"`
	Address         string    `json:"address"`
	HouseholdID     int64     `json:"household_id,omitempty"`
	HouseholdNumber string    `json:"household_number"`
	Relation        string    `json:"relation"`
	IsHead          bool      `json:"is_head"`
	ResidenceType   string    `json:"residence_type"`
	Status          string    `json:"status"`
	Ethnicity       string    `json:"ethnicity"`
	Political       string    `json:"political"`
	Education       string    `json:"education"`
	Marital         string    `json:"marital"`
	Employer        string    `json:"employer"`
	HukouAddress    string    `json:"hukou_address"`
	Remark          string    `json:"remark"`
	Tags            []TagJSON `json:"tags"`
	UpdatedAt       int64     `json:"updated_at"`
}

func tagJSON(t *Tag) TagJSON {
	return TagJSON{Code: t.Code, Name: t.Name, Sensitivity: t.Sensitivity, Active: t.Active}
}

func personJSON(p *Person, now time.Time) PersonJSON {
	out := PersonJSON{ID: p.ID, Name: p.Name, Sex: p.Sex, BirthDate: p.BirthDate, IDType: p.IDType, IDNumberMasked: p.IDMask, PhoneMasked: p.PhoneMask,
		CommunityID: p.CommunityID, GridID: p.GridID, DwellingID: p.DwellingID, Address: p.Address, HouseholdID: p.HouseholdID,
		HouseholdNumber: p.HouseholdNumber, Relation: p.Relation, IsHead: p.IsHead(), ResidenceType: p.ResidenceType, Status: p.Status,
		Ethnicity: p.Ethnicity, Political: p.Political, Education: p.Education, Marital: p.Marital, Employer: p.Employer,
		HukouAddress: p.HukouAddress, Remark: p.Remark, Tags: []TagJSON{}, UpdatedAt: p.UpdatedAt}
	if p.BirthDate != "" {
		age := p.Age(now)
		out.Age = &age
	}
	for _, t := range p.Tags {
		out.Tags = append(out.Tags, tagJSON(t))
	}
	return out
}

func (h *webHandlers) apiPeople(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	f := ParseFilter(r.URL.Query())
	f.Limit = web.QueryInt(r, "limit", 50, 1, 500)
	f.Offset = web.QueryInt(r, "offset", 0, 0, 1<<30)
	people, total, err := h.s.ListPeople(r.Context(), p, f)
	if err != nil {
		return err
	}
	now := h.s.now()
	items := make([]PersonJSON, 0, len(people))
	for _, x := range people {
		items = append(items, personJSON(x, now))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"total": total, "items": items})
	return nil
}

func (h *webHandlers) apiPerson(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	person, err := h.s.GetPerson(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, personJSON(person, h.s.now()))
	return nil
}

// personReq is the body of POST and PUT /api/v1/people. Placement fields are
// used on creation only; later moves have their own pages.
type personReq struct {
	Name            string    `json:"name"`
	Sex             string    `json:"sex"`
	BirthDate       string    `json:"birth_date"`
	IDType          string    `json:"id_type"`
	IDNumber        string    `json:"id_number"`
	Phone           string    `json:"phone"`
	Ethnicity       string    `json:"ethnicity"`
	Political       string    `json:"political"`
	Education       string    `json:"education"`
	Marital         string    `json:"marital"`
	Employer        string    `json:"employer"`
	HukouAddress    string    `json:"hukou_address"`
	ResidenceType   string    `json:"residence_type"`
	Remark          string    `json:"remark"`
	Tags            *[]string `json:"tags"`
	CommunityID     int64     `json:"community_id"`
	DwellingID      int64     `json:"dwelling_id"`
	HouseholdID     int64     `json:"household_id"`
	HouseholdNumber string    `json:"household_number"`
	Relation        string    `json:"relation"`
	Since           string    `json:"since"`
	Event           string    `json:"event"`
}

func (q personReq) input() PersonInput {
	in := PersonInput{Name: q.Name, Sex: q.Sex, BirthDate: q.BirthDate, IDType: q.IDType, IDNumber: q.IDNumber, Phone: q.Phone,
		Ethnicity: q.Ethnicity, Political: q.Political, Education: q.Education, Marital: q.Marital, Employer: q.Employer,
		HukouAddress: q.HukouAddress, ResidenceType: q.ResidenceType, Remark: q.Remark, CommunityID: q.CommunityID, DwellingID: q.DwellingID,
		HouseholdID: q.HouseholdID, HouseholdNumber: q.HouseholdNumber, Relation: q.Relation, Since: q.Since, Event: q.Event}
	if q.Tags != nil {
		in.Tags = *q.Tags
	}
	return in
}

func (h *webHandlers) apiPersonCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	var req personReq
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	in := req.input()
	if in.HouseholdID != 0 {
		hh, err := h.s.GetHousehold(ctx, p, in.HouseholdID)
		if err != nil {
			return err
		}
		if in.DwellingID == 0 && in.CommunityID == 0 {
			in.DwellingID, in.CommunityID = hh.DwellingID, hh.CommunityID
		}
	} else {
		in.NewHousehold = true
	}
	if err := h.checkDwelling(ctx, p, in.DwellingID); err != nil {
		return err
	}
	id, err := h.s.CreatePerson(ctx, p, in)
	if err != nil {
		return err
	}
	person, err := h.s.GetPerson(ctx, p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, personJSON(person, h.s.now()))
	return nil
}

func (h *webHandlers) apiPersonUpdate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	person, err := h.editable(ctx, p, r)
	if err != nil {
		return err
	}
	var req personReq
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := h.s.UpdatePerson(ctx, p, person.ID, req.input()); err != nil {
		return err
	}
	if req.Tags != nil {
		if err := h.s.SetTags(ctx, p, person.ID, *req.Tags); err != nil {
			return err
		}
	}
	person, err = h.s.GetPerson(ctx, p, person.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, personJSON(person, h.s.now()))
	return nil
}

type revealReq struct {
	Reason string `json:"reason"`
}

// RevealJSON is the body of a reveal's answer: the full values, once.
type RevealJSON struct {
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
}

func (h *webHandlers) apiPersonReveal(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.s.GetPerson(r.Context(), p, id); err != nil {
		return err
	}
	var req revealReq
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	reason := strings.TrimSpace(req.Reason)
	errs := &i18n.Errors{}
	if errs.Required("reason", i18n.T("registry.reveal_reason"), reason) {
		errs.MaxLen("reason", i18n.T("registry.reveal_reason"), reason, 200)
	}
	if errs.Any() {
		return errs
	}
	idNumber, phone, err := h.s.Reveal(r.Context(), p, id, reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, RevealJSON{IDNumber: idNumber, Phone: phone})
	return nil
}

// HouseholdJSON is a household file in the API.
type HouseholdJSON struct {
	ID          int64        `json:"id"`
	Number      string       `json:"number"`
	Status      string       `json:"status"`
	CommunityID int64        `json:"community_id"`
	GridID      int64        `json:"grid_id,omitempty"`
	DwellingID  int64        `json:"dwelling_id,omitempty"`
	Address     string       `json:"address"`
	HeadID      int64        `json:"head_id,omitempty"`
	Members     []PersonJSON `json:"members"`
}

func (h *webHandlers) apiHousehold(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	hh, err := h.s.GetHousehold(r.Context(), p, id)
	if err != nil {
		return err
	}
	now := h.s.now()
	out := HouseholdJSON{ID: hh.ID, Number: hh.Number, Status: hh.Status, CommunityID: hh.CommunityID, GridID: hh.GridID, DwellingID: hh.DwellingID,
		Address: hh.Address, HeadID: hh.HeadID, Members: []PersonJSON{}}
	for _, m := range hh.Members {
		out.Members = append(out.Members, personJSON(m, now))
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *webHandlers) apiTags(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	tags, err := h.s.VisibleTags(r.Context(), p)
	if err != nil {
		return err
	}
	items := make([]TagJSON, 0, len(tags))
	for _, t := range tags {
		items = append(items, tagJSON(t))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"total": len(items), "items": items})
	return nil
}

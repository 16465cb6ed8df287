package registry

import (
	"context"
	"net/http"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/places"
	"linli/internal/web"
)

// householdData is the household file (一户一档) page.
type householdData struct {
	H             *Household
	Now           time.Time
	Today         string
	Head          *Person
	Active        []*Person
	Former        []*Person
	Timeline      []Event
	Related       []RelatedSection
	CommunityName string
	GridName      string
	BuildingID    int64
	SameBuilding  []*places.Dwelling // where a split-off household may go
	Pick          dwellingPicker
	Relations     []string
	Failed        string // the household form whose errors are shown: head, split, merge, move
	PrintedAt     string
}

func (h *webHandlers) loadHousehold(ctx context.Context, p *auth.Principal, r *http.Request, id int64) (*householdData, error) {
	hh, err := h.s.GetHousehold(ctx, p, id)
	if err != nil {
		return nil, err
	}
	d := &householdData{H: hh, Now: h.s.now(), Today: h.today(), Relations: otherRelations(),
		PrintedAt: h.s.now().In(shanghai).Format("2006-01-02 15:04")}
	ids := make([]int64, 0, len(hh.Members))
	for _, m := range hh.Members {
		ids = append(ids, m.ID)
		switch {
		case m.Status != StatusActive:
			d.Former = append(d.Former, m)
		default:
			d.Active = append(d.Active, m)
		}
		if m.ID == hh.HeadID {
			d.Head = m
		}
	}
	if u, ok := h.s.Org.Lookup(ctx, hh.CommunityID); ok {
		d.CommunityName = u.Name
	}
	if u, ok := h.s.Org.Lookup(ctx, hh.GridID); ok && hh.GridID != 0 {
		d.GridName = u.Name
	}
	if hh.DwellingID != 0 {
		if dw, err := h.s.Places.GetDwelling(ctx, p, hh.DwellingID); err == nil {
			d.BuildingID = dw.BuildingID
		}
	}
	if hh.Access.Write && d.BuildingID != 0 {
		if d.SameBuilding, err = h.s.Places.Dwellings(ctx, p, d.BuildingID); err != nil {
			return nil, err
		}
	}
	if d.Timeline, err = h.s.Timeline(ctx, 0, id, 200); err != nil {
		return nil, err
	}
	for _, rp := range h.s.Related {
		sec, err := rp(ctx, p, id, ids)
		if err != nil {
			return nil, err
		}
		if len(sec.Items) > 0 {
			d.Related = append(d.Related, sec)
		}
	}
	if hh.Access.Write {
		dw := int64(0)
		if r.Method == http.MethodPost {
			dw = postID(r, "dwelling_id")
		}
		if d.Pick, err = h.picker(ctx, p, r, "hh-move", dw); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (h *webHandlers) renderHousehold(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, failed string, errs *i18n.Errors) error {
	d, err := h.loadHousehold(r.Context(), p, r, id)
	if err != nil {
		return err
	}
	d.Failed = failed
	title := i18n.T("registry.household_file")
	if d.H.Number != "" {
		title += " · " + d.H.Number
	}
	v := web.View{Title: title, ActiveNav: "/registry", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "registry/household.html", v)
}

func (h *webHandlers) householdPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderHousehold(w, r, p, id, "", nil)
}

// writableHousehold loads the household of the path for a change: one outside
// the scope is not found (GetHousehold reads in scope) before anything in the
// form is looked at.
func (h *webHandlers) writableHousehold(ctx context.Context, p *auth.Principal, r *http.Request) (*Household, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.s.GetHousehold(ctx, p, id)
}

// failHousehold re-renders the household file with a form's errors.
func (h *webHandlers) failHousehold(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, form string, err error) error {
	if verrs, ok := validationErrors(err); ok {
		return h.renderHousehold(w, r, p, id, form, verrs)
	}
	return err
}

func (h *webHandlers) householdHead(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	hh, err := h.writableHousehold(r.Context(), p, r)
	if err != nil {
		return err
	}
	err = h.s.ChangeHead(r.Context(), p, hh.ID, postID(r, "new_head"), relationsFrom(r, hh.Members), strings.TrimSpace(r.PostFormValue("on")))
	if err != nil {
		return h.failHousehold(w, r, p, hh.ID, "head", err)
	}
	return h.srv.Redirect(w, r, householdURL(hh.ID), i18n.T("registry.head_changed"))
}

func (h *webHandlers) householdSplit(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	hh, err := h.writableHousehold(r.Context(), p, r)
	if err != nil {
		return err
	}
	rel := relationsFrom(r, hh.Members)
	sp := Split{Members: web.FormIDs(r.PostForm["members"]), NewHead: postID(r, "new_head"), Number: r.PostFormValue("number"),
		Dwelling: postID(r, "dwelling_id"), Relations: rel, On: strings.TrimSpace(r.PostFormValue("on")), StayHead: postID(r, "stay_head"), StayRelations: rel}
	nid, err := h.s.SplitHousehold(r.Context(), p, hh.ID, sp)
	if err != nil {
		return h.failHousehold(w, r, p, hh.ID, "split", err)
	}
	return h.srv.Redirect(w, r, householdURL(nid), i18n.T("registry.split_done"))
}

func (h *webHandlers) householdMerge(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	hh, err := h.writableHousehold(ctx, p, r)
	if err != nil {
		return err
	}
	number := strings.TrimSpace(r.PostFormValue("into_number"))
	errs := &i18n.Errors{}
	var into int64
	if errs.Required("into_number", i18n.T("registry.merge_into"), number) {
		if into, err = h.s.HouseholdByNumber(ctx, p, hh.CommunityID, number); err != nil {
			return err
		}
		if into == 0 {
			errs.Add("into_number", "registry.merge_target_unknown", "number", number)
		}
	}
	if errs.Any() {
		return h.renderHousehold(w, r, p, hh.ID, "merge", errs)
	}
	if err := h.s.MergeHouseholds(ctx, p, hh.ID, into, relationsFrom(r, hh.Members), strings.TrimSpace(r.PostFormValue("on"))); err != nil {
		return h.failHousehold(w, r, p, hh.ID, "merge", err)
	}
	return h.srv.Redirect(w, r, householdURL(into), i18n.T("registry.merge_done"))
}

func (h *webHandlers) householdMove(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	hh, err := h.writableHousehold(r.Context(), p, r)
	if err != nil {
		return err
	}
	if err := h.s.MoveHousehold(r.Context(), p, hh.ID, postID(r, "dwelling_id"), strings.TrimSpace(r.PostFormValue("on"))); err != nil {
		return h.failHousehold(w, r, p, hh.ID, "move", err)
	}
	return h.srv.Redirect(w, r, householdURL(hh.ID), i18n.T("registry.moved"))
}

package registry

import (
	"context"
	"net/http"
	"sort"
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
	Homes         []householdHome // where the members lived, newest first
	Related       []RelatedSection
	CommunityName string
	GridName      string
	BuildingID    int64
	SameBuilding  []*places.Dwelling // where a split-off household may go
	Pick          dwellingPicker
	Relations     []string
	Op            string // the change form shown on its own page: head, split, merge, move
	PrintedAt     string
}

// householdHome is a stretch of residence shared by some members: a move of
// the whole household is one row, not one per member.
type householdHome struct {
	Residence
	Names []string
}

// householdOps are the household's change operations, each a form on a page of
// its own (GET shows it, POST does it, on the same path).
var householdOps = []string{"head", "split", "merge", "move"}

var _ = i18n.Family("registry.household_op.", householdOps...)

func (h *webHandlers) loadHousehold(ctx context.Context, p *auth.Principal, r *http.Request, id int64, op string) (*householdData, error) {
	hh, err := h.s.GetHousehold(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if op != "" && !hh.Access.Write {
		return nil, auth.ErrForbidden
	}
	d := &householdData{H: hh, Op: op, Now: h.s.now(), Today: h.today(), Relations: otherRelations(),
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
	switch op {
	case "":
		// The file: the record, its history and the other modules' panels.
		if d.Timeline, err = h.s.Timeline(ctx, hh.CommunityID, 0, id, 200); err != nil {
			return nil, err
		}
		if d.Homes, err = h.householdHomes(ctx, d.Active); err != nil {
			return nil, err
		}
		if d.Related, err = h.related(ctx, p, id, ids); err != nil {
			return nil, err
		}
	case "split":
		if d.BuildingID != 0 {
			if d.SameBuilding, err = h.s.Places.Dwellings(ctx, p, d.BuildingID); err != nil {
				return nil, err
			}
		}
	case "move":
		if d.Pick, err = h.picker(ctx, p, r, "hh-move", 0); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// householdHomes merges the members' residence histories: stretches at the
// same address, of the same kind and dates are one row naming the members.
func (h *webHandlers) householdHomes(ctx context.Context, members []*Person) ([]householdHome, error) {
	var out []householdHome
	at := map[Residence]int{}
	for _, m := range members {
		rs, err := h.s.Residences(ctx, m.CommunityID, m.ID)
		if err != nil {
			return nil, err
		}
		for _, res := range rs {
			if i, ok := at[res]; ok {
				out[i].Names = append(out[i].Names, m.Name)
				continue
			}
			at[res] = len(out)
			out = append(out, householdHome{Residence: res, Names: []string{m.Name}})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].From > out[j].From })
	return out, nil
}

// related gathers the other modules' panels (Service.Related, the one place
// they are registered) for a household and its members, or for one person
// (household 0). Every registered panel is shown, empty ones saying so, so
// that the file reads the same whatever a household has.
func (h *webHandlers) related(ctx context.Context, p *auth.Principal, household int64, people []int64) ([]RelatedSection, error) {
	var out []RelatedSection
	for _, rp := range h.s.Related {
		sec, err := rp(ctx, p, household, people)
		if err != nil {
			return nil, err
		}
		if sec.Title != "" {
			out = append(out, sec)
		}
	}
	return out, nil
}

// renderHousehold shows the household file (op "") or one change form on its
// own page, re-filled with what was posted when errs holds problems or the
// post was a step of the place picker.
func (h *webHandlers) renderHousehold(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, op string, errs *i18n.Errors) error {
	d, err := h.loadHousehold(r.Context(), p, r, id, op)
	if err != nil {
		return err
	}
	title := i18n.T("registry.household_file")
	if d.H.Number != "" {
		title += " · " + d.H.Number
	}
	page := "registry/household.html"
	if op != "" {
		title = i18n.T("registry.household_op."+op) + " · " + title
		page = "registry/household_op.html"
	}
	v := web.View{Title: title, ActiveNav: "/registry", Data: d, Errors: errs}
	if errs.Any() || r.Method == http.MethodPost {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, page, v)
}

func (h *webHandlers) householdPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderHousehold(w, r, p, id, "", nil)
}

// householdOpPage shows one change form (GET /registry/households/{id}/{op}).
func (h *webHandlers) householdOpPage(op string) func(http.ResponseWriter, *http.Request, *auth.Principal) error {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		return h.renderHousehold(w, r, p, id, op, nil)
	}
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

// failHousehold re-renders a change form's page with its errors.
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
	if pickStep(r) {
		return h.renderHousehold(w, r, p, hh.ID, "move", nil)
	}
	if err := h.s.MoveHousehold(r.Context(), p, hh.ID, postID(r, "dwelling_id"), strings.TrimSpace(r.PostFormValue("on"))); err != nil {
		return h.failHousehold(w, r, p, hh.ID, "move", err)
	}
	return h.srv.Redirect(w, r, householdURL(hh.ID), i18n.T("registry.moved"))
}

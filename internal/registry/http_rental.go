package registry

import (
	"context"
	"net/http"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/web"
)

// Rental housing pages (出租房).

type rentalsData struct {
	Rentals      []*Rental
	Pager        pageNav
	Grids        []*org.Unit
	Today        string
	ExpiringDays int
	CanWrite     bool
}

func (h *webHandlers) rentalsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	v := r.URL.Query()
	pg := web.NewPager(r, 50)
	f := RentalFilter{GridID: queryID(v, "grid"), OrgID: queryID(v, "org"), Status: strings.TrimSpace(v.Get("status")), Expiring: truthy(v.Get("expiring")),
		Q: v.Get("q"), Limit: pg.PerPage, Offset: pg.Offset()}
	list, total, err := h.s.ListRentals(ctx, p, f)
	if err != nil {
		return err
	}
	pg.Total = total
	d := rentalsData{Rentals: list, Pager: newPageNav(pg, r), Today: h.today(), ExpiringDays: ExpiringDays, CanWrite: p.Can(PermWrite)}
	if d.Grids, err = h.s.Org.InScope(ctx, p, org.Grid); err != nil {
		return err
	}
	return h.srv.Render(w, r, "registry/rentals.html", web.View{Title: i18n.T("registry.rentals"), ActiveNav: "/registry/rentals", Data: d})
}

type rentalFormData struct {
	Pick     dwellingPicker
	Living   []*Person // active people at the chosen dwelling, offered as tenants
	Checked  map[int64]bool
	Purposes []string
	Today    string
	Now      time.Time
}

// livingAt lists the active people in scope living at a dwelling.
func (h *webHandlers) livingAt(ctx context.Context, p *auth.Principal, dwelling int64) ([]*Person, error) {
	if dwelling == 0 {
		return nil, nil
	}
	f := NewFilter()
	f.DwellingID, f.Limit = dwelling, 200
	people, _, err := h.s.ListPeople(ctx, p, f)
	return people, err
}

func (h *webHandlers) renderRentalNew(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	ctx := r.Context()
	dwelling := queryID(r.URL.Query(), "dwelling")
	if r.Method == http.MethodPost {
		dwelling = postID(r, "dwelling_id")
	}
	d := rentalFormData{Purposes: RentalPurposes, Today: h.today(), Now: h.s.now(), Checked: map[int64]bool{}}
	var err error
	if d.Pick, err = h.picker(ctx, p, r, "place", dwelling); err != nil {
		return err
	}
	if d.Living, err = h.livingAt(ctx, p, d.Pick.Dwelling); err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		for _, id := range web.FormIDs(r.PostForm["tenants"]) {
			d.Checked[id] = true
		}
	} else {
		// Migrants living there are usually the tenants.
		for _, person := range d.Living {
			d.Checked[person.ID] = person.ResidenceType == "migrant"
		}
	}
	v := web.View{Title: i18n.T("registry.rental_new"), ActiveNav: "/registry/rentals", Data: d, Errors: errs}
	if errs.Any() || r.Method == http.MethodPost { // refused, or a step of the picker
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "registry/rental_form.html", v)
}

func (h *webHandlers) rentalNew(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderRentalNew(w, r, p, nil)
}

func rentalInputFrom(r *http.Request) RentalInput {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return RentalInput{DwellingID: postID(r, "dwelling_id"), LandlordName: f("landlord_name"), LandlordPhone: f("landlord_phone"),
		LeaseFrom: f("lease_from"), LeaseTo: f("lease_to"), Purpose: f("purpose"), Remark: f("remark"), Tenants: web.FormIDs(r.PostForm["tenants"])}
}

func (h *webHandlers) rentalCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if pickStep(r) {
		return h.renderRentalNew(w, r, p, nil)
	}
	in := rentalInputFrom(r)
	if err := h.checkDwelling(r.Context(), p, in.DwellingID); err != nil {
		return err
	}
	id, err := h.s.CreateRental(r.Context(), p, in)
	if verrs, ok := validationErrors(err); ok {
		return h.renderRentalNew(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, rentalURL(id), i18n.T("common.saved"))
}

type rentalData struct {
	Rental        *Rental
	Today         string
	Now           time.Time
	Living        []*Person // living at the dwelling, not yet tenants
	Found         []*Person // search results for adding a tenant or the landlord
	Q             string
	Purposes      []string
	RevealedPhone string
	Failed        string // the form whose errors are shown: edit, end, tenants, landlord, reveal
	Expiring      bool
	Overdue       bool
}

func (h *webHandlers) renderRental(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, failed string, errs *i18n.Errors, revealed string) error {
	ctx := r.Context()
	rt, err := h.s.GetRental(ctx, p, id)
	if err != nil {
		return err
	}
	today := h.today()
	d := rentalData{Rental: rt, Today: today, Now: h.s.now(), Purposes: RentalPurposes, Failed: failed, RevealedPhone: revealed,
		Expiring: rt.EndsWithin(today, ExpiringDays), Overdue: rt.Overdue(today)}
	if rt.Access.Write && rt.Status == RentalActive {
		tenant := map[int64]bool{}
		for _, t := range rt.Tenants {
			tenant[t.ID] = true
		}
		living, err := h.livingAt(ctx, p, rt.DwellingID)
		if err != nil {
			return err
		}
		for _, person := range living {
			if !tenant[person.ID] {
				d.Living = append(d.Living, person)
			}
		}
		if d.Q = strings.TrimSpace(r.URL.Query().Get("q")); d.Q != "" {
			f := NewFilter()
			f.Q, f.Limit = d.Q, 10
			if d.Found, _, err = h.s.ListPeople(ctx, p, f); err != nil {
				return err
			}
		}
	}
	v := web.View{Title: i18n.T("registry.rental") + " · " + rt.Address, ActiveNav: "/registry/rentals", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "registry/rental.html", v)
}

func (h *webHandlers) rentalPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderRental(w, r, p, id, "", nil, "")
}

// rentalTarget loads the rental of the path in scope, before the form is read.
func (h *webHandlers) rentalTarget(r *http.Request, p *auth.Principal) (*Rental, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.s.GetRental(r.Context(), p, id)
}

func (h *webHandlers) failRental(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, form string, err error) error {
	if verrs, ok := validationErrors(err); ok {
		return h.renderRental(w, r, p, id, form, verrs, "")
	}
	return err
}

func (h *webHandlers) rentalUpdate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	rt, err := h.rentalTarget(r, p)
	if err != nil {
		return err
	}
	in := rentalInputFrom(r)
	if rt.LandlordPersonID != 0 && truthy(r.PostFormValue("keep_landlord")) {
		in.LandlordPersonID = rt.LandlordPersonID
	}
	if err := h.s.UpdateRental(r.Context(), p, rt.ID, in); err != nil {
		return h.failRental(w, r, p, rt.ID, "edit", err)
	}
	return h.srv.Redirect(w, r, rentalURL(rt.ID), i18n.T("common.saved"))
}

func (h *webHandlers) rentalEnd(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	rt, err := h.rentalTarget(r, p)
	if err != nil {
		return err
	}
	if err := h.s.EndRental(r.Context(), p, rt.ID, strings.TrimSpace(r.PostFormValue("on"))); err != nil {
		return h.failRental(w, r, p, rt.ID, "end", err)
	}
	return h.srv.Redirect(w, r, rentalURL(rt.ID), i18n.T("registry.rental_ended_msg"))
}

func (h *webHandlers) rentalTenants(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	rt, err := h.rentalTarget(r, p)
	if err != nil {
		return err
	}
	person := postID(r, "person_id")
	if r.PostFormValue("action") == "remove" {
		err = h.s.RemoveTenant(r.Context(), p, rt.ID, person)
	} else {
		err = h.s.AddTenant(r.Context(), p, rt.ID, person)
	}
	if err != nil {
		return h.failRental(w, r, p, rt.ID, "tenants", err)
	}
	return h.srv.Redirect(w, r, rentalURL(rt.ID), i18n.T("common.saved"))
}

func (h *webHandlers) rentalLandlord(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	rt, err := h.rentalTarget(r, p)
	if err != nil {
		return err
	}
	if err := h.s.SetLandlord(r.Context(), p, rt.ID, postID(r, "person_id")); err != nil {
		return h.failRental(w, r, p, rt.ID, "landlord", err)
	}
	return h.srv.Redirect(w, r, rentalURL(rt.ID), i18n.T("common.saved"))
}

// rentalReveal shows the landlord's phone once, on this response only.
func (h *webHandlers) rentalReveal(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	rt, err := h.rentalTarget(r, p)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	errs := &i18n.Errors{}
	if errs.Required("reason", i18n.T("registry.reveal_reason"), reason) {
		errs.MaxLen("reason", i18n.T("registry.reveal_reason"), reason, 200)
	}
	if errs.Any() {
		return h.renderRental(w, r, p, rt.ID, "reveal", errs, "")
	}
	phone, err := h.s.RevealLandlordPhone(r.Context(), p, rt.ID, reason)
	if err != nil {
		return err
	}
	return h.renderRental(w, r, p, rt.ID, "", nil, phone)
}

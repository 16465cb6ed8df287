package activities

import (
	"errors"
	"net/http"
	"strconv"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/web"
)

// The annual plan: a year's monthly themes and special days per street or
// community; add and remove entries, start a year from the defaults.

func (s *Service) planRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/activities/plan", PermRead, "", h.planPage)
	srv.Page("GET", "/activities/plan/export", PermRead, "", h.planExport)
	srv.Page("GET", "/activities/plan/new", PermManage, "", h.planNewPage)
	srv.Page("POST", "/activities/plan/new", PermManage, "", h.planAdd)
	srv.Page("GET", "/activities/plan/{id}/delete", PermManage, "activity_plan", h.planDeletePage)
	srv.Page("POST", "/activities/plan/{id}/delete", PermManage, "activity_plan", h.planDelete)
}

type planData struct {
	Year, Prev, Next int
	Org              *org.Unit
	Units            []*org.Unit
	Months           []planMonth
	CanManage        bool
	E                *PlanEntry
	Kinds            []string
}

type planMonth struct {
	Month  int
	Themes []*PlanEntry
	Days   []*PlanEntry
}

// planUnits are the streets and communities whose plans p sees.
func (h *handlers) planUnits(r *http.Request, p *auth.Principal) ([]*org.Unit, error) {
	var out []*org.Unit
	for _, lvl := range []org.Level{org.Street, org.Community} {
		units, err := h.s.Org.InScope(r.Context(), p, lvl)
		if err != nil {
			return nil, err
		}
		out = append(out, units...)
	}
	return out, nil
}

// plan reads the plan page's year and unit (the first p sees unless org says).
func (h *handlers) plan(r *http.Request, p *auth.Principal) (*planData, error) {
	ctx := r.Context()
	year := web.QueryInt(r, "year", h.s.thisYear(), 2000, 2100)
	units, err := h.planUnits(r, p)
	if err != nil {
		return nil, err
	}
	d := &planData{Year: year, Prev: year - 1, Next: year + 1, Units: units}
	orgID := web.QueryID(r.URL.Query(), "org")
	for _, u := range units {
		if u.ID == orgID || (orgID == 0 && d.Org == nil) {
			d.Org = u
		}
	}
	if d.Org != nil {
		entries, err := h.s.Plan(ctx, p, d.Org.ID, year)
		if err != nil {
			return nil, err
		}
		for m := 1; m <= 12; m++ {
			pm := planMonth{Month: m}
			for _, e := range entries {
				if e.Month != m {
					continue
				}
				if e.Kind == PlanTheme {
					pm.Themes = append(pm.Themes, e)
				} else {
					pm.Days = append(pm.Days, e)
				}
			}
			d.Months = append(d.Months, pm)
		}
		d.CanManage = p.Can(PermManage) && h.s.Org.HoldsPartition(ctx, p, d.Org.ID)
	}
	return d, nil
}

func (h *handlers) planPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.plan(r, p)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "activities/plan.html", web.View{Title: i18n.T("activities.plan_title", "year", d.Year), ActiveNav: "/activities", Data: d})
}

// planExport is the plan page as a sheet: each month's themes and special
// days, with the unit's name in the title.
func (h *handlers) planExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.plan(r, p)
	if err != nil {
		return err
	}
	// No unit (a grid worker's scope holds none): the page's empty plan.
	name := ""
	if d.Org != nil {
		name = d.Org.Name + " "
	}
	xw, err := xlsx(w, p, name+i18n.T("activities.plan_title", "year", d.Year), []string{i18n.T("activities.month"), i18n.T("activities.plan_kind"),
		i18n.T("activities.plan_day"), i18n.T("activities.plan_name"), i18n.T("activities.note")})
	if err != nil {
		return err
	}
	for _, m := range d.Months {
		for _, e := range append(append([]*PlanEntry{}, m.Themes...), m.Days...) {
			if err := xw.Write(m.Month, i18n.T("activities.plan_kind."+e.Kind), e.Day, e.Name, e.Note); err != nil {
				return err
			}
		}
	}
	return xw.Close()
}

func (h *handlers) planNewPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderPlanForm(w, r, p, nil)
}

func (h *handlers) renderPlanForm(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	places, err := h.s.Places(r.Context(), p)
	if err != nil {
		return err
	}
	d := planData{Units: places, Kinds: PlanKinds, Year: h.s.thisYear()}
	view := web.View{Title: i18n.T("activities.plan_new"), ActiveNav: "/activities", Data: d, Errors: errs}
	status := http.StatusOK
	if errs.Any() {
		view.Form, status = r.PostForm, http.StatusUnprocessableEntity
	} else {
		q := r.URL.Query()
		view.Form = map[string][]string{"org_id": {q.Get("org")}, "year": {q.Get("year")}, "kind": {q.Get("kind")}}
	}
	return h.srv.RenderStatus(w, r, status, "activities/plan_form.html", view)
}

func (h *handlers) planAdd(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	year, _ := strconv.Atoi(r.PostFormValue("year"))
	org := web.QueryID(r.PostForm, "org_id")
	var err error
	if r.PostFormValue("seed") == "1" {
		err = h.s.SeedPlan(ctx, p, org, year)
	} else {
		_, err = h.s.AddPlan(ctx, p, PlanEntry{CommunityID: org, Year: year, Kind: r.PostFormValue("kind"), Month: formInt(r, "month"),
			Day: r.PostFormValue("day"), Name: r.PostFormValue("name"), Note: r.PostFormValue("note")})
	}
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderPlanForm(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/activities/plan?org="+itoa(org)+"&year="+strconv.Itoa(year), i18n.T("activities.plan_saved"))
}

func (h *handlers) planDeletePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := h.s.GetPlan(r.Context(), p, id)
	if err != nil {
		return err
	}
	if !h.s.Org.HoldsPartition(r.Context(), p, e.CommunityID) {
		return auth.ErrForbidden
	}
	return h.srv.Render(w, r, "activities/plan_delete.html", web.View{Title: i18n.T("activities.plan_delete"), ActiveNav: "/activities", Data: planData{E: e}})
}

func (h *handlers) planDelete(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := h.s.GetPlan(r.Context(), p, id)
	if err != nil {
		return err
	}
	if err := h.s.DeletePlan(r.Context(), p, id); err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/activities/plan?org="+itoa(e.CommunityID)+"&year="+strconv.Itoa(e.Year), i18n.T("activities.plan_deleted"))
}

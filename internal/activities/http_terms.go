package activities

import (
	"errors"
	"net/http"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/web"
)

// The street's topic and format lists: one page with both lists, each row
// a form (rename, move, retire or restore) and an add form per list.

func (s *Service) termRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/activities/terms", PermManage, "", h.termsPage)
	srv.Page("POST", "/activities/terms", PermManage, "", h.termsChange)
}

type termsData struct {
	Streets []*org.Unit
	Street  *org.Unit
	Lists   []termsList
}

type termsList struct {
	Kind  string
	Name  string
	Terms []*Term
}

func (h *handlers) termsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderTerms(w, r, p, web.QueryID(r.URL.Query(), "street"), nil)
}

func (h *handlers) renderTerms(w http.ResponseWriter, r *http.Request, p *auth.Principal, street int64, errs *i18n.Errors) error {
	ctx := r.Context()
	streets, err := h.s.TermStreets(ctx, p)
	if err != nil {
		return err
	}
	d := termsData{Streets: streets}
	for _, u := range streets {
		if u.ID == street || (street == 0 && d.Street == nil) {
			d.Street = u
		}
	}
	if street != 0 && d.Street == nil {
		return auth.ErrNotFound
	}
	if d.Street != nil {
		t, err := h.s.StreetTerms(ctx, p, d.Street.ID)
		if err != nil {
			return err
		}
		for _, k := range TermKinds {
			d.Lists = append(d.Lists, termsList{Kind: k, Name: kindLabel(k), Terms: t.Of(k)})
		}
	}
	view := web.View{Title: i18n.T("activities.terms_title"), ActiveNav: "/activities", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "activities/terms.html", view)
}

func (h *handlers) termsChange(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	street := web.QueryID(r.PostForm, "street")
	_, err := h.s.ChangeTerm(r.Context(), p, TermChange{Street: street, Kind: r.PostFormValue("kind"), Op: r.PostFormValue("op"),
		Code: r.PostFormValue("code"), Label: r.PostFormValue("label")})
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderTerms(w, r, p, street, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/activities/terms?street="+itoa(street), i18n.T("activities.terms_saved"))
}

package cases

import (
	"errors"
	"net/http"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

func (s *Service) adminRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/admin/case-types", PermConfigure, "", h.typesPage)
	srv.Page("POST", "/admin/case-types", PermConfigure, "", h.typesSave)
}

type typesData struct {
	Types      []*TypeDef
	Type       *TypeDef
	Custom     map[string]bool
	JSON       string
	Categories string
	Respond    string
	Resolve    string
	Remind     int
	Escalate   int
	New        bool
}

func (h *handlers) typesPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderTypes(w, r, p, r.URL.Query().Get("type"), nil)
}

func (h *handlers) renderTypes(w http.ResponseWriter, r *http.Request, p *auth.Principal, code string, errs *i18n.Errors) error {
	ctx := r.Context()
	custom, err := h.s.Customized(ctx, p)
	if err != nil {
		return err
	}
	types, err := h.s.Types(ctx)
	if err != nil {
		return err
	}
	d := typesData{Types: types, Custom: custom, New: code == "new"}
	if t, ok := h.s.Type(ctx, code); ok {
		d.Type = t
		d.JSON = TypeJSON(t)
		d.Categories = CategoryLines(t)
		d.Respond, d.Resolve = FormatLimit(&t.Respond), FormatLimit(&t.Resolve)
		d.Remind, d.Escalate = t.RemindHours, t.EscalateDays
	}
	v := web.View{Title: i18n.T("cases.types_title"), ActiveNav: "/admin/case-types", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "cases/types.html", v)
}

func (h *handlers) typesSave(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	code := r.PostFormValue("type")
	var err error
	switch r.PostFormValue("mode") {
	case "basics":
		err = h.s.SaveTypeBasics(r.Context(), p, code, TypeBasics{Respond: r.PostFormValue("respond"), Resolve: r.PostFormValue("resolve"),
			RemindHours: r.PostFormValue("remind_hours"), EscalateDays: r.PostFormValue("escalate_days"), Categories: r.PostFormValue("categories")})
	case "json":
		err = h.s.SaveTypeJSON(r.Context(), p, r.PostFormValue("config"))
		if err == nil {
			if t, perr := parseType([]byte(r.PostFormValue("config"))); perr == nil {
				code = t.Code
			}
		}
	case "reset":
		err = h.s.ResetType(r.Context(), p, code)
	default:
		e := &i18n.Errors{}
		e.Add("mode", "err.bad_request")
		err = e
	}
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderTypes(w, r, p, code, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/admin/case-types?type="+code, i18n.T("common.saved"))
}

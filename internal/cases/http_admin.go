package cases

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

func (s *Service) adminRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/admin/case-types", PermConfigure, "", h.typesPage)
	srv.Page("POST", "/admin/case-types", PermConfigure, "", h.typesSave)
}

type typesData struct {
	Rows        []categoryRow
	RespondN    string
	RespondUnit string
	ResolveN    string
	ResolveUnit string
	Types       []*TypeDef
	Type        *TypeDef
	Custom      map[string]bool
	JSON        string
	Categories  string
	Respond     string
	Resolve     string
	Remind      int
	Escalate    int
	New         bool
}

// categoryRow is one row of the categories table as the page shows it.
type categoryRow struct {
	N                      int
	Code, Name             string
	ResolveN, ResolveUnit  string
	RespondN, RespondUnit  string
	Errors                 []string
	CodeErr, NameErr       bool
	ResolveErr, RespondErr bool
}

// maxCategoryRows bounds the table a form may send.
const maxCategoryRows = 200

// splitLimit splits "5d"/"24h" into the number and its unit for the form.
func splitLimit(s string) (string, string) {
	s = strings.TrimSpace(s)
	if l, ok := ParseLimit(s); ok {
		if l.Hours > 0 {
			return strconv.Itoa(l.Hours), "h"
		}
		return strconv.Itoa(l.Days), "d"
	}
	// As typed (joinLimit's "abc" + "d"), so that a refused form shows it.
	if v, ok := strings.CutSuffix(s, "h"); ok {
		return v, "h"
	}
	return strings.TrimSuffix(s, "d"), "d"
}

// joinLimit is the limit a number and unit of the form make ("" when no number).
func joinLimit(n, unit string) string {
	n = strings.TrimSpace(n)
	if n == "" {
		return ""
	}
	if unit != "h" {
		unit = "d"
	}
	return n + unit
}

// formRows reads the categories table of a submitted form (nil when the form
// has none: the older text box).
func formRows(r *http.Request) []CategoryInput {
	f := r.PostForm
	if _, ok := f["cat_code"]; !ok {
		return nil
	}
	n := len(f["cat_code"])
	if n > maxCategoryRows {
		n = maxCategoryRows
	}
	at := func(k string, i int) string {
		if v := f[k]; i < len(v) {
			return v[i]
		}
		return ""
	}
	rows := make([]CategoryInput, 0, n)
	for i := 0; i < n; i++ {
		rows = append(rows, CategoryInput{Code: at("cat_code", i), Name: at("cat_name", i),
			Resolve: joinLimit(at("cat_resolve_n", i), at("cat_resolve_unit", i)), Respond: joinLimit(at("cat_respond_n", i), at("cat_respond_unit", i))})
	}
	return rows
}

func viewRows(in []CategoryInput, errs *i18n.Errors) []categoryRow {
	out := make([]categoryRow, 0, len(in))
	for i, c := range in {
		row := categoryRow{N: i + 1, Code: c.Code, Name: c.Name}
		row.ResolveN, row.ResolveUnit = splitLimit(c.Resolve)
		row.RespondN, row.RespondUnit = splitLimit(c.Respond)
		for _, part := range []string{"code", "name", "resolve", "respond"} {
			if m := errs.For("cat." + strconv.Itoa(i+1) + "." + part); m != "" {
				row.Errors = append(row.Errors, m)
				switch part {
				case "code":
					row.CodeErr = true
				case "name":
					row.NameErr = true
				case "resolve":
					row.ResolveErr = true
				case "respond":
					row.RespondErr = true
				}
			}
		}
		out = append(out, row)
	}
	return out
}

func (h *handlers) typesPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	code := r.URL.Query().Get("type")
	if code == "" {
		// The first tab at once, not an empty page.
		types, err := h.s.Types(r.Context())
		if err != nil {
			return err
		}
		if len(types) > 0 {
			code = types[0].Code
		}
	}
	return h.renderTypes(w, r, p, code, nil)
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
		d.Rows = viewRows(CategoryInputs(t), nil)
		d.RespondN, d.RespondUnit = splitLimit(d.Respond)
		d.ResolveN, d.ResolveUnit = splitLimit(d.Resolve)
	}
	if rows := formRows(r); rows != nil && r.PostFormValue("mode") == "basics" {
		// A submitted table comes back as typed (one row more or less when a
		// row was added or removed), with each row's problems beside it.
		if rm, err := strconv.Atoi(r.PostFormValue("remove")); err == nil && rm >= 1 && rm <= len(rows) {
			rows = append(rows[:rm-1:rm-1], rows[rm:]...)
		}
		if r.PostFormValue("add") != "" && len(rows) < maxCategoryRows {
			rows = append(rows, CategoryInput{})
		}
		d.Rows = viewRows(rows, errs)
		d.RespondN, d.RespondUnit = r.PostFormValue("respond_n"), r.PostFormValue("respond_unit")
		d.ResolveN, d.ResolveUnit = r.PostFormValue("resolve_n"), r.PostFormValue("resolve_unit")
	}
	v := web.View{Title: i18n.T("cases.types_title"), ActiveNav: "/admin/case-types", Data: d, Errors: errs}
	if errs.Any() || r.Method == http.MethodPost {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "cases/types.html", v)
}

func (h *handlers) typesSave(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	code := r.PostFormValue("type")
	var err error
	switch r.PostFormValue("mode") {
	case "basics":
		if r.PostFormValue("add") != "" || r.PostFormValue("remove") != "" {
			// 添加一行 / 删除此行 without JavaScript: the table again, nothing saved.
			return h.renderTypes(w, r, p, code, nil)
		}
		in := TypeBasics{Respond: r.PostFormValue("respond"), Resolve: r.PostFormValue("resolve"),
			RemindHours: r.PostFormValue("remind_hours"), EscalateDays: r.PostFormValue("escalate_days"), Categories: r.PostFormValue("categories"), Rows: formRows(r)}
		if _, ok := r.PostForm["respond_n"]; ok {
			in.Respond = joinLimit(r.PostFormValue("respond_n"), r.PostFormValue("respond_unit"))
		}
		if _, ok := r.PostForm["resolve_n"]; ok {
			in.Resolve = joinLimit(r.PostFormValue("resolve_n"), r.PostFormValue("resolve_unit"))
		}
		err = h.s.SaveTypeBasics(r.Context(), p, code, in)
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

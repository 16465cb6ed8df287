package reports

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/locale"
	"linli/internal/org"
	"linli/internal/web"
)

//go:embed templates
var templateFS embed.FS

//go:embed static/reports.css
var cssFile []byte

// Routes registers the pages: the list (and opening a period's report), a
// report with its edit, submit, return and approve forms, its print view and
// export, the street's report of a period, and the forms.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("reports", templateFS)
	srv.AddAsset("/reports/assets/reports.css", "text/css; charset=utf-8", cssFile)
	h := &handlers{s: s, srv: srv}
	srv.Page("GET", "/reports", PermRead, "", h.listPage)
	srv.Page("POST", "/reports", PermFill, "", h.open)
	srv.Page("GET", "/reports/summary", PermReview, "", h.summaryPage)
	srv.Page("GET", "/reports/{id}", PermRead, "report", h.reportPage)
	srv.Page("GET", "/reports/{id}/edit", PermFill, "report", h.editPage)
	srv.Page("POST", "/reports/{id}/edit", PermFill, "report", h.save)
	for _, op := range []struct {
		name string
		perm auth.Perm
	}{{"submit", PermFill}, {"return", PermReview}, {"approve", PermReview}} {
		srv.Page("GET", "/reports/{id}/"+op.name, op.perm, "report", h.opPage(op.name))
		srv.Page("POST", "/reports/{id}/"+op.name, op.perm, "report", h.doOp(op.name))
	}
	srv.Page("GET", "/reports/{id}/print", PermRead, "report", h.printPage)
	srv.Page("GET", "/reports/{id}/export", PermRead, "report", h.export)
	srv.Page("GET", "/report-forms", PermDefine, "", h.formsPage)
	srv.Page("GET", "/report-forms/new", PermDefine, "", h.formPage)
	srv.Page("POST", "/report-forms", PermDefine, "", h.saveForm)
	srv.Page("GET", "/report-forms/{id}", PermDefine, "report_form", h.formPage)
	srv.Page("POST", "/report-forms/{id}", PermDefine, "report_form", h.saveForm)
	srv.AddNav(web.NavItem{Key: "reports.nav", Href: "/reports", Perm: PermRead, Order: 32})
	srv.AddTodo(s)
}

var _ = i18n.Family("reports.op.", "submit", "return", "approve")
var _ = i18n.Family("reports.op_done.", "submit", "return", "approve")
var _ = i18n.Family("reports.op_hint.", "submit", "return", "approve")

type handlers struct {
	s   *Service
	srv *web.Server
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, auth.ErrNotFound
	}
	return id, nil
}

// ---- the list ----

// Startable is a period's report not yet opened that p may open.
type Startable struct {
	Form      Form
	Community *org.Unit
	Period    string
}

// PeriodText is the period as shown.
func (st Startable) PeriodText() string { return PeriodText(st.Form.Period, st.Period) }

type listData struct {
	Reports   []*Report
	Start     []Startable
	Forms     []Form
	States    []string
	State     string
	Today     string
	CanDefine bool
	CanReview bool
}

// startable are the reports of the last and the current period of each
// active form that p's communities have not opened.
func (s *Service) startable(ctx context.Context, p *auth.Principal, forms []Form) ([]Startable, error) {
	comms, err := s.Communities(ctx, p)
	if err != nil || len(comms) == 0 {
		return nil, err
	}
	now := s.now().In(locale.Zone)
	var out []Startable
	for _, f := range forms {
		cur := CurrentPeriod(f.Period, now)
		for _, c := range comms {
			if st := s.Org.StreetOf(ctx, c); st == nil || st.ID != f.StreetID {
				continue
			}
			have, err := s.List(ctx, p, Filter{FormID: f.ID, CommunityID: c.ID})
			if err != nil {
				return nil, err
			}
			opened := map[string]bool{}
			for _, r := range have {
				opened[r.Period] = true
			}
			for _, per := range []string{PrevPeriod(f.Period, cur), cur} {
				if !opened[per] {
					out = append(out, Startable{Form: f, Community: c, Period: per})
				}
			}
		}
	}
	return out, nil
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	d := listData{States: States, State: r.URL.Query().Get("state"), Today: h.s.today(), CanDefine: p.Can(PermDefine), CanReview: p.Can(PermReview)}
	switch d.State {
	case "", Draft, Submitted, Returned, Approved:
	default:
		d.State = ""
	}
	var err error
	if d.Forms, err = h.s.Forms(ctx, p, false); err != nil {
		return err
	}
	if d.Reports, err = h.s.List(ctx, p, Filter{State: d.State}); err != nil {
		return err
	}
	if d.Start, err = h.s.startable(ctx, p, d.Forms); err != nil {
		return err
	}
	return h.srv.Render(w, r, "reports/list.html", web.View{Title: i18n.T("reports.title"), ActiveNav: "/reports", Data: d})
}

func (h *handlers) open(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	form, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("form_id")), 10, 64)
	comm, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("org")), 10, 64)
	id, err := h.s.Open(r.Context(), p, form, comm, r.PostFormValue("period"))
	if errs, ok := i18n.Refused(err); ok {
		return h.srv.RedirectRefused(w, r, "/reports", r.PostForm, errs, "")
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10), i18n.T("reports.opened"))
}

// ---- a report ----

type reportData struct {
	R     *Report
	Today string
}

func (h *handlers) reportPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rep, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "reports/report.html", web.View{Title: title(rep), ActiveNav: "/reports", Data: reportData{R: rep, Today: h.s.today()}})
}

func title(r *Report) string {
	return i18n.T("reports.report_title", "community", r.CommunityName, "form", r.FormName, "period", r.PeriodText())
}

func (h *handlers) printPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rep, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "reports/print.html", web.View{Title: title(rep), ActiveNav: "/reports", Data: reportData{R: rep, Today: h.s.today()}})
}

func (h *handlers) editPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderEdit(w, r, p, nil)
}

func (h *handlers) renderEdit(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rep, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	if !rep.CanEdit {
		return auth.ErrForbidden
	}
	view := web.View{Title: title(rep), ActiveNav: "/reports", Data: reportData{R: rep}, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	} else {
		view.Form = url.Values{"remarks": {rep.Remarks}}
		for k, v := range rep.Entered {
			view.Form.Set(k, v)
		}
	}
	status := http.StatusOK
	if errs.Any() {
		status = http.StatusUnprocessableEntity
	}
	return h.srv.RenderStatus(w, r, status, "reports/edit.html", view)
}

func (h *handlers) save(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	vals := map[string]string{}
	for k, v := range r.PostForm {
		if strings.HasPrefix(k, "field.") && len(v) > 0 {
			vals[k] = v[0]
		}
	}
	err = h.s.Save(r.Context(), p, id, SaveInput{Values: vals, Remarks: r.PostFormValue("remarks")})
	if errs, ok := i18n.Refused(err); ok {
		return h.renderEdit(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10), i18n.T("reports.saved"))
}

type opData struct {
	R  *Report
	Op string
}

func (h *handlers) opPage(op string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		return h.renderOp(w, r, p, op, nil)
	}
}

func (h *handlers) renderOp(w http.ResponseWriter, r *http.Request, p *auth.Principal, op string, errs *i18n.Errors) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rep, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	if (op == "submit" && !rep.CanSubmit) || (op != "submit" && !rep.CanReview) {
		return auth.ErrForbidden
	}
	view := web.View{Title: i18n.T("reports.op."+op) + " · " + title(rep), ActiveNav: "/reports", Data: opData{R: rep, Op: op}, Errors: errs}
	status := http.StatusOK
	if errs.Any() {
		view.Form, status = r.PostForm, http.StatusUnprocessableEntity
	}
	return h.srv.RenderStatus(w, r, status, "reports/op.html", view)
}

func (h *handlers) doOp(op string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		ctx, comment := r.Context(), r.PostFormValue("comment")
		switch op {
		case "submit":
			err = h.s.Submit(ctx, p, id)
		case "return":
			err = h.s.Return(ctx, p, id, comment)
		case "approve":
			err = h.s.Approve(ctx, p, id, comment)
		}
		if errs, ok := i18n.Refused(err); ok {
			return h.renderOp(w, r, p, op, errs)
		}
		if err != nil {
			return err
		}
		return h.srv.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10), i18n.T("reports.op_done."+op))
	}
}

// export writes the report in its form's layout: the title, the community
// and period, each row with its unit and value, the remarks, and who
// approved it when.
func (h *handlers) export(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rep, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	t := title(rep)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(t+".xlsx"))
	xw, err := importexport.NewWriter(w, importexport.Meta{Title: t, ExportedBy: p.DisplayName + "（" + p.Username + "）", ExportedAt: time.Now().In(web.Local)},
		[]string{i18n.T("reports.row"), i18n.T("reports.unit"), i18n.T("reports.value")})
	if err != nil {
		return err
	}
	lines := [][]any{
		{i18n.T("reports.community"), "", rep.CommunityName},
		{i18n.T("reports.period"), "", rep.PeriodText()},
		{i18n.T("reports.state"), "", i18n.T("reports.state." + rep.State)},
	}
	for _, row := range rep.Rows {
		lines = append(lines, []any{row.Label, row.Unit, rep.Value(row)})
	}
	lines = append(lines, []any{i18n.T("reports.remarks"), "", rep.Remarks})
	if rep.State == Approved {
		lines = append(lines, []any{i18n.T("reports.approved_by"), "", rep.ApprovedByName},
			[]any{i18n.T("reports.approved_at"), "", time.UnixMilli(rep.ApprovedAt).In(web.Local).Format(time.DateTime)})
	}
	for _, l := range lines {
		if err := xw.Write(l...); err != nil {
			return err
		}
	}
	return xw.Close()
}

// ---- the street's report ----

type summaryData struct {
	A     *Aggregate
	Forms []Form
	Prev  string
	Next  string
}

func (h *handlers) summaryPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	forms, err := h.s.Forms(ctx, p, true)
	if err != nil {
		return err
	}
	formID, _ := strconv.ParseInt(r.URL.Query().Get("form"), 10, 64)
	if formID == 0 && len(forms) > 0 {
		formID = forms[0].ID
	}
	if formID == 0 {
		return auth.ErrNotFound
	}
	a, err := h.s.Aggregate(ctx, p, formID, r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	d := summaryData{A: a, Forms: forms, Prev: PrevPeriod(a.Form.Period, a.Period)}
	if y, ms, ok := ParsePeriod(a.Form.Period, a.Period); ok {
		next := CurrentPeriod(a.Form.Period, time.Date(y, time.Month(ms[len(ms)-1])+1, 1, 0, 0, 0, 0, time.UTC))
		if next <= CurrentPeriod(a.Form.Period, h.s.now().In(locale.Zone)) {
			d.Next = next
		}
	}
	return h.srv.Render(w, r, "reports/summary.html", web.View{Title: i18n.T("reports.summary_title", "street", a.Street.Name, "form", a.Form.Name, "period", a.PeriodText()),
		ActiveNav: "/reports", Data: d})
}

// ---- forms ----

type formsData struct {
	Forms   []Form
	Streets []*org.Unit
}

func (h *handlers) formsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	forms, err := h.s.Forms(r.Context(), p, true)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "reports/forms.html", web.View{Title: i18n.T("reports.forms_title"), ActiveNav: "/reports", Data: formsData{Forms: forms}})
}

type formData struct {
	F          *Form
	Streets    []*org.Unit
	Indicators []Indicator
	Periods    []string
	Chosen     map[string]bool
}

func (h *handlers) formPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderForm(w, r, p, nil)
}

func (h *handlers) renderForm(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	ctx := r.Context()
	d := formData{Periods: PeriodKinds, Chosen: map[string]bool{}}
	for _, st := range h.s.Streets(ctx, p) {
		if p.Scope.AllowsOrgPath(st.Path) {
			d.Streets = append(d.Streets, st)
		}
	}
	if len(d.Streets) == 0 {
		return auth.ErrNotFound
	}
	view := web.View{Title: i18n.T("reports.form_new"), ActiveNav: "/reports", Errors: errs}
	street := d.Streets[0].ID
	if r.PathValue("id") != "" {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if d.F, err = h.s.Form(ctx, p, id); err != nil {
			return err
		}
		st, ok := h.s.Org.Lookup(ctx, d.F.StreetID)
		if !ok || !p.Scope.AllowsOrgPath(st.Path) {
			return auth.ErrNotFound
		}
		street = st.ID
		view.Title = i18n.T("reports.form_edit", "name", d.F.Name)
		view.Form = url.Values{"name": {d.F.Name}, "period": {d.F.Period}, "due_day": {strconv.Itoa(d.F.DueDay)}, "fields": {FieldsText(d.F.Rows)}, "street_id": {strconv.FormatInt(street, 10)}}
		if d.F.Active {
			view.Form.Set("active", "1")
		}
		for _, row := range d.F.Rows {
			if row.Indicator() {
				view.Form.Add("indicators", row.Key)
			}
		}
	} else {
		view.Form = url.Values{"due_day": {"5"}, "active": {"1"}, "period": {Monthly}}
	}
	if errs.Any() {
		view.Form = r.PostForm
	}
	for _, c := range view.Form["indicators"] {
		d.Chosen[c] = true
	}
	var err error
	if d.Indicators, err = h.s.Figures.Indicators(ctx, p, street); err != nil {
		return err
	}
	view.Data = d
	status := http.StatusOK
	if errs.Any() {
		status = http.StatusUnprocessableEntity
	}
	return h.srv.RenderStatus(w, r, status, "reports/form.html", view)
}

func (h *handlers) saveForm(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r); err != nil {
			return err
		}
	}
	street, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("street_id")), 10, 64)
	_, err := h.s.SaveForm(r.Context(), p, id, FormInput{StreetID: street, Name: r.PostFormValue("name"), Period: r.PostFormValue("period"),
		DueDay: r.PostFormValue("due_day"), Indicators: r.PostForm["indicators"], Fields: r.PostFormValue("fields"), Active: r.PostFormValue("active") != ""})
	if errs, ok := i18n.Refused(err); ok {
		return h.renderForm(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/report-forms", i18n.T("reports.form_saved"))
}

// ---- 待办 ----

// Todos are the reports waiting for p on the home page: drafts and returned
// reports of p's communities (overdue past their due date, due today, soon
// within three days, else waiting) and, for the street, submitted reports to
// review.
func (s *Service) Todos(ctx context.Context, p *auth.Principal, limit int) ([]web.TodoGroup, error) {
	if !p.Can(PermRead) || limit <= 0 {
		return nil, nil
	}
	fill, review, err := s.Due(ctx, p)
	if err != nil {
		return nil, err
	}
	today := s.today()
	soon := s.now().In(locale.Zone).AddDate(0, 0, 3).Format(time.DateOnly)
	groups := map[web.Urgency]*web.TodoGroup{}
	add := func(u web.Urgency, it web.TodoItem, all string) {
		g := groups[u]
		if g == nil {
			g = &web.TodoGroup{Urgency: u, All: []web.Link{{Label: i18n.T("reports.todo_all"), Href: all}}}
			groups[u] = g
		}
		g.Total++
		if len(g.Items) < limit {
			it.Urgency = u
			g.Items = append(g.Items, it)
		}
	}
	for _, r := range fill {
		due, _ := time.ParseInLocation(time.DateOnly, r.DueDate, web.Local)
		dueAt := due.AddDate(0, 0, 1).UnixMilli()
		u := web.UrgencyWaiting
		switch {
		case r.DueDate < today:
			u = web.UrgencyOverdue
		case r.DueDate == today:
			u = web.UrgencyToday
		case r.DueDate <= soon || r.State == Returned:
			u = web.UrgencySoon
		}
		add(u, web.TodoItem{Due: dueAt, Title: title(r), Kind: i18n.T("reports.todo_kind", "state", i18n.T("reports.state."+r.State)),
			Where: r.CommunityName, Href: "/reports/" + strconv.FormatInt(r.ID, 10)}, "/reports?state="+r.State)
	}
	for _, r := range review {
		add(web.UrgencyWaiting, web.TodoItem{Title: title(r), Kind: i18n.T("reports.todo_review"),
			Where: r.CommunityName, Href: "/reports/" + strconv.FormatInt(r.ID, 10)}, "/reports?state="+Submitted)
	}
	var out []web.TodoGroup
	for _, u := range web.Urgencies {
		if g := groups[u]; g != nil {
			out = append(out, *g)
		}
	}
	return out, nil
}

package workplans

import (
	"embed"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/web"
)

//go:embed templates
var templateFS embed.FS

//go:embed static/workplans.css
var cssFile []byte

// Routes registers the pages: the list, a document and its forms, the
// summary's drafting, the print view and the .docx export.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("workplans", templateFS)
	srv.AddAsset("/workplans/assets/workplans.css", "text/css; charset=utf-8", cssFile)
	h := &handlers{s: s, srv: srv}
	srv.Page("GET", "/workplans", PermRead, "", h.listPage)
	srv.Page("GET", "/workplans/new", PermWrite, "", h.newPage)
	srv.Page("POST", "/workplans/new", PermWrite, "", h.create)
	srv.Page("GET", "/workplans/summary", PermWrite, "", h.summaryPage)
	srv.Page("POST", "/workplans/summary", PermWrite, "", h.summarize)
	srv.Page("GET", "/workplans/{id}", PermRead, "work_plan", h.planPage)
	srv.Page("GET", "/workplans/{id}/print", PermRead, "work_plan", h.printPage)
	srv.Page("GET", "/workplans/{id}/export.docx", PermRead, "work_plan", h.export)
	srv.Page("GET", "/workplans/{id}/edit", PermWrite, "work_plan", h.editPage)
	srv.Page("POST", "/workplans/{id}/edit", PermWrite, "work_plan", h.edit)
	srv.Page("GET", "/workplans/{id}/tasks", PermWrite, "work_plan", h.taskNewPage)
	srv.Page("POST", "/workplans/{id}/tasks", PermWrite, "work_plan", h.taskAdd)
	srv.Page("GET", "/workplans/{id}/month", PermWrite, "work_plan", h.monthPage)
	srv.Page("POST", "/workplans/{id}/month", PermWrite, "work_plan", h.month)
	srv.Page("GET", "/workplans/tasks/{id}/edit", PermWrite, "work_task", h.taskEditPage)
	srv.Page("POST", "/workplans/tasks/{id}/edit", PermWrite, "work_task", h.taskEdit)
	srv.AddNav(web.NavItem{Key: "workplans.nav", Href: "/workplans", Perm: PermRead, Order: 32})
}

type handlers struct {
	s   *Service
	srv *web.Server
}

func refused(err error) (*i18n.Errors, bool) {
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return verrs, true
	}
	return nil, false
}

func queryOrg(r *http.Request) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.URL.Query().Get("org")), 10, 64)
	return n
}

func formInt(r *http.Request, k string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(k)), 10, 64)
	return n
}

// ---- the list ----

type listData struct {
	Unit       *org.Unit
	Year       int
	Prev, Next int
	Plans      []*Plan
	CanEdit    bool
	HasAnnual  bool
	HasSummary *Plan
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	year := web.QueryInt(r, "year", h.s.ThisYear(), 2000, 2100)
	u, err := h.s.Unit(ctx, p, queryOrg(r))
	if err != nil {
		return err
	}
	d := listData{Unit: u, Year: year, Prev: year - 1, Next: year + 1, CanEdit: h.s.CanEdit(p, u)}
	if d.Plans, err = h.s.List(ctx, p, u, year); err != nil {
		return err
	}
	for _, pl := range d.Plans {
		if pl.UnitID == u.ID && pl.Kind == KindAnnual {
			d.HasAnnual = true
		}
		if pl.UnitID == u.ID && pl.Kind == KindSummary {
			d.HasSummary = pl
		}
	}
	return h.srv.Render(w, r, "workplans/list.html", web.View{Title: i18n.T("workplans.list_title", "unit", u.Name, "year", year), ActiveNav: "/workplans", Data: d})
}

// ---- a new annual plan ----

type newData struct {
	Unit *org.Unit
	Year int
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderNew(w, r, p, nil)
}

func (h *handlers) renderNew(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	ctx := r.Context()
	u, err := h.s.Unit(ctx, p, queryOrg(r))
	if err != nil {
		return err
	}
	if !h.s.CanEdit(p, u) {
		return auth.ErrForbidden
	}
	view := web.View{Title: i18n.T("workplans.new_title"), ActiveNav: "/workplans", Data: newData{Unit: u, Year: web.QueryInt(r, "year", h.s.ThisYear(), 2000, 2100)}, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "workplans/new.html", view)
}

func (h *handlers) create(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	year, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
	id, err := h.s.Create(r.Context(), p, CreateInput{OrgID: formInt(r, "org"), Year: year, Title: r.PostFormValue("title"), DocNumber: r.PostFormValue("doc_number")})
	if errs, ok := refused(err); ok {
		return h.renderNew(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, fmt.Sprintf("/workplans/%d", id), i18n.T("workplans.created"))
}

// ---- a document ----

type planData struct {
	Plan    *Plan
	Blocks  []Block
	Targets []Figure
	Months  []int
}

func (h *handlers) plan(r *http.Request, p *auth.Principal) (*planData, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	pl, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	return &planData{Plan: pl, Blocks: pl.Layout()}, nil
}

func (h *handlers) planPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.plan(r, p)
	if err != nil {
		return err
	}
	if d.Plan.Kind == KindAnnual {
		// The year's targets, read-only from the board.
		figs, err := h.s.Board.Figures(r.Context(), p, d.Plan.UnitID, d.Plan.Year)
		if err != nil && !errors.Is(err, auth.ErrForbidden) && !errors.Is(err, auth.ErrNotFound) {
			return err
		}
		for _, f := range figs {
			if f.Target != "" {
				d.Targets = append(d.Targets, f)
			}
		}
	}
	return h.srv.Render(w, r, "workplans/plan.html", web.View{Title: d.Plan.Title, ActiveNav: "/workplans", Data: d})
}

func (h *handlers) printPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.plan(r, p)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "workplans/print.html", web.View{Title: d.Plan.Title, ActiveNav: "/workplans", Data: d})
}

func (h *handlers) export(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.plan(r, p)
	if err != nil {
		return err
	}
	body, err := d.Plan.Docx(p.DisplayName)
	if err != nil {
		return err
	}
	if err := h.s.Exported(r.Context(), p, d.Plan); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(d.Plan.Title+".docx"))
	_, err = w.Write(body)
	return err
}

// ---- editing the text ----

type editData struct {
	Plan     *Plan
	Sections []Section // the sections and two blank ones to add
	Group    string
}

func (h *handlers) editPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderEdit(w, r, p, nil)
}

func (h *handlers) renderEdit(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	d, err := h.plan(r, p)
	if err != nil {
		return err
	}
	if !d.Plan.CanEdit {
		return auth.ErrForbidden
	}
	e := editData{Plan: d.Plan, Group: GroupText(d.Plan.Group)}
	if errs.Any() {
		e.Sections, e.Group = formSections(r), r.PostFormValue("group")
	} else {
		e.Sections = append(append([]Section{}, d.Plan.Sections...), Section{}, Section{})
	}
	view := web.View{Title: i18n.T("workplans.edit_title", "title", d.Plan.Title), ActiveNav: "/workplans", Data: e, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "workplans/edit.html", view)
}

// formSections are the sections posted as heading_0, text_0, heading_1 …
func formSections(r *http.Request) []Section {
	var out []Section
	for i := 0; i < 40; i++ {
		k := strconv.Itoa(i)
		if _, ok := r.PostForm["heading_"+k]; !ok {
			if _, ok := r.PostForm["text_"+k]; !ok {
				break
			}
		}
		out = append(out, Section{Heading: r.PostFormValue("heading_" + k), Text: r.PostFormValue("text_" + k)})
	}
	return out
}

func (h *handlers) edit(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	err = h.s.Update(r.Context(), p, id, UpdateInput{Title: r.PostFormValue("title"), DocNumber: r.PostFormValue("doc_number"), Theme: r.PostFormValue("theme"),
		State: r.PostFormValue("state"), Sections: formSections(r), Group: r.PostFormValue("group")})
	if errs, ok := refused(err); ok {
		return h.renderEdit(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, fmt.Sprintf("/workplans/%d", id), i18n.T("workplans.saved"))
}

// ---- tasks ----

type taskData struct {
	Plan     *Plan
	Task     *Task
	Statuses []string
}

func (h *handlers) taskNewPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderTaskNew(w, r, p, nil)
}

func (h *handlers) renderTaskNew(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	d, err := h.plan(r, p)
	if err != nil {
		return err
	}
	if !d.Plan.CanEdit || d.Plan.Kind == KindSummary {
		return auth.ErrForbidden
	}
	view := web.View{Title: i18n.T("workplans.task_title", "title", d.Plan.Title), ActiveNav: "/workplans", Data: taskData{Plan: d.Plan, Statuses: Statuses}, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "workplans/task.html", view)
}

func taskInput(r *http.Request) TaskInput {
	return TaskInput{Department: r.PostFormValue("department"), Content: r.PostFormValue("content"), Owner: r.PostFormValue("owner"),
		Deadline: r.PostFormValue("deadline"), Status: r.PostFormValue("status")}
}

func (h *handlers) taskAdd(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	_, err = h.s.AddTask(r.Context(), p, id, taskInput(r))
	if errs, ok := refused(err); ok {
		return h.renderTaskNew(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, fmt.Sprintf("/workplans/%d#tasks", id), i18n.T("workplans.task_added"))
}

func (h *handlers) taskEditPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderTaskEdit(w, r, p, nil)
}

func (h *handlers) renderTaskEdit(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	pl, t, err := h.s.Task(r.Context(), p, id)
	if err != nil {
		return err
	}
	if !pl.CanEdit {
		return auth.ErrForbidden
	}
	view := web.View{Title: i18n.T("workplans.task_edit_title"), ActiveNav: "/workplans", Data: taskData{Plan: pl, Task: t, Statuses: Statuses}, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "workplans/task.html", view)
}

func (h *handlers) taskEdit(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = h.s.UpdateTask(r.Context(), p, id, taskInput(r))
	if errs, ok := refused(err); ok {
		return h.renderTaskEdit(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	pl, _, err := h.s.Task(r.Context(), p, id)
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, fmt.Sprintf("/workplans/%d#tasks", pl.ID), i18n.T("workplans.task_saved"))
}

// ---- the month's plan ----

func (h *handlers) monthPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderMonth(w, r, p, nil)
}

func (h *handlers) renderMonth(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	d, err := h.plan(r, p)
	if err != nil {
		return err
	}
	if !d.Plan.CanEdit || d.Plan.Kind != KindAnnual {
		return auth.ErrForbidden
	}
	d.Months = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	view := web.View{Title: i18n.T("workplans.derive_title", "title", d.Plan.Title), ActiveNav: "/workplans", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "workplans/month.html", view)
}

func (h *handlers) month(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	m, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("month")))
	nid, err := h.s.DeriveMonth(r.Context(), p, id, m, r.PostFormValue("theme"))
	if errs, ok := refused(err); ok {
		return h.renderMonth(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, fmt.Sprintf("/workplans/%d", nid), i18n.T("workplans.derived"))
}

// ---- the year-end summary ----

type summaryData struct {
	Unit     *org.Unit
	Year     int
	Existing *Plan
	Confirm  bool
}

func (h *handlers) summaryPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	year := web.QueryInt(r, "year", h.s.ThisYear(), 2000, 2100)
	u, err := h.s.Unit(ctx, p, queryOrg(r))
	if err != nil {
		return err
	}
	if !h.s.CanEdit(p, u) {
		return auth.ErrForbidden
	}
	return h.renderSummary(w, r, p, u, year, http.StatusOK, nil)
}

func (h *handlers) renderSummary(w http.ResponseWriter, r *http.Request, p *auth.Principal, u *org.Unit, year, status int, errs *i18n.Errors) error {
	d := summaryData{Unit: u, Year: year}
	plans, err := h.s.List(r.Context(), p, u, year)
	if err != nil {
		return err
	}
	for _, pl := range plans {
		if pl.UnitID == u.ID && pl.Kind == KindSummary {
			d.Existing = pl
			d.Confirm = pl.EditedAt > pl.GeneratedAt
		}
	}
	return h.srv.RenderStatus(w, r, status, "workplans/summary.html", web.View{Title: i18n.T("workplans.summarize_title", "unit", u.Name, "year", year),
		ActiveNav: "/workplans", Data: d, Errors: errs})
}

func (h *handlers) summarize(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	year, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
	id, err := h.s.Summarize(ctx, p, formInt(r, "org"), year, r.PostFormValue("confirm") == "1")
	if errors.Is(err, ErrConfirm) {
		u, uerr := h.s.Unit(ctx, p, formInt(r, "org"))
		if uerr != nil {
			return uerr
		}
		return h.renderSummary(w, r, p, u, year, http.StatusConflict, nil)
	}
	if errs, ok := refused(err); ok {
		u, uerr := h.s.Unit(ctx, p, formInt(r, "org"))
		if uerr != nil {
			return uerr
		}
		return h.renderSummary(w, r, p, u, h.s.ThisYear(), http.StatusUnprocessableEntity, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, fmt.Sprintf("/workplans/%d", id), i18n.T("workplans.summarized"))
}

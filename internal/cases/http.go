package cases

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/org"
	"linli/internal/uploads"
	"linli/internal/web"
)

//go:embed templates
var templateFS embed.FS

//go:embed static/cases.css
var cssFile []byte

// Routes registers the case pages, the portal, the API and Open311.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("cases", templateFS)
	h := &handlers{s: s, srv: srv}
	srv.AddAsset("/cases/assets/cases.css", "text/css; charset=utf-8", cssFile)

	srv.Page("GET", "/cases", PermRead, "", h.workPage)
	srv.Page("GET", "/cases/all", PermRead, "", h.listPage)
	srv.Page("GET", "/cases/export", PermWork, "", h.export)
	srv.Page("GET", "/cases/new", PermReport, "", h.newPage)
	srv.Page("GET", "/cases/report", PermReport, "", h.reportPage)
	srv.Page("POST", "/cases", PermReport, "", h.create)
	srv.Page("POST", "/cases/alerts/read", PermWork, "", h.alertsRead)
	srv.Page("GET", "/cases/stats", PermStats, "", h.statsPage)
	srv.Page("GET", "/cases/stats/export", PermStats, "", h.statsExport)
	srv.Page("GET", "/case-files/{id}", PermFile, "case_file", h.file)
	srv.Page("GET", "/cases/{id}", PermRead, "case", h.casePage)
	srv.Page("POST", "/cases/{id}/transition", PermWork, "case", h.transition)
	srv.Page("POST", "/cases/{id}/comment", PermWork, "case", h.comment)
	srv.Page("POST", "/cases/{id}/escalate", PermWork, "case", h.escalate)
	srv.Page("POST", "/cases/{id}/merge", PermMerge, "case", h.merge)
	srv.Page("POST", "/cases/{id}/reveal", PermReveal, "case", h.reveal)
	srv.Page("POST", "/cases/{id}/links", PermWork, "case", h.linkAdd)
	srv.Page("POST", "/cases/{id}/links/delete", PermWork, "case", h.linkDelete)
	srv.Page("POST", "/cases/{id}/parties", PermWork, "case", h.partyAdd)
	srv.Page("POST", "/cases/{id}/parties/delete", PermWork, "case", h.partyDelete)
	srv.Page("POST", "/cases/{id}/sessions", PermWork, "case", h.sessionAdd)
	srv.Page("GET", "/cases/{id}/agreement", PermRead, "case", h.docPrint(DocAgreement))
	srv.Page("GET", "/cases/{id}/agreement/edit", PermWork, "case", h.docEdit(DocAgreement))
	srv.Page("POST", "/cases/{id}/agreement", PermWork, "case", h.docSave(DocAgreement))
	srv.Page("GET", "/cases/{id}/notice", PermRead, "case", h.docPrint(DocNotice))
	srv.Page("GET", "/cases/{id}/notice/edit", PermWork, "case", h.docEdit(DocNotice))
	srv.Page("POST", "/cases/{id}/notice", PermWork, "case", h.docSave(DocNotice))

	s.portalRoutes(srv, h)
	s.apiRoutes(srv, h)
	s.open311Routes(srv, h)
	s.adminRoutes(srv, h)
	s.auditRoutes(srv)

	srv.AddNav(web.NavItem{Key: "cases.nav", Href: "/cases", Perm: PermRead, Order: 30})
	srv.AddNav(web.NavItem{Key: "cases.nav_stats", Href: "/cases/stats", Perm: PermStats, Order: 31})
	srv.AddNav(web.NavItem{Key: "cases.nav_portal", Href: "/portal/requests", Perm: PermPortal, Order: 30})
	srv.AddNav(web.NavItem{Key: "cases.nav_types", Href: "/admin/case-types", Perm: PermConfigure, Order: 91})
	srv.AddDashboard(s)
	s.homeRoutes(srv)
}

// DashboardCards counts a resident's open requests (a worker's queue is the
// home page's 待办: Todos).
func (s *Service) DashboardCards(ctx context.Context, p *auth.Principal) ([]web.Card, error) {
	switch {
	case p.Can(PermPortal):
		_, n, err := s.List(ctx, p, Filter{Status: "open", Limit: 1})
		if err != nil {
			return nil, err
		}
		return []web.Card{{Label: i18n.T("cases.portal_open"), Value: strconv.Itoa(n), Href: "/portal/requests", Order: 10}}, nil
	}
	return nil, nil
}

type handlers struct {
	s   *Service
	srv *web.Server
}

func formInt(r *http.Request, k string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(k)), 10, 64)
	return v
}

// readFiles reads the "files" of a multipart form, each only up to one byte
// past the limit: checkUploads names a bigger one.
func (h *handlers) readFiles(r *http.Request) ([]Upload, error) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return nil, nil
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, i18n.NewError("bad_request", "err.bad_request")
	}
	return uploads.FromForm(r, "files", h.s.maxFile())
}

// ---- my work and lists ----

type workData struct {
	Mine    string
	Buckets []string
	Counts  WorkCounts
	Cases   []*Case
	Pager   web.Pager
	Alerts  []*Alert
	Unread  int
	CanWork bool
	CanNew  bool
	Types   []*TypeDef
}

func (h *handlers) workPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	mine := r.URL.Query().Get("mine")
	d := workData{CanWork: p.Can(PermWork), CanNew: p.Can(PermReport)}
	var dflt string
	d.Buckets, dflt = WorkBuckets(p)
	if !contains(d.Buckets, mine) {
		mine = dflt
	}
	if d.CanWork {
		var err error
		if d.Counts, err = h.s.MyWork(ctx, p); err != nil {
			return err
		}
		if mine == MineTodo && d.Counts.Todo == 0 && d.Counts.Intake > 0 && r.URL.Query().Get("mine") == "" {
			mine = MineIntake
		}
		if d.Alerts, d.Unread, err = h.s.Alerts(ctx, p, 8); err != nil {
			return err
		}
	}
	d.Mine = mine
	pg := web.NewPager(r, 30)
	list, total, err := h.s.List(ctx, p, Filter{Mine: mine, Limit: pg.PerPage, Offset: pg.Offset()})
	if err != nil {
		return err
	}
	pg.Total = total
	d.Cases, d.Pager = list, pg
	d.Types, err = h.s.ReportableTypes(ctx, p)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "cases/work.html", web.View{Title: i18n.T("cases.work_title"), ActiveNav: "/cases", Data: d})
}

type listData struct {
	Cases       []*Case
	Pager       web.Pager
	Types       []*TypeDef
	Type        *TypeDef
	Communities []*org.Unit
	Grids       []*org.Unit
	CanExport   bool
}

func listFilter(r *http.Request) Filter {
	q := r.URL.Query()
	return Filter{Type: q.Get("type"), Stage: q.Get("stage"), Category: q.Get("category"), Status: q.Get("status"), CommunityID: formInt(r, "community"),
		GridID: formInt(r, "grid"), Q: q.Get("q"), From: q.Get("from"), To: q.Get("to")}
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	pg := web.NewPager(r, 50)
	f := listFilter(r)
	f.Limit, f.Offset = pg.PerPage, pg.Offset()
	list, total, err := h.s.List(ctx, p, f)
	if err != nil {
		return err
	}
	pg.Total = total
	d := listData{Cases: list, Pager: pg, CanExport: p.Can(PermWork)}
	if d.Types, err = h.s.VisibleTypes(ctx, p); err != nil {
		return err
	}
	for _, t := range d.Types {
		if t.Code == f.Type {
			d.Type = t
		}
	}
	if p.Can(org.PermRead) {
		if d.Communities, err = h.s.Org.InScope(ctx, p, org.Community); err != nil {
			return err
		}
		if d.Grids, err = h.s.Org.InScope(ctx, p, org.Grid); err != nil {
			return err
		}
	}
	return h.srv.Render(w, r, "cases/list.html", web.View{Title: i18n.T("cases.list_title"), ActiveNav: "/cases", Data: d})
}

// export writes the filtered list as Excel, reporter phones masked.
func (h *handlers) export(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	f := listFilter(r)
	headers := []string{i18n.T("cases.number"), i18n.T("cases.type"), i18n.T("cases.category"), i18n.T("cases.title"), i18n.T("cases.stage"),
		i18n.T("org.level.community"), i18n.T("org.level.grid"), i18n.T("cases.holder"), i18n.T("cases.assignee"), i18n.T("cases.source"),
		i18n.T("cases.reporter_name"), i18n.T("cases.reporter_phone"), i18n.T("cases.created_at"), i18n.T("cases.due_at"), i18n.T("cases.closed_at"),
		i18n.T("cases.due_state"), i18n.T("cases.resolved"), i18n.T("cases.rating")}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(i18n.T("cases.export_file")+".xlsx"))
	xw, err := importexport.NewWriter(w, importexport.Meta{Title: i18n.T("cases.list_title"), ExportedBy: p.DisplayName + "（" + p.Username + "）", ExportedAt: time.Now().In(web.Local), Masked: true}, headers)
	if err != nil {
		return err
	}
	const page = 500
	for off := 0; off < 200_000; off += page {
		f.Limit, f.Offset = page, off
		list, _, err := h.s.List(ctx, p, f)
		if err != nil {
			return err
		}
		for _, c := range list {
			if err := xw.Write(c.Number(), c.TypeName(), c.CategoryName(), c.Title, c.StageName(), c.CommunityName, c.GridName, c.HolderName, c.AssigneeName,
				c.SourceName(), c.ReporterName, c.PhoneMask, fmtTime(c.CreatedAt), fmtTime(c.DueAt), fmtTime(c.ClosedAt), c.DueLabel(), c.ResolvedLabel(), c.RatingName()); err != nil {
				return err
			}
		}
		if len(list) < page {
			break
		}
	}
	return xw.Close()
}

func fmtTime(ms int64) string {
	if ms <= 0 {
		return ""
	}
	return time.UnixMilli(ms).In(web.Local).Format("2006-01-02 15:04")
}

// ---- new cases ----

type newData struct {
	Types       []*TypeDef
	Type        *TypeDef
	Communities []*org.Unit
	Grids       []*org.Unit
	Sources     []string
	Mobile      bool
	Accept      string // uploads.DocumentAccept, or uploads.PhotoAccept when the form opens the camera
}

func (h *handlers) newData(ctx context.Context, p *auth.Principal, typ string) (newData, error) {
	var d newData
	var err error
	if d.Types, err = h.s.ReportableTypes(ctx, p); err != nil {
		return d, err
	}
	for _, t := range d.Types {
		if t.Code == typ {
			d.Type = t
		}
	}
	if d.Type == nil && len(d.Types) > 0 {
		d.Type = d.Types[0]
	}
	if d.Type != nil {
		for _, src := range d.Type.Sources {
			if src != "portal" && src != "open311" {
				d.Sources = append(d.Sources, src)
			}
		}
	}
	if d.Communities, err = h.s.Org.InScope(ctx, p, org.Community); err != nil {
		return d, err
	}
	d.Grids, err = h.s.Org.InScope(ctx, p, org.Grid)
	return d, err
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderNew(w, r, p, r.URL.Query().Get("type"), false, nil)
}

func (h *handlers) reportPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	typ := r.URL.Query().Get("type")
	if typ == "" {
		typ = "grid_event"
	}
	return h.renderNew(w, r, p, typ, true, nil)
}

func (h *handlers) renderNew(w http.ResponseWriter, r *http.Request, p *auth.Principal, typ string, mobile bool, errs *i18n.Errors) error {
	d, err := h.newData(r.Context(), p, typ)
	if err != nil {
		return err
	}
	if d.Type == nil {
		return auth.ErrForbidden
	}
	d.Mobile = mobile
	d.Accept = uploads.DocumentAccept
	if mobile {
		d.Accept = uploads.PhotoAccept
	}
	v := web.View{Title: i18n.T("cases.new_title", "type", d.Type.Name), ActiveNav: "/cases", Data: d, Errors: errs}
	if mobile {
		v.Title = i18n.T("cases.report_title")
	}
	if errs.Any() {
		v.Form = r.PostForm
	} else if r.Method == http.MethodGet {
		// Opened from another page (上报事件 on a patrol): the form starts
		// with its place, source and the link to make.
		v.Form = prefill(r.URL.Query())
	}
	return h.srv.Render(w, r, "cases/new.html", v)
}

// prefillKeys are the fields a link to the new-case form may fill in.
var prefillKeys = []string{"grid_id", "community_id", "location", "source", "title", "link_kind", "link_ref"}

func prefill(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range prefillKeys {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

func (h *handlers) create(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	files, err := h.readFiles(r)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderNew(w, r, p, r.PostFormValue("type"), r.PostFormValue("mobile") == "1", verrs)
	}
	if err != nil {
		return err
	}
	in := CreateInput{Type: r.PostFormValue("type"), Category: r.PostFormValue("category"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Location: r.PostFormValue("location"), Source: r.PostFormValue("source"), CommunityID: formInt(r, "community_id"), GridID: formInt(r, "grid_id"),
		ReporterName: r.PostFormValue("reporter_name"), ReporterPhone: r.PostFormValue("reporter_phone"), Files: files}
	if kind, ref := r.PostFormValue("link_kind"), formInt(r, "link_ref"); kind != "" {
		in.Links = []LinkRef{{Kind: kind, RefID: ref}}
	}
	id, err := h.s.Create(r.Context(), p, in)
	if errors.As(err, &verrs) {
		return h.renderNew(w, r, p, in.Type, r.PostFormValue("mobile") == "1", verrs)
	}
	if err != nil {
		return err
	}
	c, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	target := "/cases/" + itoa(id)
	if !p.Can(PermWork) {
		target = "/cases?mine=reported"
	}
	if len(in.Links) == 1 {
		// Reported from a page of what it links (a patrol): back there.
		if rv, ok := h.s.resolver(in.Links[0].Kind); ok {
			if ref, err := rv.Resolve(r.Context(), p, in.Links[0].RefID); err == nil && strings.HasPrefix(ref.Href, "/") && !strings.HasPrefix(ref.Href, "//") {
				target = ref.Href
			}
		}
	}
	return h.srv.Redirect(w, r, target, i18n.T("cases.created", "number", c.Number()))
}

// ---- one case ----

type caseData struct {
	Accept     string // the uploads' accept: uploads.DocumentAccept
	Case       *Case
	Events     []*Event
	Details    map[int64][]string
	Assign     AssignOptions
	NeedAssign bool
	Links      []LinkView
	LinkKinds  []string
	LinkKind   string
	LinkQ      string
	LinkHits   []Ref
	Parties    []Party
	PersonKind bool
	Sessions   []Session
	Documents  []docInfo
	Phone      string
	Ratings    []string
	PartyRoles []string
	Today      string
	Open       string // the transition form to show open (after an error)
}

type docInfo struct {
	Kind    string
	Written bool
}

// DocWritten reports whether the case's document of kind is written, for a
// step that needs it: 填写 when not, 查看/修改 when it is.
func (d caseData) DocWritten(kind string) bool {
	for _, x := range d.Documents {
		if x.Kind == kind {
			return x.Written
		}
	}
	return false
}

func (h *handlers) casePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	// A refused step comes back here by post/redirect/get (formErr): its
	// form open again, with what was typed and the problems.
	if form, errs, open, ok := h.srv.TakeRefused(w, r); ok {
		r.PostForm = form
		return h.renderCase(w, r, p, id, errs, open, "")
	}
	return h.renderCase(w, r, p, id, nil, "", "")
}

func (h *handlers) renderCase(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, errs *i18n.Errors, open, phone string) error {
	ctx := r.Context()
	c, err := h.s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	d := caseData{Accept: uploads.DocumentAccept, Case: c, Phone: phone, Ratings: Ratings, PartyRoles: PartyRoles, Open: open, Today: time.Now().In(web.Local).Format(time.DateOnly)}
	if d.Events, err = h.s.Timeline(ctx, p, id); err != nil {
		return err
	}
	d.Details = map[int64][]string{}
	for _, e := range d.Events {
		d.Details[e.ID] = h.s.DetailLines(c, e, true)
	}
	for _, tr := range c.Access.Actions {
		d.NeedAssign = d.NeedAssign || tr.Assign != ""
	}
	if d.NeedAssign {
		if d.Assign, err = h.s.Assignable(ctx, c); err != nil {
			return err
		}
	}
	if d.Links, err = h.s.Links(ctx, p, id); err != nil {
		return err
	}
	d.LinkKinds = h.s.LinkKinds()
	d.LinkKind, d.LinkQ = r.URL.Query().Get("link_kind"), strings.TrimSpace(r.URL.Query().Get("link_q"))
	if c.Access.Work && d.LinkKind != "" && d.LinkQ != "" {
		if d.LinkHits, err = h.s.SearchLinks(ctx, p, d.LinkKind, d.LinkQ); err != nil && !errors.Is(err, auth.ErrNotFound) {
			return err
		}
	}
	if c.Type != nil && c.Type.Parties {
		if d.Parties, err = h.s.Parties(ctx, p, id); err != nil {
			return err
		}
		_, d.PersonKind = h.s.resolver(LinkPerson)
		if d.Sessions, err = h.s.Sessions(ctx, p, id); err != nil {
			return err
		}
	}
	if c.Type != nil {
		for _, k := range c.Type.Documents {
			doc, err := h.s.document(ctx, c.CommunityID, c.ID, k)
			if err != nil {
				return err
			}
			d.Documents = append(d.Documents, docInfo{Kind: k, Written: doc != nil})
		}
	}
	v := web.View{Title: c.Number() + " " + c.Title, ActiveNav: "/cases", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	if r.Method == http.MethodGet {
		// The page itself, with a refused form taken back: the redirect
		// that brought it here succeeded.
		return h.srv.RenderStatus(w, r, http.StatusOK, "cases/case.html", v)
	}
	return h.srv.Render(w, r, "cases/case.html", v)
}

// formErr answers a refused form of the case page by post/redirect/get: back
// to /cases/{id} (303), where the form is shown again, open, with what was
// typed and its problems (casePage); a refresh there does not post again.
// Other errors are passed on.
func (h *handlers) formErr(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, err error, open string) error {
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		to := "/cases/" + itoa(id)
		if open != "" {
			to += "#step-" + open
		}
		return h.srv.RedirectRefused(w, r, to, r.PostForm, verrs, open)
	}
	return err
}

func (h *handlers) back(w http.ResponseWriter, r *http.Request, id int64, msg string) error {
	return h.srv.Redirect(w, r, "/cases/"+itoa(id), msg)
}

func fieldValues(r *http.Request) map[string]string {
	out := map[string]string{}
	for k, v := range r.PostForm {
		if key, ok := strings.CutPrefix(k, "f_"); ok && len(v) > 0 {
			out[key] = v[0]
		}
	}
	return out
}

func (h *handlers) transition(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	files, err := h.readFiles(r)
	action := r.PostFormValue("action")
	if err != nil {
		return h.formErr(w, r, p, id, err, action)
	}
	in := TransitionInput{Action: action, Fields: fieldValues(r), Note: r.PostFormValue("note"), Reply: r.PostFormValue("public_reply"), AssigneeID: formInt(r, "assignee_id"),
		HolderOrgID: formInt(r, "holder_org_id"), Rating: r.PostFormValue("rating"), Reopen: r.PostFormValue("reopen") == "1", Files: files,
		FilesPublic: r.PostFormValue("files_public") == "1"}
	if err := h.s.Transition(r.Context(), p, id, in); err != nil {
		return h.formErr(w, r, p, id, err, action)
	}
	return h.back(w, r, id, i18n.T("common.saved"))
}

func (h *handlers) comment(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	files, err := h.readFiles(r)
	if err != nil {
		return h.formErr(w, r, p, id, err, "")
	}
	in := CommentInput{Note: r.PostFormValue("note"), Reply: r.PostFormValue("public_reply"), FilesPublic: r.PostFormValue("files_public") == "1", Files: files}
	if err := h.s.Comment(r.Context(), p, id, in); err != nil {
		return h.formErr(w, r, p, id, err, "")
	}
	return h.back(w, r, id, i18n.T("common.saved"))
}

func (h *handlers) escalate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.Escalate(r.Context(), p, id, r.PostFormValue("reason")); err != nil {
		return h.formErr(w, r, p, id, err, "")
	}
	return h.back(w, r, id, i18n.T("cases.escalated"))
}

func (h *handlers) merge(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.Merge(r.Context(), p, id, r.PostFormValue("into"), r.PostFormValue("note")); err != nil {
		return h.formErr(w, r, p, id, err, "")
	}
	return h.back(w, r, id, i18n.T("cases.merged"))
}

func (h *handlers) reveal(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	phone, err := h.s.RevealPhone(r.Context(), p, id)
	if err != nil {
		return err
	}
	return h.renderCase(w, r, p, id, nil, "", phone)
}

func (h *handlers) linkAdd(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.AddLink(r.Context(), p, id, r.PostFormValue("kind"), formInt(r, "ref_id")); err != nil {
		return h.formErr(w, r, p, id, err, "")
	}
	return h.back(w, r, id, i18n.T("common.saved"))
}

func (h *handlers) linkDelete(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.RemoveLink(r.Context(), p, id, formInt(r, "link_id")); err != nil {
		return err
	}
	return h.back(w, r, id, i18n.T("common.deleted"))
}

func (h *handlers) partyAdd(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	in := PartyInput{Role: r.PostFormValue("role"), PersonID: formInt(r, "person_id"), Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"),
		Address: r.PostFormValue("address"), Remark: r.PostFormValue("remark")}
	if err := h.s.AddParty(r.Context(), p, id, in); err != nil {
		return h.formErr(w, r, p, id, err, "")
	}
	return h.back(w, r, id, i18n.T("common.saved"))
}

func (h *handlers) partyDelete(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.RemoveParty(r.Context(), p, id, formInt(r, "party_id")); err != nil {
		return err
	}
	return h.back(w, r, id, i18n.T("common.deleted"))
}

func (h *handlers) sessionAdd(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	in := Session{HeldOn: r.PostFormValue("held_on"), Place: r.PostFormValue("place"), Mediators: r.PostFormValue("mediators"),
		Participants: r.PostFormValue("participants"), Notes: r.PostFormValue("notes")}
	if err := h.s.AddSession(r.Context(), p, id, in); err != nil {
		return h.formErr(w, r, p, id, err, "")
	}
	return h.back(w, r, id, i18n.T("common.saved"))
}

// ---- documents ----

type docData struct {
	Case    *Case
	Kind    string
	Doc     *Document
	Values  map[string]string
	Fields  []DocField
	Parties []Party
}

// Val is a field's value on the form: what was posted, or what is stored.
func (d docData) Val(key string) string { return d.Values[key] }

func (h *handlers) docPrint(kind string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		c, doc, err := h.s.Document(r.Context(), p, id, kind)
		if err != nil {
			return err
		}
		if doc == nil {
			if c.Access.Work {
				return h.srv.Redirect(w, r, "/cases/"+itoa(id)+"/"+kind+"/edit", "")
			}
			return auth.ErrNotFound
		}
		d := docData{Case: c, Kind: kind, Doc: doc, Fields: DocFields[kind]}
		if kind == DocAgreement {
			if d.Parties, err = h.s.Parties(r.Context(), p, id); err != nil {
				return err
			}
		}
		return h.srv.Render(w, r, "cases/doc_"+kind+".html", web.View{Title: i18n.T("cases.doc." + kind), ActiveNav: "/cases", Data: d})
	}
}

func (h *handlers) docEdit(kind string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		return h.renderDocForm(w, r, p, id, kind, nil)
	}
}

func (h *handlers) renderDocForm(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, kind string, errs *i18n.Errors) error {
	c, doc, err := h.s.Document(r.Context(), p, id, kind)
	if err != nil {
		return err
	}
	if !c.Access.Work {
		return auth.ErrForbidden
	}
	d := docData{Case: c, Kind: kind, Doc: doc, Fields: DocFields[kind], Values: map[string]string{}}
	switch {
	case errs.Any():
		for _, f := range d.Fields {
			d.Values[f.Key] = r.PostFormValue(f.Key)
		}
	case doc != nil:
		d.Values = doc.Content
	default:
		d.Values = h.s.DocumentDefaults(r.Context(), c, kind)
	}
	if kind == DocAgreement {
		if d.Parties, err = h.s.Parties(r.Context(), p, id); err != nil {
			return err
		}
	}
	return h.srv.Render(w, r, "cases/doc_form.html", web.View{Title: i18n.T("cases.doc." + kind), ActiveNav: "/cases", Data: d, Errors: errs})
}

func (h *handlers) docSave(kind string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		values := map[string]string{}
		for _, f := range DocFields[kind] {
			values[f.Key] = r.PostFormValue(f.Key)
		}
		err = h.s.SaveDocument(r.Context(), p, id, kind, values)
		var verrs *i18n.Errors
		if errors.As(err, &verrs) {
			return h.renderDocForm(w, r, p, id, kind, verrs)
		}
		if err != nil {
			return err
		}
		return h.srv.Redirect(w, r, "/cases/"+itoa(id), i18n.T("cases.doc_saved", "doc", i18n.T("cases.doc."+kind)))
	}
}

// ---- files ----

func (h *handlers) file(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f, data, err := h.s.OpenFile(r.Context(), p, id)
	if err != nil {
		return err
	}
	// The type was recognised from the bytes on upload; it is never HTML. Photos
	// show inline; everything else downloads, and the sandbox keeps a PDF viewer
	// from running anything in our origin.
	w.Header().Set("Content-Type", f.ContentType)
	disp := "attachment"
	if f.IsImage() {
		disp = "inline"
	}
	w.Header().Set("Content-Disposition", disp+"; filename*=UTF-8''"+url.PathEscape(f.Name))
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox")
	w.Header().Set("Cache-Control", "private, max-age=600")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, err = w.Write(data)
	return err
}

func (h *handlers) alertsRead(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := h.s.MarkAlertsRead(r.Context(), p); err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/cases", "")
}

// ---- rates ----

type statsData struct {
	Stats  *Stats
	Types  []*TypeDef
	Units  []*org.Unit
	Filter StatsFilter
	Query  string
}

func statsFilter(r *http.Request) StatsFilter {
	q := r.URL.Query()
	return StatsFilter{OrgID: formInt(r, "org"), From: q.Get("from"), To: q.Get("to"), Type: q.Get("type")}
}

func (h *handlers) statsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	f := statsFilter(r)
	st, err := h.s.Stats(ctx, p, f)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		f = StatsFilter{}
		st, err = h.s.Stats(ctx, p, f)
	}
	if err != nil {
		return err
	}
	d := statsData{Stats: st, Filter: f, Query: r.URL.RawQuery}
	if d.Types, err = h.s.VisibleTypes(ctx, p); err != nil {
		return err
	}
	if d.Units, err = h.s.StatsUnits(ctx, p); err != nil {
		return err
	}
	return h.srv.Render(w, r, "cases/stats.html", web.View{Title: i18n.T("cases.stats_title"), ActiveNav: "/cases/stats", Data: d, Errors: verrs})
}

func (h *handlers) statsExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	st, err := h.s.Stats(r.Context(), p, statsFilter(r))
	if err != nil {
		return err
	}
	headers := []string{i18n.T("cases.stats_unit"), i18n.T("cases.stats_received"), i18n.T("cases.stats_response"), i18n.T("cases.stats_ontime"),
		i18n.T("cases.stats_resolution"), i18n.T("cases.stats_satisfaction"), i18n.T("cases.stats_mediation"), i18n.T("cases.stats_rectification"),
		i18n.T("cases.stats_closed"), i18n.T("cases.stats_overdue_open"), i18n.T("cases.stats_closed_late")}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(i18n.T("cases.stats_file", "from", st.From, "to", st.To)+".xlsx"))
	xw, err := importexport.NewWriter(w, importexport.Meta{Title: i18n.T("cases.stats_title"), ExportedBy: p.DisplayName + "（" + p.Username + "）", ExportedAt: time.Now().In(web.Local),
		Masked: true, Filter: st.From + " — " + st.To}, headers)
	if err != nil {
		return err
	}
	write := func(label string, c Counts) error {
		return xw.Write(label, c.Received, c.ResponseRate(), c.OnTimeRate(), c.ResolutionRate(), c.SatisfactionRate(), c.MediationRate(), c.RectificationRate(),
			c.Closed, c.OverdueOpen, c.ClosedLate)
	}
	for _, row := range st.Rows {
		if err := write(strings.Repeat("　", row.Depth)+row.Name, row.Counts); err != nil {
			return err
		}
	}
	for _, m := range st.Months {
		if err := write(i18n.T("cases.stats_month_row", "month", m.Month), m.Counts); err != nil {
			return err
		}
	}
	return xw.Close()
}

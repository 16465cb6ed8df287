package campaigns

import (
	"embed"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/uploads"
	"linli/internal/web"
)

//go:embed templates
var templateFS embed.FS

// Routes registers the campaign pages.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("campaigns", templateFS)
	h := &handlers{s: s, srv: srv}
	srv.Page("GET", "/campaigns", PermRead, "", h.listPage)
	srv.Page("GET", "/campaigns/new", PermRun, "", h.newPage)
	srv.Page("POST", "/campaigns/new", PermRun, "", h.start)
	srv.Page("GET", "/campaigns/templates", PermCheck, "", h.templatesPage)
	srv.Page("POST", "/campaigns/templates", PermCheck, "", h.addTemplate)
	srv.Page("GET", "/campaigns/templates/{id}/edit", PermCheck, "campaign_template", h.templatePage)
	srv.Page("POST", "/campaigns/templates/{id}/edit", PermCheck, "campaign_template", h.editTemplate)
	srv.Page("GET", "/campaigns/{id}", PermRead, "campaign", h.campaignPage)
	srv.Page("GET", "/campaigns/{id}/group", PermRun, "campaign", h.groupPage)
	srv.Page("POST", "/campaigns/{id}/group", PermRun, "campaign", h.setGroup)
	srv.Page("GET", "/campaigns/{id}/tasks", PermRun, "campaign", h.tasksPage)
	srv.Page("POST", "/campaigns/{id}/tasks", PermRun, "campaign", h.addTask)
	srv.Page("POST", "/campaigns/tasks/{id}/done", PermRun, "campaign_task", h.doneTask)
	srv.Page("GET", "/campaigns/{id}/evidence", PermRun, "campaign", h.evidencePage)
	srv.Page("POST", "/campaigns/{id}/evidence", PermRun, "campaign", h.addEvidence)
	srv.Page("GET", "/campaigns/evidence/{id}/file", PermRead, "campaign_evidence", h.file)
	srv.Page("GET", "/campaigns/{id}/self", PermRun, "campaign", h.selfPage)
	srv.Page("POST", "/campaigns/{id}/self", PermRun, "campaign", h.selfCheck)
	srv.Page("GET", "/campaigns/{id}/check", PermCheck, "campaign", h.checkPage)
	srv.Page("POST", "/campaigns/{id}/check", PermCheck, "campaign", h.check)
	srv.Page("GET", "/campaigns/{id}/accept", PermCheck, "campaign", h.acceptPage)
	srv.Page("POST", "/campaigns/{id}/accept", PermCheck, "campaign", h.accept)
	srv.AddNav(web.NavItem{Key: "campaigns.nav", Href: "/campaigns", Perm: PermRead, Order: 32})
	srv.AddTodo(todos{s})
}

type handlers struct {
	s   *Service
	srv *web.Server
}

func formInt(r *http.Request, k string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(k)), 10, 64)
	return v
}

func href(id int64) string { return "/campaigns/" + strconv.FormatInt(id, 10) }

func (h *handlers) view(r *http.Request, title string, data any, errs *i18n.Errors) web.View {
	v := web.View{Title: title, ActiveNav: "/campaigns", Data: data, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return v
}

// ---- list ----

type listData struct {
	List         []*Campaign
	States       []string
	State        string
	Year         int
	Today        string
	CanStart     bool
	CanTemplates bool
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d := listData{States: States, State: r.URL.Query().Get("state"), Year: web.QueryInt(r, "year", 0, 2000, 2100), Today: h.s.Today(),
		CanStart: p.Can(PermRun), CanTemplates: p.Can(PermCheck)}
	okState := d.State == ""
	for _, st := range States {
		okState = okState || st == d.State
	}
	if !okState {
		d.State = ""
	}
	var err error
	if d.List, err = h.s.List(r.Context(), p, Filter{State: d.State, Year: d.Year}); err != nil {
		return err
	}
	return h.srv.Render(w, r, "campaigns/list.html", h.view(r, i18n.T("campaigns.list_title"), d, nil))
}

// ---- start ----

type newData struct {
	Communities []*org.Unit
	Templates   map[int64][]*Template // by community
	Year        int
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderNew(w, r, p, nil)
}

func (h *handlers) renderNew(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	ctx := r.Context()
	d := newData{Templates: map[int64][]*Template{}, Year: h.s.ThisYear()}
	var err error
	if d.Communities, err = h.s.Communities(ctx, p); err != nil {
		return err
	}
	for _, c := range d.Communities {
		if st := h.s.Org.StreetOf(ctx, c); st != nil {
			if d.Templates[c.ID], err = h.s.Templates(ctx, st.ID); err != nil {
				return err
			}
		}
	}
	return h.srv.Render(w, r, "campaigns/new.html", h.view(r, i18n.T("campaigns.new_title"), d, errs))
}

func (h *handlers) start(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	year, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
	// The template field names the community it was offered for ("c:t").
	comm, tmpl := int64(0), int64(0)
	if a, b, ok := strings.Cut(r.PostFormValue("template"), ":"); ok {
		comm, _ = strconv.ParseInt(a, 10, 64)
		tmpl, _ = strconv.ParseInt(b, 10, 64)
	}
	id, err := h.s.Start(r.Context(), p, StartInput{CommunityID: comm, TemplateID: tmpl, Year: year})
	if errs, ok := i18n.Refused(err); ok {
		return h.renderNew(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, href(id), i18n.T("campaigns.started"))
}

// ---- templates ----

type templatesData struct {
	Streets   []*org.Unit
	Templates map[int64][]*Template
	Kinds     []string
	T         *Template // the one edited
}

func (h *handlers) templatesPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderTemplates(w, r, p, nil)
}

func (h *handlers) renderTemplates(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	ctx := r.Context()
	d := templatesData{Templates: map[int64][]*Template{}, Kinds: Kinds}
	var err error
	if d.Streets, err = h.s.TemplateStreets(ctx, p); err != nil {
		return err
	}
	for _, st := range d.Streets {
		if d.Templates[st.ID], err = h.s.Templates(ctx, st.ID); err != nil {
			return err
		}
	}
	return h.srv.Render(w, r, "campaigns/templates.html", h.view(r, i18n.T("campaigns.templates_title"), d, errs))
}

func templateInput(r *http.Request) TemplateInput {
	return TemplateInput{StreetID: formInt(r, "street_id"), Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Title: r.PostFormValue("title"),
		PassScore: r.PostFormValue("pass_score"), Phases: r.PostFormValue("phases"), Criteria: r.PostFormValue("criteria")}
}

func (h *handlers) addTemplate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	_, err := h.s.SaveTemplate(r.Context(), p, 0, templateInput(r))
	if errs, ok := i18n.Refused(err); ok {
		return h.renderTemplates(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/campaigns/templates", i18n.T("campaigns.template_saved"))
}

func (h *handlers) templatePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderTemplate(w, r, p, nil)
}

func (h *handlers) renderTemplate(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	t, err := h.s.GetTemplate(r.Context(), p, id)
	if err != nil {
		return err
	}
	v := h.view(r, t.Name, templatesData{Kinds: Kinds, T: t}, errs)
	if !errs.Any() {
		v.Form = url.Values{"name": {t.Name}, "kind": {t.Kind}, "title": {t.Title}, "pass_score": {strconv.Itoa(t.PassScore)}, "phases": {t.PhasesText()},
			"criteria": {t.CriteriaText()}}
	}
	return h.srv.Render(w, r, "campaigns/template.html", v)
}

func (h *handlers) editTemplate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	_, err = h.s.SaveTemplate(r.Context(), p, id, templateInput(r))
	if errs, ok := i18n.Refused(err); ok {
		return h.renderTemplate(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/campaigns/templates", i18n.T("campaigns.template_saved"))
}

// ---- a campaign ----

type campaignData struct {
	C        *Campaign
	D        *Details
	Today    string
	Phase    string
	Self     int
	SelfVeto bool
	Check    int
	Vetoed   bool
	Passed   bool
	Hrefs    map[int64]string // linked evidence → its page (when p may still see it)
	Links    []string
	Stage    string // the stage a score page records
	Accept   string // the file input's accept
}

func (h *handlers) campaign(r *http.Request, p *auth.Principal) (*campaignData, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	c, d, err := h.s.Details(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	cd := &campaignData{C: c, D: d, Today: h.s.Today(), Hrefs: map[int64]string{}, Links: h.s.LinkKinds()}
	cd.Phase = c.Phase(cd.Today)
	cd.Self, cd.SelfVeto = d.StageTotal(StageSelf)
	cd.Passed, cd.Check, cd.Vetoed = Result(c, d)
	for _, e := range d.Evidence {
		cd.Hrefs[e.ID] = h.s.EvidenceHref(r.Context(), p, e)
	}
	return cd, nil
}

func (h *handlers) campaignPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.campaign(r, p)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "campaigns/campaign.html", h.view(r, d.C.CommunityName+" · "+d.C.Name+"（"+strconv.Itoa(d.C.Year)+"）", d, nil))
}

// renderStep draws one of the campaign's step pages (page) after checking
// that p may take the step (ok).
func (h *handlers) renderStep(w http.ResponseWriter, r *http.Request, p *auth.Principal, page, titleKey string, ok func(Access) bool, errs *i18n.Errors) error {
	d, err := h.campaign(r, p)
	if err != nil {
		return err
	}
	if !ok(d.C.Access) {
		if !h.s.Org.HoldsPartition(r.Context(), p, d.C.CommunityID) {
			return auth.ErrForbidden
		}
		return ErrState
	}
	d.Stage, d.Accept = StageSelf, Accept
	if page == "check.html" {
		d.Stage = StageCheck
	}
	v := h.view(r, i18n.T(titleKey, "name", d.C.Name), d, errs)
	return h.srv.Render(w, r, "campaigns/"+page, v)
}

func canRun(a Access) bool       { return a.Run }
func canSelfCheck(a Access) bool { return a.SelfCheck }
func canCheck(a Access) bool     { return a.Check }
func canAccept(a Access) bool    { return a.Accept }

func (h *handlers) groupPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderStep(w, r, p, "group.html", "campaigns.group_title", canRun, nil)
}

func (h *handlers) setGroup(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = h.s.SetGroup(r.Context(), p, id, r.PostFormValue("group"))
	if errs, ok := i18n.Refused(err); ok {
		return h.renderStep(w, r, p, "group.html", "campaigns.group_title", canRun, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, href(id), i18n.T("campaigns.group_saved"))
}

func (h *handlers) tasksPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderStep(w, r, p, "tasks.html", "campaigns.tasks_title", canRun, nil)
}

func (h *handlers) addTask(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	_, err = h.s.AddTask(r.Context(), p, id, TaskInput{Title: r.PostFormValue("title"), Department: r.PostFormValue("department"), Owner: r.PostFormValue("owner"),
		Deadline: r.PostFormValue("deadline"), Criterion: r.PostFormValue("criterion")})
	if errs, ok := i18n.Refused(err); ok {
		return h.renderStep(w, r, p, "tasks.html", "campaigns.tasks_title", canRun, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, href(id)+"/tasks", i18n.T("campaigns.task_saved"))
}

func (h *handlers) doneTask(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := h.s.DoneTask(r.Context(), p, id)
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, href(cid), i18n.T("campaigns.task_done"))
}

func (h *handlers) evidencePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderStep(w, r, p, "evidence.html", "campaigns.evidence_title", canRun, nil)
}

func (h *handlers) addEvidence(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	up, err := h.readFile(r)
	if errs, ok := i18n.Refused(err); ok {
		return h.renderStep(w, r, p, "evidence.html", "campaigns.evidence_title", canRun, errs)
	}
	if err != nil {
		return err
	}
	in := EvidenceInput{Criterion: r.FormValue("criterion"), Note: r.FormValue("note"), File: up}
	if up == nil {
		in.LinkKind, in.LinkID = r.FormValue("link_kind"), formInt(r, "link_id")
	}
	_, err = h.s.AddEvidence(r.Context(), p, id, in)
	if errs, ok := i18n.Refused(err); ok {
		return h.renderStep(w, r, p, "evidence.html", "campaigns.evidence_title", canRun, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, href(id), i18n.T("campaigns.evidence_saved"))
}

// readFile reads the form's "file" (nil when none was chosen).
func (h *handlers) readFile(r *http.Request) (*uploads.File, error) {
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
	files, err := uploads.FromForm(r, "file", MaxFile)
	if err != nil || len(files) == 0 {
		return nil, err
	}
	return &files[0], nil
}

func (h *handlers) file(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := h.s.EvidenceFile(r.Context(), p, id)
	if err != nil {
		return err
	}
	// The type was recognised from the bytes on upload; the file is always
	// downloaded, and the sandbox keeps a viewer from running anything here.
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(f.Name))
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=600")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Data)))
	_, err = w.Write(f.Data)
	return err
}

// scores reads the score fields of every criterion of the campaign.
func scores(r *http.Request) []ScoreInput {
	var out []ScoreInput
	for _, code := range r.PostForm["code"] {
		out = append(out, ScoreInput{Criterion: code, Points: r.PostFormValue("points_" + code), VetoFailed: r.PostFormValue("veto_"+code) == "fail",
			Note: r.PostFormValue("note_" + code)})
	}
	return out
}

func (h *handlers) selfPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderStep(w, r, p, "self.html", "campaigns.self_title", canSelfCheck, nil)
}

func (h *handlers) selfCheck(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = h.s.SelfCheck(r.Context(), p, id, scores(r))
	if errs, ok := i18n.Refused(err); ok {
		return h.renderStep(w, r, p, "self.html", "campaigns.self_title", canSelfCheck, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, href(id), i18n.T("campaigns.self_saved"))
}

func (h *handlers) checkPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderStep(w, r, p, "check.html", "campaigns.check_title", canCheck, nil)
}

func (h *handlers) check(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = h.s.Check(r.Context(), p, id, CheckInput{Scores: scores(r), Findings: r.PostFormValue("findings")})
	if errs, ok := i18n.Refused(err); ok {
		return h.renderStep(w, r, p, "check.html", "campaigns.check_title", canCheck, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, href(id), i18n.T("campaigns.check_saved"))
}

func (h *handlers) acceptPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderStep(w, r, p, "accept.html", "campaigns.accept_title", canAccept, nil)
}

func (h *handlers) accept(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	passed, err := h.s.Accept(r.Context(), p, id, AcceptInput{Title: r.PostFormValue("title"), ValidUntil: r.PostFormValue("valid_until"), ReexamOn: r.PostFormValue("reexam_on")})
	if errs, ok := i18n.Refused(err); ok {
		return h.renderStep(w, r, p, "accept.html", "campaigns.accept_title", canAccept, errs)
	}
	if err != nil {
		return err
	}
	msg := i18n.T("campaigns.accepted")
	if !passed {
		msg = i18n.T("campaigns.failed")
	}
	return h.srv.Redirect(w, r, href(id), msg)
}

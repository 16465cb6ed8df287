package activities

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
	"linli/internal/web"
)

//go:embed templates
var templateFS embed.FS

// Routes registers the activity pages. An activity's record is its page;
// each change is a form on a page of its own.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("activities", templateFS)
	h := &handlers{s: s, srv: srv}

	srv.Page("GET", "/activities", PermRead, "", h.listPage)
	srv.Page("GET", "/activities/export", PermRead, "", h.listExport)
	srv.Page("GET", "/activities/new", PermManage, "", h.newPage)
	srv.Page("POST", "/activities/new", PermManage, "", h.create)
	srv.Page("GET", "/activities/{id}", PermRead, "activity", h.page)
	for _, op := range ops {
		perm := PermManage
		if op == "signup" || op == "walkin" {
			perm = PermSignUp
		}
		srv.Page("GET", "/activities/{id}/"+op, perm, "activity", h.opPage(op))
		srv.Page("POST", "/activities/{id}/"+op, perm, "activity", h.op(op))
	}
	srv.Page("GET", "/activities/{id}/roster", PermSignUp, "activity", h.rosterPage)
	srv.Page("POST", "/activities/{id}/roster", PermSignUp, "activity", h.roster)
	srv.Page("GET", "/activities/{id}/roster/export", PermRead, "activity", h.rosterExport)
	srv.Page("GET", "/activities/{id}/qr", PermSignUp, "activity", h.qrPage)
	srv.Page("POST", "/activities/{id}/qr", PermSignUp, "activity", h.rotate)
	s.planRoutes(srv, h)
	s.termRoutes(srv, h)
	s.helperRoutes(srv, h)
	srv.Page("GET", "/activities/{id}/edit", PermManage, "activity", h.editPage)
	srv.Page("GET", "/activities/{id}/team", PermSignUp, "activity", h.teamPage)
	srv.Page("POST", "/activities/{id}/team", PermSignUp, "activity", h.teamSignUp)
	srv.Page("POST", "/activities/{id}/edit", PermManage, "activity", h.edit)
	s.statsRoutes(srv, h)
	s.portalRoutes(srv, h)
	s.summaryRoutes(srv, h)

	srv.AddNav(web.NavItem{Key: "activities.nav", Href: "/activities", Perm: PermRead, Order: 29})
	srv.AddNav(web.NavItem{Key: "activities.portal_nav", Href: "/portal/activities", Perm: PermPortal, Order: 29})
	srv.AddTodo(s)
}

// ops are an activity's changes, each a form on a page of its own.
var ops = []string{"publish", "cancel", "signup", "walkin", "summary", "report"}

var _ = i18n.Family("activities.op.", ops...)

type handlers struct {
	s   *Service
	srv *web.Server
}

func formInt(r *http.Request, k string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(k)))
	return n
}

// ---- the list ----

type listData struct {
	List        []*Activity
	Total       int
	Month, Prev string
	Next        string
	F           Filter
	Communities []*org.Unit
	Topics      []*Term
	Formats     []*Term
	Statuses    []string
	CanManage   bool
}

func filterOf(r *http.Request) Filter {
	q := r.URL.Query()
	return Filter{CommunityID: web.QueryID(q, "community"), Month: q.Get("month"), Status: q.Get("status"), Topic: q.Get("topic"), Format: q.Get("format"), Q: q.Get("q")}
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	f := filterOf(r)
	m, err := time.ParseInLocation("2006-01", f.Month, locale.Zone)
	if err != nil {
		now := h.s.now().In(locale.Zone)
		m = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, locale.Zone)
	}
	f.Month, f.Limit = m.Format("2006-01"), 500
	list, total, err := h.s.List(ctx, p, f)
	if err != nil {
		return err
	}
	d := listData{List: list, Total: total, Month: f.Month, Prev: m.AddDate(0, -1, 0).Format("2006-01"), Next: m.AddDate(0, 1, 0).Format("2006-01"),
		F: f, Statuses: Statuses, CanManage: p.Can(PermManage)}
	if d.Communities, err = h.s.Org.InScope(ctx, p, org.Community); err != nil {
		return err
	}
	units := h.s.Org.Partitions(ctx, p)
	if d.Topics, err = h.s.Choices(ctx, units, KindTopic, "", true); err != nil {
		return err
	}
	if d.Formats, err = h.s.Choices(ctx, units, KindFormat, "", true); err != nil {
		return err
	}
	return h.srv.Render(w, r, "activities/list.html", web.View{Title: i18n.T("activities.title"), ActiveNav: "/activities", Data: d})
}

// ---- new ----

type formData struct {
	Venues  []VenueChoice
	Places  []*org.Unit
	Topics  []*Term // the lists of the places' streets (of the activity's, on an edit)
	Formats []*Term
	Themes  []*PlanEntry
	// Speakers are suggestions from the expert pool (free text still goes).
	Speakers []string
	// Edit is the activity being changed (nil: a new one).
	Edit *Activity
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderForm(w, r, p, nil)
}

func (h *handlers) renderForm(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	return h.renderFormOf(w, r, p, nil, errs)
}

// renderFormOf shows the activity form: for a new activity (edit nil) or to
// change edit, filled from it until a refused save fills it from the post.
func (h *handlers) renderFormOf(w http.ResponseWriter, r *http.Request, p *auth.Principal, edit *Activity, errs *i18n.Errors) error {
	ctx := r.Context()
	places, err := h.s.Places(ctx, p)
	if err != nil {
		return err
	}
	d := formData{Places: places}
	var units []int64
	for _, u := range places {
		units = append(units, u.ID)
	}
	keepTopic, keepFormat := "", ""
	if edit != nil {
		units, keepTopic, keepFormat = []int64{edit.CommunityID}, edit.Topic, edit.Format
	}
	if d.Topics, err = h.s.Choices(ctx, units, KindTopic, keepTopic, false); err != nil {
		return err
	}
	if d.Formats, err = h.s.Choices(ctx, units, KindFormat, keepFormat, false); err != nil {
		return err
	}
	if d.Themes, err = h.s.Themes(ctx, p, h.s.now().In(locale.Zone).Year()); err != nil {
		return err
	}
	if h.s.Venues != nil {
		if d.Venues, err = h.s.Venues.Choices(ctx, p); err != nil {
			return err
		}
	}
	if h.s.Expert != nil {
		if d.Speakers, err = h.s.Expert.Suggest(ctx, p, ""); err != nil {
			return err
		}
	}
	view := web.View{Title: i18n.T("activities.new"), ActiveNav: "/activities", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	if edit != nil {
		d.Edit = edit
		view.Data, view.Title = d, i18n.T("activities.edit")+"："+edit.Title
		if !errs.Any() {
			view.Form = formOf(edit)
		}
	}
	status := http.StatusOK
	if errs.Any() {
		status = http.StatusUnprocessableEntity
	}
	return h.srv.RenderStatus(w, r, status, "activities/form.html", view)
}

// localTime reads a form's date and time ("2026-12-08", "19:00").
func localTime(day, clock string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", strings.TrimSpace(day)+" "+strings.TrimSpace(clock), locale.Zone)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (h *handlers) create(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	in := inputOf(r)
	id, err := h.s.Create(r.Context(), p, in)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderForm(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/activities/"+itoa(id), i18n.T("activities.created"))
}

// inputOf reads the activity form.
func inputOf(r *http.Request) Input {
	day := r.PostFormValue("day")
	return Input{OrgID: web.QueryID(r.PostForm, "org_id"), Title: r.PostFormValue("title"), Topic: r.PostFormValue("topic"), Format: r.PostFormValue("format"),
		ThemeID: web.QueryID(r.PostForm, "theme_id"), Organiser: r.PostFormValue("organiser"), Partners: r.PostFormValue("partners"),
		Speakers: r.PostFormValue("speakers"), VenueID: web.QueryID(r.PostForm, "venue_id"), Place: r.PostFormValue("place"),
		StartsAt: localTime(day, r.PostFormValue("start")), EndsAt: localTime(day, r.PostFormValue("end")), AudienceTag: r.PostFormValue("audience_tag"),
		AudienceNote: r.PostFormValue("audience_note"), Quota: formInt(r, "quota"), Budget: formInt(r, "budget"), Materials: r.PostFormValue("materials"),
		Content: r.PostFormValue("content"), Publish: r.PostFormValue("publish") == "1"}
}

// formOf fills the form from an activity.
func formOf(a *Activity) url.Values {
	f, t := time.UnixMilli(a.StartsAt).In(locale.Zone), time.UnixMilli(a.EndsAt).In(locale.Zone)
	v := url.Values{}
	for k, x := range map[string]string{"title": a.Title, "topic": a.Topic, "format": a.Format, "day": f.Format(time.DateOnly), "start": f.Format("15:04"),
		"end": t.Format("15:04"), "place": a.Place, "organiser": a.Organiser, "partners": a.Partners, "speakers": a.Speakers, "audience_note": a.AudienceNote,
		"audience_tag": a.AudienceTag, "materials": a.Materials, "content": a.Content} {
		v.Set(k, x)
	}
	for k, n := range map[string]int64{"theme_id": a.ThemeID, "venue_id": a.VenueID, "quota": int64(a.Quota), "budget": int64(a.Budget)} {
		if n != 0 {
			v.Set(k, strconv.FormatInt(n, 10))
		}
	}
	return v
}

func (h *handlers) editPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	a, err := h.get(r, p)
	if err != nil {
		return err
	}
	if !a.Access.Edit {
		return auth.ErrForbidden
	}
	return h.renderFormOf(w, r, p, a, nil)
}

func (h *handlers) edit(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	a, err := h.get(r, p)
	if err != nil {
		return err
	}
	err = h.s.Update(r.Context(), p, a.ID, inputOf(r))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderFormOf(w, r, p, a, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/activities/"+itoa(a.ID), i18n.T("activities.updated"))
}

// ---- one activity and its changes ----

type pageData struct {
	A      *Activity
	Op     string
	Roster []*SignUp
	QR     template.URL // data: URL of the check-in code (ours, so safe)
	Link   string
	Window string
	// The volunteers serving at it (its page).
	Helpers []*Helper
	// Teams: a team may be signed up as a group.
	Teams bool
	// The summary's photos and materials, and the participants' feedback.
	Files    []*File
	Feedback Feedback
}

func (h *handlers) get(r *http.Request, p *auth.Principal) (*Activity, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.s.Get(r.Context(), p, id)
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	a, err := h.get(r, p)
	if err != nil {
		return err
	}
	d := pageData{A: a, Teams: h.s.Teams != nil}
	if err := h.summaryData(r, p, &d); err != nil {
		return err
	}
	if h.s.Volunteers != nil {
		if d.Helpers, err = h.s.Helpers(r.Context(), p, a); err != nil {
			return err
		}
	}
	return h.srv.Render(w, r, "activities/activity.html", web.View{Title: a.Title, ActiveNav: "/activities", Data: d})
}

// allowed says whether the activity's access allows op now.
func allowed(a *Activity, op string) bool {
	switch op {
	case "publish":
		return a.Access.Publish
	case "cancel":
		return a.Access.Cancel
	case "signup":
		return a.Access.SignUp
	case "walkin":
		return a.Access.Roster
	case "summary":
		return a.Access.Summary
	case "report":
		return a.Access.Report
	}
	return false
}

func (h *handlers) opPage(op string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		return h.renderOp(w, r, p, op, nil)
	}
}

func (h *handlers) renderOp(w http.ResponseWriter, r *http.Request, p *auth.Principal, op string, errs *i18n.Errors) error {
	a, err := h.get(r, p)
	if err != nil {
		return err
	}
	if !allowed(a, op) {
		return auth.ErrForbidden
	}
	d := pageData{A: a, Op: op}
	if op == "summary" {
		if err := h.summaryData(r, p, &d); err != nil {
			return err
		}
	}
	view := web.View{Title: i18n.T("activities.op."+op) + "：" + a.Title, ActiveNav: "/activities", Data: d, Errors: errs}
	status := http.StatusOK
	if errs.Any() {
		view.Form, status = r.PostForm, http.StatusUnprocessableEntity
	}
	return h.srv.RenderStatus(w, r, status, "activities/activity.html", view)
}

func (h *handlers) op(op string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		ctx := r.Context()
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		flash := i18n.T("activities.done." + op)
		switch op {
		case "publish":
			err = h.s.Publish(ctx, p, id)
		case "cancel":
			err = h.s.Cancel(ctx, p, id, r.PostFormValue("note"))
		case "signup":
			var res Result
			res, err = h.s.SignUp(ctx, p, id, web.QueryID(r.PostForm, "person_id"))
			if res.Status == SignWaiting {
				flash = i18n.T("activities.signed_waiting", "n", res.Position)
			}
		case "walkin":
			err = h.s.WalkIn(ctx, p, id, web.QueryID(r.PostForm, "person_id"), formInt(r, "count"))
		case "summary":
			flash, err = h.summarise(r, p, id)
		case "report":
			err = h.s.Report(ctx, p, id)
		}
		var verrs *i18n.Errors
		if errors.As(err, &verrs) {
			return h.renderOp(w, r, p, op, verrs)
		}
		if err != nil {
			return err
		}
		return h.srv.Redirect(w, r, "/activities/"+itoa(id), flash)
	}
}

var _ = i18n.Family("activities.done.", ops...)

// ---- roster and check-in ----

func (h *handlers) rosterPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	a, err := h.get(r, p)
	if err != nil {
		return err
	}
	list, err := h.s.Roster(r.Context(), p, a)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "activities/roster.html", web.View{Title: i18n.T("activities.roster_title", "title", a.Title), ActiveNav: "/activities",
		Data: pageData{A: a, Roster: list}})
}

func (h *handlers) roster(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	person := web.QueryID(r.PostForm, "person_id")
	if err := h.s.Attend(r.Context(), p, id, person, r.PostFormValue("present") == "1"); err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/activities/"+itoa(id)+"/roster#p"+itoa(person), i18n.T("activities.ticked"))
}

// checkinURL is the address the QR code opens.
func checkinURL(r *http.Request, token string) string {
	scheme := "https"
	if r.TLS == nil && !strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "http"
	}
	return scheme + "://" + r.Host + "/portal/activities/checkin?t=" + url.QueryEscape(token)
}

func (h *handlers) qrPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	a, err := h.get(r, p)
	if err != nil {
		return err
	}
	if !a.Access.Roster {
		return auth.ErrForbidden
	}
	tok, err := h.s.Token(r.Context(), p, a)
	if err != nil {
		return err
	}
	f, t := CheckinWindow(a)
	d := pageData{A: a, Window: time.UnixMilli(f).In(locale.Zone).Format("01-02 15:04") + "–" + time.UnixMilli(t).In(locale.Zone).Format("01-02 15:04")}
	if tok != "" {
		d.Link = checkinURL(r, tok)
		d.QR = web.QRDataURL(d.Link)
	}
	return h.srv.Render(w, r, "activities/qr.html", web.View{Title: i18n.T("activities.qr_title", "title", a.Title), ActiveNav: "/activities", Data: d})
}

func (h *handlers) rotate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.Rotate(r.Context(), p, id); err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/activities/"+itoa(id)+"/qr", i18n.T("activities.rotated"))
}

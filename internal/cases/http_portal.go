package cases

import (
	"errors"
	"net/http"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/uploads"
	"linli/internal/web"
)

// The portal: residents submit requests, follow them with their tracking
// number, add to them and rate the result. They see only their own requests
// and of each step only what the office wrote for them (PublicTimeline):
// the step, its time and the reply to the resident, never a staff note.

func (s *Service) portalRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/portal/requests", PermPortal, "", h.portalList)
	srv.Page("GET", "/portal/requests/new", PermPortal, "", h.portalNew)
	srv.Page("POST", "/portal/requests", PermPortal, "", h.portalCreate)
	srv.Page("GET", "/portal/requests/{id}", PermPortal, "case", h.portalCase)
	srv.Page("POST", "/portal/requests/{id}/rate", PermPortal, "case", h.portalRate)
	srv.Page("POST", "/portal/requests/{id}/comment", PermPortal, "case", h.portalComment)
}

type portalListData struct {
	Cases []*Case
	Pager web.Pager
}

func (h *handlers) portalList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	pg := web.NewPager(r, 20)
	f := Filter{Q: r.URL.Query().Get("q"), Limit: pg.PerPage, Offset: pg.Offset()}
	list, total, err := h.s.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	pg.Total = total
	return h.srv.Render(w, r, "cases/portal_list.html", web.View{Title: i18n.T("cases.portal_title"), ActiveNav: "/portal/requests", Data: portalListData{Cases: list, Pager: pg}})
}

type portalNewData struct {
	Type        *TypeDef
	Communities []*org.Unit
	Home        bool
	Accept      string // the upload's accept: uploads.DocumentAccept
}

func (h *handlers) portalNew(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderPortalNew(w, r, p, nil)
}

func (h *handlers) renderPortalNew(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	ctx := r.Context()
	t, ok := h.s.Type(ctx, "request")
	if !ok || !t.ReportedBy(auth.RoleResident) {
		return auth.ErrNotFound
	}
	d := portalNewData{Type: t, Accept: uploads.DocumentAccept}
	if h.s.ResidentHome != nil {
		_, _, d.Home = h.s.ResidentHome(ctx, p)
	}
	if !d.Home {
		// Community names are public; a resident's account reaches no org unit,
		// so the list is read as the program itself.
		comms, err := h.s.Org.InScope(ctx, auth.System("portal"), org.Community)
		if err != nil {
			return err
		}
		d.Communities = comms
	}
	v := web.View{Title: i18n.T("cases.portal_new"), ActiveNav: "/portal/requests", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "cases/portal_new.html", v)
}

func (h *handlers) portalCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	files, err := h.readFiles(r)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderPortalNew(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	in := CreateInput{Type: "request", Category: r.PostFormValue("category"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Location: r.PostFormValue("location"), CommunityID: formInt(r, "community_id"), ReporterName: r.PostFormValue("reporter_name"),
		ReporterPhone: r.PostFormValue("reporter_phone"), Files: files}
	id, err := h.s.Create(r.Context(), p, in)
	if errors.As(err, &verrs) {
		return h.renderPortalNew(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	c, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/portal/requests/"+itoa(id), i18n.T("cases.portal_created", "number", c.Number()))
}

type portalCaseData struct {
	Case    *Case
	Events  []*Event
	Ratings []string
	Accept  string // the upload's accept: uploads.DocumentAccept
}

func (h *handlers) portalCase(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderPortalCase(w, r, p, id, nil)
}

func (h *handlers) renderPortalCase(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, errs *i18n.Errors) error {
	ctx := r.Context()
	c, err := h.s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	d := portalCaseData{Case: c, Ratings: Ratings, Accept: uploads.DocumentAccept}
	if d.Events, err = h.s.PublicTimeline(ctx, p, id); err != nil {
		return err
	}
	v := web.View{Title: c.Number(), ActiveNav: "/portal/requests", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "cases/portal_case.html", v)
}

func (h *handlers) portalRate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	action := c.Access.Rate
	if action == "" {
		return conflict("cases.cannot_rate")
	}
	err = h.s.Transition(r.Context(), p, id, TransitionInput{Action: action, Rating: r.PostFormValue("rating"), Note: r.PostFormValue("note"), Reopen: r.PostFormValue("reopen") == "1"})
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderPortalCase(w, r, p, id, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/portal/requests/"+itoa(id), i18n.T("cases.portal_rated"))
}

func (h *handlers) portalComment(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	files, err := h.readFiles(r)
	if err == nil {
		err = h.s.Comment(r.Context(), p, id, CommentInput{Note: r.PostFormValue("note"), Files: files})
	}
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderPortalCase(w, r, p, id, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/portal/requests/"+itoa(id), i18n.T("common.saved"))
}

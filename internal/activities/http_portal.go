package activities

import (
	"errors"
	"net/http"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// The portal: a resident sees the upcoming activities of their community
// and street, signs up and cancels, sees their sign-ups (and a cancelled
// activity's notice), checks in by scanning the code at the venue, and
// gives feedback afterwards.

func (s *Service) portalRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/portal/activities", PermPortal, "", h.portalList)
	srv.Page("GET", "/portal/activities/checkin", PermPortal, "", h.portalCheckinPage)
	srv.Page("POST", "/portal/activities/checkin", PermPortal, "", h.portalCheckin)
	srv.Page("GET", "/portal/activities/{id}", PermPortal, "activity", h.portalPage)
	srv.Page("POST", "/portal/activities/{id}/signup", PermPortal, "activity", h.portalSignUp)
	srv.Page("POST", "/portal/activities/{id}/cancel", PermPortal, "activity", h.portalCancel)
	srv.Page("POST", "/portal/activities/{id}/feedback", PermPortal, "activity", h.portalFeedback)
}

type portalData struct {
	Upcoming []*Activity
	Mine     []*SignUp
	A        *Activity
	My       *SignUp
	Token    string
	Ended    bool
	// Photos of a summarised activity (materials stay with staff).
	Photos []*File
}

func (h *handlers) portalList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	up, err := h.s.Upcoming(ctx, p)
	if err != nil {
		return err
	}
	mine, err := h.s.Mine(ctx, p)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "activities/portal_list.html", web.View{Title: i18n.T("activities.portal_title"), ActiveNav: "/portal/activities",
		Data: portalData{Upcoming: up, Mine: mine}})
}

func (h *handlers) portalPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderPortal(w, r, p, http.StatusOK, nil)
}

func (h *handlers) renderPortal(w http.ResponseWriter, r *http.Request, p *auth.Principal, status int, errs *i18n.Errors) error {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	a, err := h.s.PortalGet(ctx, p, id)
	if err != nil {
		return err
	}
	my, err := h.s.MySignUp(ctx, p, a)
	if err != nil {
		return err
	}
	d := portalData{A: a, My: my, Ended: h.s.Ended(a)}
	if PortalShowsPhotos(a) {
		files, err := h.s.Files(ctx, a)
		if err != nil {
			return err
		}
		d.Photos = filesOf(files, FilePhoto)
	}
	view := web.View{Title: a.Title, ActiveNav: "/portal/activities", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.RenderStatus(w, r, status, "activities/portal_activity.html", view)
}

func (h *handlers) portalSignUp(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	res, err := h.s.SignUp(r.Context(), p, id, 0)
	if err != nil {
		return err
	}
	flash := i18n.T("activities.signed_accepted")
	if res.Status == SignWaiting {
		flash = i18n.T("activities.signed_waiting", "n", res.Position)
	}
	return h.srv.Redirect(w, r, "/portal/activities/"+itoa(id), flash)
}

func (h *handlers) portalCancel(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.CancelSignUp(r.Context(), p, id, 0); err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/portal/activities/"+itoa(id), i18n.T("activities.signup_cancelled"))
}

func (h *handlers) portalFeedback(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = h.s.Feedback(r.Context(), p, id, formInt(r, "satisfaction"), r.PostFormValue("feedback"))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderPortal(w, r, p, http.StatusUnprocessableEntity, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/portal/activities/"+itoa(id), i18n.T("activities.feedback_saved"))
}

// portalCheckinPage is where the QR code leads: it shows the activity and
// a button; only the button's POST checks in (a GET never writes).
func (h *handlers) portalCheckinPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	tok := r.URL.Query().Get("t")
	a, err := h.s.ByToken(r.Context(), p, tok)
	if errors.Is(err, ErrBadToken) {
		return h.srv.RenderStatus(w, r, http.StatusOK, "activities/portal_checkin.html", web.View{Title: i18n.T("activities.checkin_title"),
			ActiveNav: "/portal/activities", Data: portalData{}})
	}
	if err != nil {
		return err
	}
	my, err := h.s.MySignUp(r.Context(), p, a)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "activities/portal_checkin.html", web.View{Title: i18n.T("activities.checkin_title"), ActiveNav: "/portal/activities",
		Data: portalData{A: a, My: my, Token: tok}})
}

func (h *handlers) portalCheckin(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	a, err := h.s.CheckIn(r.Context(), p, r.PostFormValue("t"))
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/portal/activities/"+itoa(a.ID), i18n.T("activities.checked_in"))
}

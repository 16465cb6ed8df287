package activities

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/web"
)

// helperRoutes are the pages of the volunteers serving at an activity: add
// one, and each one's page with the check-out form. The volunteer is named
// by ?v= (an activity's page has one {id}).
func (s *Service) helperRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/activities/{id}/helpers/add", PermSignUp, "activity", h.helperAddPage)
	srv.Page("POST", "/activities/{id}/helpers/add", PermSignUp, "activity", h.helperAdd)
	srv.Page("GET", "/activities/{id}/helper", PermSignUp, "activity", h.helperPage)
	srv.Page("POST", "/activities/{id}/helper", PermSignUp, "activity", h.helperCheckOut)
}

type helperData struct {
	A       *Activity
	H       *Helper
	Choices []VolunteerChoice
}

func (h *handlers) helperAddPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderHelperAdd(w, r, p, nil)
}

func (h *handlers) renderHelperAdd(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	a, err := h.get(r, p)
	if err != nil {
		return err
	}
	if !a.Access.Helpers {
		return auth.ErrForbidden
	}
	choices, err := h.s.VolunteerChoices(r.Context(), p, a)
	if err != nil {
		return err
	}
	view := web.View{Title: i18n.T("activities.helper_add") + "：" + a.Title, ActiveNav: "/activities", Data: helperData{A: a, Choices: choices}, Errors: errs}
	status := http.StatusOK
	if errs.Any() {
		view.Form, status = r.PostForm, http.StatusUnprocessableEntity
	}
	return h.srv.RenderStatus(w, r, status, "activities/helper_add.html", view)
}

func (h *handlers) helperAdd(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = h.s.AddHelper(r.Context(), p, id, web.QueryID(r.PostForm, "volunteer_id"), r.PostFormValue("role"))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderHelperAdd(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/activities/"+itoa(id)+"#helpers", i18n.T("activities.helper_added"))
}

// localDateTime reads a datetime-local field ("2026-12-08T19:00").
func localDateTime(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", v, locale.Zone)
	return t, err == nil
}

func dateTimeValue(ms int64) string {
	return time.UnixMilli(ms).In(locale.Zone).Format("2006-01-02T15:04")
}

func (h *handlers) helperPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderHelper(w, r, p, nil)
}

func (h *handlers) renderHelper(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	a, hp, err := h.s.Helper(r.Context(), p, id, web.QueryID(r.URL.Query(), "v"))
	if err != nil {
		return err
	}
	if !a.Access.Helpers {
		return auth.ErrForbidden
	}
	view := web.View{Title: hp.Name + "：" + a.Title, ActiveNav: "/activities", Data: helperData{A: a, H: hp}, Errors: errs}
	status := http.StatusOK
	if errs.Any() {
		view.Form, status = r.PostForm, http.StatusUnprocessableEntity
	} else {
		// The form starts from the saved role and times (the activity's own
		// until changed).
		view.Form = url.Values{"role": {hp.Role}, "check_in": {dateTimeValue(hp.CheckIn)}, "check_out": {dateTimeValue(hp.CheckOut)}}
	}
	return h.srv.RenderStatus(w, r, status, "activities/helper.html", view)
}

func (h *handlers) helperCheckOut(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	in := HelperInput{Role: r.PostFormValue("role"), pre: &i18n.Errors{}}
	var ok bool
	if in.CheckIn, ok = localDateTime(r.PostFormValue("check_in")); !ok {
		in.pre.Add("check_in", "activities.err_time", "field", i18n.T("activities.check_in"))
	}
	if in.CheckOut, ok = localDateTime(r.PostFormValue("check_out")); !ok {
		in.pre.Add("check_out", "activities.err_time", "field", i18n.T("activities.check_out"))
	}
	hp, err := h.s.CheckOut(r.Context(), p, id, web.QueryID(r.URL.Query(), "v"), in)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderHelper(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/activities/"+itoa(id)+"#helpers", i18n.T("activities.helper_checked_out", "name", hp.Name, "n", hp.Hours()))
}

package activities

import (
	"errors"
	"net/http"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// A team signed up as a group: the form and its post.

type teamData struct {
	A     *Activity
	Teams []TeamChoice
}

func (h *handlers) teamPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderTeam(w, r, p, nil)
}

func (h *handlers) renderTeam(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	a, err := h.get(r, p)
	if err != nil {
		return err
	}
	if !a.Access.SignUp || h.s.Teams == nil {
		return auth.ErrForbidden
	}
	teams, err := h.s.Teams.TeamChoices(r.Context(), p, a.CommunityID)
	if err != nil {
		return err
	}
	view := web.View{Title: i18n.T("activities.team_signup") + "：" + a.Title, ActiveNav: "/activities", Data: teamData{A: a, Teams: teams}, Errors: errs}
	status := http.StatusOK
	if errs.Any() {
		view.Form, status = r.PostForm, http.StatusUnprocessableEntity
	}
	return h.srv.RenderStatus(w, r, status, "activities/team.html", view)
}

func (h *handlers) teamSignUp(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	res, err := h.s.SignUpTeam(r.Context(), p, id, web.QueryID(r.PostForm, "team_id"))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderTeam(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/activities/"+itoa(id), i18n.T("activities.team_done", "accepted", res.Accepted, "waiting", res.Waiting, "skipped", res.Skipped))
}

package volunteers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/org"
	"linli/internal/web"
)

// Teams, experts, the exports of every list and the home page's 待办.

// ---- teams ----

type teamsData struct {
	Teams       []*Team
	T           *Team
	Members     []*Member
	Current     []*Member
	Volunteers  []*Volunteer
	Communities []*org.Unit
	Kinds       []string
	CanCreate   bool
	Today       string
}

func (h *handlers) teamsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	q := r.URL.Query()
	list, err := h.s.ListTeams(r.Context(), p, web.QueryID(q, "community"), q.Get("kind"))
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "volunteers/teams.html", web.View{Title: i18n.T("volunteers.teams_title"), ActiveNav: "/volunteers",
		Data: teamsData{Teams: list, Kinds: TeamKinds, CanCreate: p.Can(PermConfirm)}})
}

func (h *handlers) team(r *http.Request, p *auth.Principal) (*teamsData, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	t, err := h.s.GetTeam(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	d := &teamsData{T: t, Kinds: TeamKinds, Today: h.s.today()}
	if d.Members, err = h.s.Members(r.Context(), t); err != nil {
		return nil, err
	}
	for _, m := range d.Members {
		if m.LeftOn == "" {
			d.Current = append(d.Current, m)
		}
	}
	return d, nil
}

func (h *handlers) teamPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.team(r, p)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "volunteers/team.html", web.View{Title: d.T.Name, ActiveNav: "/volunteers", Data: d})
}

func teamInput(r *http.Request) TeamInput {
	return TeamInput{CommunityID: web.QueryID(r.PostForm, "community_id"), Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"),
		LeaderID: web.QueryID(r.PostForm, "leader_id"), TargetSize: formInt(r, "target_size"), Schedule: r.PostFormValue("schedule"), Note: r.PostFormValue("note")}
}

func (h *handlers) renderTeamForm(w http.ResponseWriter, r *http.Request, p *auth.Principal, d *teamsData, errs *i18n.Errors) error {
	ctx := r.Context()
	var err error
	f := Filter{Status: StatusConfirmed}
	title := i18n.T("volunteers.team_new")
	if d.T != nil {
		f.CommunityID = d.T.CommunityID
		title = i18n.T("volunteers.op.change") + "：" + d.T.Name
	} else if d.Communities, err = h.s.Communities(ctx, p); err != nil {
		return err
	}
	if d.Volunteers, err = h.s.List(ctx, p, f); err != nil {
		return err
	}
	view := web.View{Title: title, ActiveNav: "/volunteers", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	} else if t := d.T; t != nil {
		view.Form = url.Values{"name": {t.Name}, "kind": {t.Kind}, "leader_id": {itoa(t.LeaderID)}, "target_size": {itoa(int64(t.TargetSize))},
			"schedule": {t.Schedule}, "note": {t.Note}}
	}
	return h.srv.Render(w, r, "volunteers/team_form.html", view)
}

var _ = i18n.Family("volunteers.op.", "change", "add", "remove")

func (h *handlers) teamNewPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderTeamForm(w, r, p, &teamsData{Kinds: TeamKinds}, nil)
}

func (h *handlers) teamCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := h.s.CreateTeam(r.Context(), p, teamInput(r))
	if errs, ok := refused(err); ok {
		return h.renderTeamForm(w, r, p, &teamsData{Kinds: TeamKinds}, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/volunteers/teams/"+itoa(id), i18n.T("volunteers.team_created"))
}

func (h *handlers) teamEditPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.team(r, p)
	if err != nil {
		return err
	}
	if !d.T.Access.Confirm {
		return auth.ErrForbidden
	}
	return h.renderTeamForm(w, r, p, d, nil)
}

func (h *handlers) teamUpdate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.team(r, p)
	if err != nil {
		return err
	}
	err = h.s.UpdateTeam(r.Context(), p, d.T.ID, teamInput(r))
	if errs, ok := refused(err); ok {
		return h.renderTeamForm(w, r, p, d, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/volunteers/teams/"+itoa(d.T.ID), i18n.T("volunteers.saved"))
}

func (h *handlers) renderTeamMember(w http.ResponseWriter, r *http.Request, p *auth.Principal, op string, errs *i18n.Errors) error {
	d, err := h.team(r, p)
	if err != nil {
		return err
	}
	if !d.T.Access.Write {
		return auth.ErrForbidden
	}
	if op == "add" {
		if d.Volunteers, err = h.s.List(r.Context(), p, Filter{CommunityID: d.T.CommunityID, Status: StatusConfirmed}); err != nil {
			return err
		}
	}
	view := web.View{Title: i18n.T("volunteers.op."+op) + "：" + d.T.Name, ActiveNav: "/volunteers", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "volunteers/team_"+op+".html", view)
}

func (h *handlers) teamAddPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderTeamMember(w, r, p, "add", nil)
}

func (h *handlers) teamRemovePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderTeamMember(w, r, p, "remove", nil)
}

func (h *handlers) teamAdd(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = h.s.AddMember(r.Context(), p, id, web.QueryID(r.PostForm, "volunteer_id"), r.PostFormValue("joined_on"))
	if errs, ok := refused(err); ok {
		return h.renderTeamMember(w, r, p, "add", errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/volunteers/teams/"+itoa(id), i18n.T("volunteers.done.join"))
}

func (h *handlers) teamRemove(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = h.s.EndMember(r.Context(), p, id, web.QueryID(r.PostForm, "member_id"), r.PostFormValue("left_on"))
	if errs, ok := refused(err); ok {
		return h.renderTeamMember(w, r, p, "remove", errs)
	}
	if errors.Is(err, auth.ErrNotFound) {
		errs := &i18n.Errors{}
		errs.Add("member_id", "err.choice", "field", i18n.T("volunteers.volunteer"))
		return h.renderTeamMember(w, r, p, "remove", errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/volunteers/teams/"+itoa(id), i18n.T("volunteers.done.remove"))
}

var _ = i18n.Family("volunteers.done.", "remove")

// ---- experts ----

type expertsData struct {
	Experts     []*Expert
	Fields      []string
	Communities []*org.Unit
	CanWrite    bool
}

func expertQuery(r *http.Request) ExpertQuery {
	q := r.URL.Query()
	return ExpertQuery{CommunityID: web.QueryID(q, "community"), Field: q.Get("field"), Q: q.Get("q")}
}

func (h *handlers) expertsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, err := h.s.Experts(r.Context(), p, expertQuery(r))
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "volunteers/experts.html", web.View{Title: i18n.T("volunteers.experts_title"), ActiveNav: "/volunteers",
		Data: expertsData{Experts: list, Fields: Fields, CanWrite: p.Can(PermWrite)}})
}

func (h *handlers) renderExpertForm(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	comms, err := h.s.Communities(r.Context(), p)
	if err != nil {
		return err
	}
	view := web.View{Title: i18n.T("volunteers.expert_new"), ActiveNav: "/volunteers", Data: expertsData{Fields: Fields, Communities: comms}, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "volunteers/expert_form.html", view)
}

func (h *handlers) expertNewPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderExpertForm(w, r, p, nil)
}

func (h *handlers) expertCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	_, err := h.s.CreateExpert(r.Context(), p, ExpertInput{CommunityID: web.QueryID(r.PostForm, "community_id"), Name: r.PostFormValue("name"),
		Phone: r.PostFormValue("phone"), Field: r.PostFormValue("field"), Organisation: r.PostFormValue("organisation"), Topics: r.PostFormValue("topics"),
		Note: r.PostFormValue("note")})
	if errs, ok := refused(err); ok {
		return h.renderExpertForm(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/volunteers/experts", i18n.T("volunteers.expert_created"))
}

// ---- exports ----

func xlsx(w http.ResponseWriter, p *auth.Principal, title string, headers []string) (*importexport.Writer, error) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(title+".xlsx"))
	return importexport.NewWriter(w, importexport.Meta{Title: title, ExportedBy: p.DisplayName + "（" + p.Username + "）",
		ExportedAt: time.Now().In(web.Local)}, headers)
}

func (h *handlers) listExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	f := volunteerFilter(r)
	f.Limit = 5000
	list, err := h.s.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	xw, err := xlsx(w, p, i18n.T("volunteers.title"), []string{i18n.T("org.level.community"), i18n.T("volunteers.name"), i18n.T("volunteers.phone"),
		i18n.T("volunteers.skills"), i18n.T("volunteers.availability"), i18n.T("volunteers.training"), i18n.T("volunteers.status"),
		i18n.T("volunteers.from"), i18n.T("volunteers.total_hours")})
	if err != nil {
		return err
	}
	for _, v := range list {
		if err := xw.Write(v.CommunityName, v.Name, v.PhoneMask, v.Skills, v.Availability, v.Training, v.StatusName(), v.SourceName(), v.Hours()); err != nil {
			return err
		}
	}
	return xw.Close()
}

func (h *handlers) teamsExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	q := r.URL.Query()
	list, err := h.s.ListTeams(r.Context(), p, web.QueryID(q, "community"), q.Get("kind"))
	if err != nil {
		return err
	}
	xw, err := xlsx(w, p, i18n.T("volunteers.teams_title"), []string{i18n.T("org.level.community"), i18n.T("volunteers.team_name"),
		i18n.T("volunteers.team_kind"), i18n.T("volunteers.leader"), i18n.T("volunteers.members"), i18n.T("volunteers.target_size"), i18n.T("volunteers.schedule")})
	if err != nil {
		return err
	}
	for _, t := range list {
		if err := xw.Write(t.CommunityName, t.Name, t.KindName(), t.LeaderName, t.Members, t.TargetSize, t.Schedule); err != nil {
			return err
		}
	}
	return xw.Close()
}

func (h *handlers) recordsExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	f := recordFilter(r)
	f.Limit = 5000
	list, err := h.s.ListRecords(r.Context(), p, f)
	if err != nil {
		return err
	}
	xw, err := xlsx(w, p, i18n.T("volunteers.records_title"), []string{i18n.T("org.level.community"), i18n.T("volunteers.volunteer"),
		i18n.T("volunteers.served_on"), i18n.T("volunteers.hours"), i18n.T("volunteers.what"), i18n.T("volunteers.place"), i18n.T("volunteers.beneficiary"),
		i18n.T("volunteers.team"), i18n.T("volunteers.source"), i18n.T("volunteers.record_status")})
	if err != nil {
		return err
	}
	for _, rec := range list {
		if err := xw.Write(rec.CommunityName, rec.VolunteerName, rec.ServedOn, float64(rec.Minutes)/60, rec.What, rec.Place, rec.Beneficiary, rec.TeamName,
			rec.SourceName(), rec.StatusName()); err != nil {
			return err
		}
	}
	return xw.Close()
}

func (h *handlers) expertsExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, err := h.s.Experts(r.Context(), p, expertQuery(r))
	if err != nil {
		return err
	}
	xw, err := xlsx(w, p, i18n.T("volunteers.experts_title"), []string{i18n.T("org.level.community"), i18n.T("volunteers.name"), i18n.T("volunteers.field"),
		i18n.T("volunteers.organisation"), i18n.T("volunteers.topics"), i18n.T("volunteers.phone")})
	if err != nil {
		return err
	}
	for _, e := range list {
		if err := xw.Write(e.CommunityName, e.Name, e.FieldName(), e.Organisation, e.Topics, e.PhoneMask); err != nil {
			return err
		}
	}
	return xw.Close()
}

// ---- the home page ----

// Todos are the registrations and service records waiting for p to confirm
// them (待确认), oldest first.
func (s *Service) Todos(ctx context.Context, p *auth.Principal, limit int) ([]web.TodoGroup, error) {
	if !p.Can(PermConfirm) || limit <= 0 {
		return nil, nil
	}
	vols, err := s.List(ctx, p, Filter{Status: StatusPending, Limit: 500})
	if err != nil {
		return nil, err
	}
	recs, err := s.ListRecords(ctx, p, RecordFilter{Status: RecordPending, Limit: 500})
	if err != nil {
		return nil, err
	}
	if len(vols)+len(recs) == 0 {
		return nil, nil
	}
	g := web.TodoGroup{Urgency: web.UrgencyWaiting, Total: len(vols) + len(recs)}
	if len(vols) > 0 {
		g.All = append(g.All, web.Link{Label: i18n.T("volunteers.todo_all_volunteers"), Href: "/volunteers?status=pending"})
	}
	if len(recs) > 0 {
		g.All = append(g.All, web.Link{Label: i18n.T("volunteers.todo_all_records"), Href: "/volunteers/records?status=pending"})
	}
	for _, v := range vols {
		if len(g.Items) >= limit {
			break
		}
		g.Items = append(g.Items, web.TodoItem{Urgency: web.UrgencyWaiting, Due: v.CreatedAt, Title: v.Name, Kind: i18n.T("volunteers.todo_volunteer"),
			Where: v.CommunityName, Href: "/volunteers/" + itoa(v.ID) + "/status/confirm"})
	}
	for i := len(recs) - 1; i >= 0 && len(g.Items) < limit; i-- {
		rec := recs[i]
		g.Items = append(g.Items, web.TodoItem{Urgency: web.UrgencyWaiting, Due: rec.CreatedAt, Title: rec.VolunteerName + "：" + rec.What + "（" + rec.Hours() + "h）",
			Kind: i18n.T("volunteers.todo_record"), Where: rec.CommunityName, Href: "/volunteers/records/" + itoa(rec.ID) + "/accept"})
	}
	return []web.TodoGroup{g}, nil
}

// ---- the portal ----

func (s *Service) portalRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/portal/volunteer", PermPortal, "", h.portalPage)
	srv.Page("POST", "/portal/volunteer", PermPortal, "", h.portalRegister)
}

func (h *handlers) portalPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderPortal(w, r, p, nil)
}

func (h *handlers) renderPortal(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	m, err := h.s.PortalMine(r.Context(), p)
	if err != nil {
		return err
	}
	view := web.View{Title: i18n.T("volunteers.portal_title"), ActiveNav: "/portal/volunteer", Data: m, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "volunteers/portal.html", view)
}

func (h *handlers) portalRegister(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	_, err := h.s.PortalRegister(r.Context(), p, PortalInput{Phone: r.PostFormValue("phone"), Skills: r.PostFormValue("skills"),
		Availability: r.PostFormValue("availability"), Training: r.PostFormValue("training")})
	if errs, ok := refused(err); ok {
		return h.renderPortal(w, r, p, errs)
	}
	if errors.Is(err, ErrNoPerson) {
		errs := &i18n.Errors{}
		errs.Add("form", "volunteers.err_no_person")
		return h.renderPortal(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/portal/volunteer", i18n.T("volunteers.portal_registered"))
}

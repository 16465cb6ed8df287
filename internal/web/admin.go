package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/i18n"
)

// The three administrators' pages: accounts (system administrator; lock and
// second-factor reset also for the security administrator), the security policy
// (security administrator) and the audit log (audit administrator).
func (s *Server) registerAdmin() {
	s.Page("GET", "/admin/users", auth.PermUserLock, "", s.usersList)
	s.Page("GET", "/admin/users/new", auth.PermUserAdmin, "", s.userNewForm)
	s.Page("POST", "/admin/users", auth.PermUserAdmin, "", s.userCreate)
	s.Page("GET", "/admin/users/{id}", auth.PermUserLock, "user", s.userEditForm)
	s.Page("POST", "/admin/users/{id}", auth.PermUserAdmin, "user", s.userUpdate)
	s.Page("POST", "/admin/users/{id}/password", auth.PermUserAdmin, "user", s.userResetPassword)
	s.Page("POST", "/admin/users/{id}/lock", auth.PermUserLock, "user", s.userLock(true))
	s.Page("POST", "/admin/users/{id}/unlock", auth.PermUserLock, "user", s.userLock(false))
	s.Page("POST", "/admin/users/{id}/mfa-reset", auth.PermUserLock, "user", s.userMFAReset)
	s.Page("POST", "/admin/users/{id}/disable", auth.PermUserAdmin, "user", s.userDisable(true))
	s.Page("POST", "/admin/users/{id}/enable", auth.PermUserAdmin, "user", s.userDisable(false))
	s.Page("GET", "/admin/security", auth.PermSecurityConfig, "", s.securityPage)
	s.Page("POST", "/admin/security", auth.PermSecurityConfig, "", s.securitySubmit)
	s.Page("GET", "/admin/audit", auth.PermAuditRead, "", s.auditPage)
	s.Page("GET", "/admin/audit/verify", auth.PermAuditRead, "", s.auditVerify)
	s.API("GET", "/api/v1/audit", auth.PermAuditRead, "", s.apiAudit)

	s.AddNav(NavItem{Key: "auth.users", Href: "/admin/users", Perm: auth.PermUserLock, Order: 900})
	s.AddNav(NavItem{Key: "auth.security_policy", Href: "/admin/security", Perm: auth.PermSecurityConfig, Order: 910})
	s.AddNav(NavItem{Key: "nav.audit", Href: "/admin/audit", Perm: auth.PermAuditRead, Order: 920})
}

type usersData struct {
	Users []*auth.User
	Pager Pager
	Q     string
	Role  string
	Roles []auth.Role
	Now   int64
}

func (s *Server) usersList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	pg := NewPager(r, 50)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	role := r.URL.Query().Get("role")
	users, total, err := s.Auth.ListUsers(r.Context(), p, auth.UserFilter{Q: q, Role: auth.Role(role), Limit: pg.PerPage, Offset: pg.Offset()})
	if err != nil {
		return err
	}
	pg.Total = total
	return s.Render(w, r, "web/users.html", View{Title: i18n.T("auth.users"), ActiveNav: "/admin/users",
		Data: usersData{Users: users, Pager: pg, Q: q, Role: role, Roles: auth.AllRoles, Now: time.Now().UnixMilli()}})
}

type userFormData struct {
	User    *auth.User
	Roles   []auth.Role
	Lines   []string
	Options []ScopeOption
	Chosen  []string // chosen scope ids as strings, for re-filling
	ChosenR []string
	ChosenL []string
	CanEdit bool
	CanLock bool
	Now     int64
}

func (s *Server) userForm(w http.ResponseWriter, r *http.Request, p *auth.Principal, u *auth.User, errs *i18n.Errors) error {
	opts := []ScopeOption{}
	if s.ScopeOptions != nil {
		var err error
		if opts, err = s.ScopeOptions(r.Context()); err != nil {
			return err
		}
	}
	d := userFormData{User: u, Roles: auth.AllRoles, Lines: auth.Lines, Options: opts, CanEdit: p.Can(auth.PermUserAdmin), CanLock: p.Can(auth.PermUserLock), Now: time.Now().UnixMilli()}
	v := View{Title: i18n.T("auth.user_new"), ActiveNav: "/admin/users", Data: &d, Errors: errs}
	if errs.Any() {
		_ = r.ParseForm() // the handler has parsed it already; this only reads it back
		v.Form = r.PostForm
		d.Chosen, d.ChosenR, d.ChosenL = r.PostForm["scope"], r.PostForm["roles"], r.PostForm["lines"]
	} else if u != nil {
		for _, id := range u.ScopeRoots {
			d.Chosen = append(d.Chosen, strconv.FormatInt(id, 10))
		}
		for _, ro := range u.Roles {
			d.ChosenR = append(d.ChosenR, string(ro))
		}
		d.ChosenL = u.Lines
	}
	if u != nil {
		v.Title = i18n.T("auth.user_edit") + "：" + u.Username
	}
	return s.Render(w, r, "web/user_form.html", v)
}

func (s *Server) userNewForm(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return s.userForm(w, r, p, nil, nil)
}

func formRoles(vals []string) []auth.Role {
	out := make([]auth.Role, 0, len(vals))
	for _, v := range vals {
		out = append(out, auth.Role(v))
	}
	return out
}

func (s *Server) userCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	person, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("person_id")), 10, 64)
	id, err := s.Auth.CreateUser(r.Context(), p, auth.NewUser{
		Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"), Phone: strings.TrimSpace(r.PostFormValue("phone")),
		Password: r.PostFormValue("password"), Roles: formRoles(r.PostForm["roles"]), Lines: r.PostForm["lines"],
		Scope: FormIDs(r.PostForm["scope"]), PersonID: person, MustChange: true,
	})
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return s.userForm(w, r, p, nil, verrs)
	}
	if err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), i18n.T("auth.user_created"))
}

func (s *Server) userEditForm(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.Auth.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	return s.userForm(w, r, p, u, nil)
}

func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.Auth.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	person, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("person_id")), 10, 64)
	err = s.Auth.UpdateUser(r.Context(), p, id, auth.UserUpdate{
		DisplayName: r.PostFormValue("display_name"), Phone: strings.TrimSpace(r.PostFormValue("phone")),
		Roles: formRoles(r.PostForm["roles"]), Lines: r.PostForm["lines"], Scope: FormIDs(r.PostForm["scope"]), PersonID: person,
	})
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return s.userForm(w, r, p, u, verrs)
	}
	if err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), i18n.T("auth.user_updated"))
}

func (s *Server) userResetPassword(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	err = s.Auth.SetPassword(r.Context(), p, id, r.PostFormValue("password"), true)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		u, gerr := s.Auth.GetUser(r.Context(), id)
		if gerr != nil {
			return gerr
		}
		return s.userForm(w, r, p, u, verrs)
	}
	if err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), i18n.T("common.saved"))
}

func (s *Server) userLock(lock bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		id, err := PathID(r, "id")
		if err != nil {
			return err
		}
		if err := s.Auth.SetLocked(r.Context(), p, id, lock, 0); err != nil {
			return err
		}
		return s.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), i18n.T("common.saved"))
	}
}

func (s *Server) userDisable(disable bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		id, err := PathID(r, "id")
		if err != nil {
			return err
		}
		if err := s.Auth.SetDisabled(r.Context(), p, id, disable); err != nil {
			return err
		}
		return s.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), i18n.T("common.saved"))
	}
}

func (s *Server) userMFAReset(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Auth.ResetMFA(r.Context(), p, id); err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), i18n.T("common.saved"))
}

func (s *Server) securityPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	pol := s.Auth.Policy(r.Context())
	return s.Render(w, r, "web/security.html", View{Title: i18n.T("auth.security_policy"), ActiveNav: "/admin/security", Data: pol})
}

func (s *Server) securitySubmit(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	atoi := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(k))); return n }
	pol := auth.Policy{Idle: time.Duration(atoi("idle_minutes")) * time.Minute, MaxFailures: atoi("max_failures"), LockFor: time.Duration(atoi("lock_minutes")) * time.Minute}
	err := s.Auth.SetPolicy(r.Context(), p, pol)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return s.Render(w, r, "web/security.html", View{Title: i18n.T("auth.security_policy"), ActiveNav: "/admin/security", Data: pol, Errors: verrs, Form: r.PostForm})
	}
	if err != nil {
		return err
	}
	return s.Redirect(w, r, "/admin/security", i18n.T("auth.policy_saved"))
}

type auditData struct {
	Entries []audit.Entry
	Pager   Pager
}

func auditFilter(r *http.Request) audit.Filter {
	q := r.URL.Query()
	f := audit.Filter{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")), ObjectType: q.Get("object_type"), ObjectID: strings.TrimSpace(q.Get("object_id")), Outcome: q.Get("outcome")}
	if t, err := time.ParseInLocation("2006-01-02", q.Get("from"), Local); err == nil {
		f.FromAt = t.UnixMilli()
	}
	if t, err := time.ParseInLocation("2006-01-02", q.Get("to"), Local); err == nil {
		f.ToAt = t.AddDate(0, 0, 1).UnixMilli()
	}
	return f
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	pg := NewPager(r, 50)
	f := auditFilter(r)
	f.Limit, f.Offset = pg.PerPage, pg.Offset()
	entries, total, err := audit.Search(r.Context(), s.DB.Reader(), f)
	if err != nil {
		return err
	}
	pg.Total = total
	return s.Render(w, r, "web/audit.html", View{Title: i18n.T("nav.audit"), ActiveNav: "/admin/audit", Data: auditData{Entries: entries, Pager: pg}})
}

type verifyData struct {
	Checked int64
	Break   *audit.Break
}

func (s *Server) auditVerify(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	n, brk, err := s.Audit.Verify(r.Context(), s.DB)
	if err != nil {
		return err
	}
	return s.Render(w, r, "web/audit_verify.html", View{Title: i18n.T("audit.verify"), ActiveNav: "/admin/audit", Data: verifyData{Checked: n, Break: brk}})
}

type auditEntryJSON struct {
	Seq        int64  `json:"seq"`
	At         string `json:"at"`
	ActorID    int64  `json:"actor_id,omitempty"`
	Actor      string `json:"actor"`
	Role       string `json:"role"`
	Action     string `json:"action"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	OrgUnitID  int64  `json:"org_unit_id,omitempty"`
	IP         string `json:"ip"`
	Outcome    string `json:"outcome"`
	Detail     string `json:"detail"`
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	f := auditFilter(r)
	f.Limit = QueryInt(r, "limit", 50, 1, 500)
	f.Offset = QueryInt(r, "offset", 0, 0, 1<<30)
	entries, total, err := audit.Search(r.Context(), s.DB.Reader(), f)
	if err != nil {
		return err
	}
	items := make([]auditEntryJSON, 0, len(entries))
	for _, e := range entries {
		items = append(items, auditEntryJSON{Seq: e.Seq, At: time.UnixMilli(e.At).In(Local).Format(time.RFC3339), ActorID: e.ActorID, Actor: e.ActorName, Role: e.Role,
			Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, OrgUnitID: e.OrgUnitID, IP: e.IP, Outcome: e.Outcome, Detail: e.Detail})
	}
	WriteJSON(w, http.StatusOK, map[string]any{"total": total, "items": items})
	return nil
}

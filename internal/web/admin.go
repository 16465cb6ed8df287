package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importexport"
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
	s.Page("GET", "/admin/audit/export", auth.PermAuditRead, "", s.auditExport)
	s.API("GET", "/api/v1/audit", auth.PermAuditRead, "", s.apiAudit)

	s.AddAuditTarget("user", AuditEach(func(ctx context.Context, p *auth.Principal, id int64) (AuditTarget, bool, error) {
		u, err := s.Auth.GetUser(ctx, id)
		if err != nil {
			return AuditTarget{}, false, err
		}
		t := AuditTarget{Label: u.DisplayName + "（" + u.Username + "）"}
		if p.Can(auth.PermUserLock) {
			t.Href = "/admin/users/" + strconv.FormatInt(id, 10)
		}
		return t, true, nil
	}))
	s.AddAuditTarget("setting", func(_ context.Context, _ *auth.Principal, ids []string) (map[string]AuditTarget, error) {
		out := map[string]AuditTarget{}
		for _, id := range ids {
			if key, ok := settingNames[id]; ok {
				out[id] = AuditTarget{Label: i18n.T(key)}
			}
		}
		return out, nil
	})

	s.AddNav(NavItem{Key: "auth.users", Href: "/admin/users", Perm: auth.PermUserLock, Order: 900})
	s.AddNav(NavItem{Key: "auth.security_policy", Href: "/admin/security", Perm: auth.PermSecurityConfig, Order: 910})
	s.AddNav(NavItem{Key: "nav.audit", Href: "/admin/audit", Perm: auth.PermAuditRead, Order: 920})
}

// settingNames name the settings the log records changes of.
var settingNames = map[string]string{"security": "auth.security_policy", "calendar": "calendar.hours", "org.level_names": "org.level_names"}

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
	Rows     []AuditRow
	Actions  []auditChoice
	Objects  []auditChoice
	Newer    string // query of the newer page ("" on the newest)
	Older    string // query of the older page ("" on the oldest)
	Newest   string // query of the newest page, filters kept
	Export   string // query of the export, filters kept
	Filtered bool
	Chain    string // the name of the one chain shown ("" = all)
}

type auditChoice struct{ Code, Name string }

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

// auditPageFilter is the page's and the export's filter: auditFilter, the
// operation as one exact action ("op"), an object given by its number
// (a case's 事项编号) and the keyset cursor; errs names what cannot be read.
func (s *Server) auditPageFilter(r *http.Request) (audit.Filter, *i18n.Errors) {
	q := r.URL.Query()
	f := auditFilter(r)
	f.ExactAction = strings.TrimSpace(q.Get("op"))
	errs := &i18n.Errors{}
	for k, label := range map[string]string{"from": i18n.T("audit.filter_from"), "to": i18n.T("audit.filter_to")} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			if _, err := time.ParseInLocation("2006-01-02", v, Local); err != nil {
				errs.Add(k, "err.invalid_date", "field", label)
			}
		}
	}
	if f.FromAt > 0 && f.ToAt > 0 && f.ToAt <= f.FromAt {
		errs.Add("to", "audit.filter_range")
	}
	if f.ObjectID != "" {
		if _, err := strconv.ParseInt(f.ObjectID, 10, 64); err != nil && f.ObjectType != "" {
			if id, ok := s.auditLookup(r.Context(), f.ObjectType, f.ObjectID); ok {
				f.ObjectID = id
			}
		}
	}
	if v := strings.TrimSpace(q.Get("chain")); v != "" {
		if c, err := strconv.ParseInt(v, 10, 64); err == nil && c >= 0 {
			f.Communities = []int64{c}
		} else {
			errs.Add("chain", "err.invalid", "field", i18n.T("audit.chain"))
		}
	}
	f.Before = audit.ParseCursor(q.Get("before"))
	f.After = audit.ParseCursor(q.Get("after"))
	return f, errs
}

// auditQuery is the page's query without its cursor, with extra set.
func auditQuery(q url.Values, extra ...string) string {
	v := url.Values{}
	for k, vals := range q {
		if k != "before" && k != "after" && len(vals) > 0 && vals[0] != "" {
			v[k] = vals[:1]
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	f, errs := s.auditPageFilter(r)
	d := auditData{Actions: auditActionChoices(), Objects: auditObjectChoices()}
	q := r.URL.Query()
	d.Newest, d.Export = auditQuery(q), "/admin/audit/export"+auditQuery(q)
	if d.Newest == "" {
		d.Newest = "?"
	}
	for _, k := range []string{"actor", "op", "object_type", "object_id", "outcome", "from", "to", "chain"} {
		if q.Get(k) != "" {
			d.Filtered = true
		}
	}
	v := View{Title: i18n.T("nav.audit"), ActiveNav: "/admin/audit", Data: &d}
	if len(f.Communities) == 1 {
		names, err := s.AuditChainNames(r.Context(), p, f.Communities)
		if err != nil {
			return err
		}
		d.Chain = names[f.Communities[0]]
	}
	if errs.Any() {
		v.Errors = errs
		return s.Render(w, r, "web/audit.html", v)
	}
	f.Limit = 50
	entries, more, err := audit.Page(r.Context(), s.DB.Reader(), f)
	if err != nil {
		return err
	}
	if d.Rows, err = s.AuditRows(r.Context(), p, entries); err != nil {
		return err
	}
	if n := len(entries); n > 0 {
		older := more || !f.After.IsZero() && f.Before.IsZero()
		newer := !f.Before.IsZero() || !f.After.IsZero() && more
		if older {
			d.Older = auditQuery(q, "before", entries[n-1].Cursor().String())
		}
		if newer {
			d.Newer = auditQuery(q, "after", entries[0].Cursor().String())
		}
	}
	return s.Render(w, r, "web/audit.html", v)
}

func auditActionChoices() []auditChoice {
	var out []auditChoice
	for _, c := range audit.DeclaredActions() {
		out = append(out, auditChoice{c, audit.ActionName(c)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func auditObjectChoices() []auditChoice {
	var out []auditChoice
	for _, c := range audit.DeclaredObjects() {
		out = append(out, auditChoice{c, audit.ObjectName(c)})
	}
	return out
}

// maxAuditExport bounds an export of the audit log; a longer one is cut,
// and its info line says so.
const maxAuditExport = 200000

// auditExport writes the filtered log as .xlsx, streamed a thousand entries
// at a time, and records the export (as the registry's exports are).
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	f, errs := s.auditPageFilter(r)
	if errs.Any() {
		return errs
	}
	f.After = audit.Cursor{}
	meta := importexport.Meta{Title: i18n.T("nav.audit"), ExportedBy: p.DisplayName + "（" + p.Username + "）", ExportedAt: time.Now().In(Local), Masked: true, Filter: s.auditFilterText(r, p)}
	headers := []string{"#", i18n.T("audit.at"), i18n.T("audit.actor"), i18n.T("audit.role"), i18n.T("audit.action"), i18n.T("audit.object_kind"), i18n.T("audit.object"), i18n.T("audit.outcome"), i18n.T("audit.ip"), i18n.T("audit.detail")}
	name := i18n.T("nav.audit") + "-" + time.Now().In(Local).Format("20060102-1504") + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	out, err := importexport.NewWriter(w, meta, headers)
	if err != nil {
		return err
	}
	n := 0
	f.Limit = 1000
	names := map[string]map[string]AuditTarget{}
	for n < maxAuditExport {
		entries, more, err := audit.Page(r.Context(), s.DB.Reader(), f)
		if err != nil {
			return err
		}
		if n%50000 == 0 {
			names = map[string]map[string]AuditTarget{} // bounded memory
		}
		rows, err := s.auditRows(r.Context(), p, entries, names)
		if err != nil {
			return err
		}
		for _, row := range rows {
			if n >= maxAuditExport {
				break
			}
			var detail []string
			for _, d := range row.Detail {
				detail = append(detail, d.Label+"："+d.Value)
			}
			if err := out.Write(row.Ref(), time.UnixMilli(row.At).In(Local).Format(time.DateTime), row.ActorName, row.Roles, row.ActionName,
				row.ObjectKind, row.Object.Label, row.Outcome, row.IP, strings.Join(detail, "；")); err != nil {
				return err
			}
			n++
		}
		if !more || len(entries) == 0 {
			break
		}
		f.Before = entries[len(entries)-1].Cursor()
	}
	if err := out.Close(); err != nil {
		return err
	}
	return s.Audit.RecordAlone(r.Context(), s.DB, audit.Event(p, "audit.export", "", nil, 0, audit.Success).
		WithDetail(map[string]any{"rows": n, "filter": meta.Filter}))
}

// auditFilterText describes the export's filters in words.
func (s *Server) auditFilterText(r *http.Request, p *auth.Principal) string {
	q := r.URL.Query()
	var parts []string
	add := func(label, v string) {
		if v != "" {
			parts = append(parts, label+"："+v)
		}
	}
	if c, err := strconv.ParseInt(q.Get("chain"), 10, 64); err == nil {
		if names, err := s.AuditChainNames(r.Context(), p, []int64{c}); err == nil {
			add(i18n.T("audit.chain"), names[c])
		}
	}
	add(i18n.T("audit.actor"), q.Get("actor"))
	if op := q.Get("op"); op != "" {
		add(i18n.T("audit.action"), audit.ActionName(op))
	}
	add(i18n.T("audit.object_kind"), audit.ObjectName(q.Get("object_type")))
	add(i18n.T("audit.object_id"), q.Get("object_id"))
	if o := q.Get("outcome"); o != "" {
		add(i18n.T("audit.outcome"), i18n.T("audit.outcome."+outcomeCode(o)))
	}
	add(i18n.T("audit.filter_from"), q.Get("from"))
	add(i18n.T("audit.filter_to"), q.Get("to"))
	return strings.Join(parts, "，")
}

type verifyData struct {
	Checked int64
	Break   *audit.Break // the first
	Chains  []verifyChain
}

type verifyChain struct {
	audit.Chain
	Name string
}

// auditVerify checks every partition's chain and lists them, broken ones
// first, each named by its community (or street) or as the administration's.
func (s *Server) auditVerify(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	chains, err := s.Audit.VerifyChains(r.Context(), s.DB)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(chains))
	for _, c := range chains {
		ids = append(ids, c.CommunityID)
	}
	names, err := s.AuditChainNames(r.Context(), p, ids)
	if err != nil {
		return err
	}
	d := verifyData{}
	for _, c := range chains {
		d.Checked += c.Entries
		if d.Break == nil && c.Break != nil {
			d.Break = c.Break
		}
		d.Chains = append(d.Chains, verifyChain{Chain: c, Name: names[c.CommunityID]})
	}
	sort.SliceStable(d.Chains, func(i, j int) bool { return d.Chains[i].Break != nil && d.Chains[j].Break == nil })
	return s.Render(w, r, "web/audit_verify.html", View{Title: i18n.T("audit.verify"), ActiveNav: "/admin/audit", Data: d})
}

type auditEntryJSON struct {
	Seq        int64  `json:"seq"`
	Chain      int64  `json:"chain"`
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
		items = append(items, auditEntryJSON{Seq: e.Seq, Chain: e.CommunityID, At: time.UnixMilli(e.At).In(Local).Format(time.RFC3339), ActorID: e.ActorID, Actor: e.ActorName, Role: e.Role,
			Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, OrgUnitID: e.OrgUnitID, IP: e.IP, Outcome: e.Outcome, Detail: e.Detail})
	}
	WriteJSON(w, http.StatusOK, map[string]any{"total": total, "items": items})
	return nil
}

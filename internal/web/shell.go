package web

import (
	"context"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
)

// PermHome lets every kind of account see its home page and itself.
var PermHome = auth.Define("home.view", auth.AllRoles...)

// DashboardProvider contributes counts to the home page's 概况 panel, within
// the user's scope: a count the user may not see is not returned at all.
type DashboardProvider interface {
	DashboardCards(ctx context.Context, p *auth.Principal) ([]Card, error)
}

// Card is one figure of the 概况 panel.
type Card struct {
	Label string
	Value string
	Href  string
	Order int
}

// AddDashboard registers a provider of 概况 figures (see home.go).
func (s *Server) AddDashboard(d DashboardProvider) { s.dashboards = append(s.dashboards, d) }

// ScopeOption is an org unit offered in the account form's scope picker.
type ScopeOption struct {
	ID    int64
	Label string // indented by depth
	Level string
}

// AddAsset serves a module's embedded stylesheet or script at pattern to
// anyone, cached for an hour like the shell's own /static files.
func (s *Server) AddAsset(pattern, contentType string, body []byte) {
	s.Handle(Route{Method: "GET", Pattern: pattern, Public: true}, func(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, err := w.Write(body)
		return err
	})
}

func (s *Server) registerShell() {
	static, _ := fs.Sub(staticFS, "static")
	fileServer := http.StripPrefix("/static/", http.FileServer(http.FS(static)))
	s.Handle(Route{Method: "GET", Pattern: "/static/{path...}", Public: true}, func(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
		return nil
	})
	s.Handle(Route{Method: "GET", Pattern: "/healthz", Public: true}, s.healthz)
	s.Handle(Route{Method: "GET", Pattern: "/metrics", Public: true}, func(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		s.Metrics.Write(w)
		return nil
	})
	s.Handle(Route{Method: "GET", Pattern: "/login", Public: true}, s.loginPage)
	s.Handle(Route{Method: "POST", Pattern: "/login", Public: true}, s.loginSubmit)
	s.Handle(Route{Method: "GET", Pattern: "/login/mfa", AllowPending: true}, s.mfaPage)
	s.Handle(Route{Method: "POST", Pattern: "/login/mfa", AllowPending: true}, s.mfaSubmit)
	s.Handle(Route{Method: "GET", Pattern: "/login/enrol", AllowPending: true}, s.enrolPage)
	s.Handle(Route{Method: "POST", Pattern: "/login/enrol", AllowPending: true}, s.enrolSubmit)
	s.Handle(Route{Method: "POST", Pattern: "/logout", AllowPending: true}, s.logout)
	s.Handle(Route{Method: "GET", Pattern: "/account/password", AllowPending: true}, s.passwordPage)
	s.Handle(Route{Method: "POST", Pattern: "/account/password", AllowPending: true}, s.passwordSubmit)
	s.Page("GET", "/{$}", PermHome, "", s.home)
	s.Page("GET", "/account/tokens", auth.PermAPIToken, "", s.tokensPage)
	s.Page("POST", "/account/tokens", auth.PermAPIToken, "", s.tokenCreate)
	s.Page("POST", "/account/tokens/{id}/revoke", auth.PermAPIToken, "api_token", s.tokenRevoke)

	s.Handle(Route{Method: "GET", Pattern: "/api/v1/openapi.json", Public: true, API: true}, func(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, err := w.Write(s.OpenAPI)
		return err
	})
	s.Handle(Route{Method: "POST", Pattern: "/api/v1/session", Public: true, API: true}, s.apiLogin)
	s.Handle(Route{Method: "DELETE", Pattern: "/api/v1/session", AllowPending: true, API: true}, s.apiLogout)
	s.Handle(Route{Method: "POST", Pattern: "/api/v1/session/password", AllowPending: true, API: true}, s.apiPassword)
	s.API("GET", "/api/v1/me", PermHome, "", s.apiMe)

	s.registerAdmin()
	s.registerAdminActions()
	s.AddNav(NavItem{Key: "nav.home", Href: "/", Perm: PermHome, Order: 0})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var one int
	if err := s.DB.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return nil
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": string(s.DB.Dialect()), "version": s.Cfg.Version})
	return nil
}

// ---- login ----

type loginData struct {
	Username string
	Next     string
	Error    string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if p != nil && !p.MFAPending {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	return s.Render(w, r, "web/login.html", View{Title: i18n.T("auth.login_title"), Data: loginData{Next: r.URL.Query().Get("next")}})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	username := strings.TrimSpace(r.PostFormValue("username"))
	next := safeNext(r.PostFormValue("next"))
	res, err := s.Auth.Login(r.Context(), username, r.PostFormValue("password"), s.ClientIP(r), r.UserAgent(), auth.KindWeb)
	if err != nil {
		info := Classify(err)
		if info.Status >= 500 {
			return err
		}
		return s.RenderStatus(w, r, info.Status, "web/login.html", View{Title: i18n.T("auth.login_title"), Data: loginData{Username: username, Next: next, Error: info.Message}})
	}
	s.setSessionCookie(w, r, res.Token)
	switch {
	case res.NeedEnrol:
		http.Redirect(w, r, "/login/enrol", http.StatusSeeOther)
	case res.NeedMFA:
		http.Redirect(w, r, "/login/mfa?next="+url.QueryEscape(next), http.StatusSeeOther)
	default:
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
	return nil
}

func (s *Server) mfaPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if !p.MFAPending {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	return s.Render(w, r, "web/mfa.html", View{Title: i18n.T("auth.mfa_title"), Data: loginData{Next: r.URL.Query().Get("next")}})
}

func (s *Server) mfaSubmit(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	token, _ := sessionToken(r)
	next := safeNext(r.PostFormValue("next"))
	if err := s.Auth.VerifyMFA(r.Context(), token, r.PostFormValue("code"), s.ClientIP(r)); err != nil {
		info := Classify(err)
		if info.Status >= 500 {
			return err
		}
		if errors.Is(err, auth.ErrMFAEnrol) {
			http.Redirect(w, r, "/login/enrol", http.StatusSeeOther)
			return nil
		}
		return s.RenderStatus(w, r, info.Status, "web/mfa.html", View{Title: i18n.T("auth.mfa_title"), Data: loginData{Next: next, Error: info.Message}})
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

type enrolData struct {
	Secret string
	URI    string
	QR     template.URL // data: URL of a PNG (QRDataURL)
	Error  string
}

func (s *Server) enrolPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if !p.MFAPending {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	secret, uri, err := s.Auth.BeginEnrol(r.Context(), p)
	if err != nil {
		var ie *i18n.Error
		if errors.As(err, &ie) && ie.Code == "conflict" {
			http.Redirect(w, r, "/login/mfa", http.StatusSeeOther)
			return nil
		}
		return err
	}
	return s.Render(w, r, "web/enrol.html", View{Title: i18n.T("auth.enrol_title"), Data: enrolData{Secret: spaced(secret), URI: uri, QR: QRDataURL(uri)}})
}

func spaced(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (s *Server) enrolSubmit(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	token, _ := sessionToken(r)
	if err := s.Auth.ConfirmEnrol(r.Context(), token, p, r.PostFormValue("code")); err != nil {
		info := Classify(err)
		if info.Status >= 500 {
			return err
		}
		secret, uri, _ := s.Auth.BeginEnrol(r.Context(), p)
		return s.RenderStatus(w, r, info.Status, "web/enrol.html", View{Title: i18n.T("auth.enrol_title"), Data: enrolData{Secret: spaced(secret), URI: uri, QR: QRDataURL(uri), Error: info.Message}})
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	token, _ := sessionToken(r)
	if err := s.Auth.Logout(r.Context(), token, p); err != nil {
		return err
	}
	s.clearSession(w, r)
	return s.Redirect(w, r, "/login", i18n.T("auth.logged_out"))
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if p.MFAPending {
		http.Redirect(w, r, "/login/mfa", http.StatusSeeOther)
		return nil
	}
	return s.Render(w, r, "web/password.html", View{Title: i18n.T("auth.change_password")})
}

func (s *Server) passwordSubmit(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if p.MFAPending {
		return auth.ErrForbidden
	}
	newPW := r.PostFormValue("password")
	var err error
	if newPW != r.PostFormValue("password_again") {
		e := &i18n.Errors{}
		e.Add("password_again", "auth.pw_mismatch")
		err = e
	} else {
		err = s.Auth.ChangeOwnPassword(r.Context(), p, r.PostFormValue("old_password"), newPW)
	}
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return s.Render(w, r, "web/password.html", View{Title: i18n.T("auth.change_password"), Errors: verrs})
	}
	if err != nil {
		return err
	}
	return s.Redirect(w, r, "/", i18n.T("auth.password_changed"))
}

// ---- JSON API: session and me ----

type apiLoginReq struct {
	Username string `json:"username"`
	Password string `json:"password"`
	TOTP     string `json:"totp,omitempty"`
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var req apiLoginReq
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	res, err := s.Auth.Login(r.Context(), req.Username, req.Password, s.ClientIP(r), r.UserAgent(), auth.KindAPI)
	if err != nil {
		return err
	}
	if res.NeedEnrol {
		_ = s.Auth.Logout(r.Context(), res.Token, res.Principal)
		return auth.ErrMFAEnrol
	}
	if res.NeedMFA {
		if req.TOTP == "" {
			_ = s.Auth.Logout(r.Context(), res.Token, res.Principal)
			return auth.ErrMFARequired
		}
		if err := s.Auth.VerifyMFA(r.Context(), res.Token, req.TOTP, s.ClientIP(r)); err != nil {
			_ = s.Auth.Logout(r.Context(), res.Token, res.Principal)
			return err
		}
	}
	idle := s.Auth.Policy(r.Context()).Idle
	// must_change_password: until the password is changed with POST
	// /api/v1/session/password, every other call answers password_change_required.
	WriteJSON(w, http.StatusOK, map[string]any{"token": res.Token, "idle_timeout_seconds": int(idle.Seconds()), "must_change_password": res.Principal.MustChange})
	return nil
}

type apiPasswordReq struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// apiPassword changes the caller's own password: the one call an account that
// must change its initial password may make (besides logging out).
func (s *Server) apiPassword(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if p.MFAPending {
		return auth.ErrMFARequired
	}
	var req apiPasswordReq
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.NewPassword == "" {
		e := &i18n.Errors{}
		e.Add("new_password", "err.required", "field", i18n.T("auth.new_password"))
		return e
	}
	err := s.Auth.ChangeOwnPassword(r.Context(), p, req.OldPassword, req.NewPassword)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		// The API names its own fields.
		for i := range verrs.Fields {
			if verrs.Fields[i].Field == "password" {
				verrs.Fields[i].Field = "new_password"
			}
		}
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	token, _ := sessionToken(r)
	if err := s.Auth.Logout(r.Context(), token, p); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// MeJSON is the body of GET /api/v1/me.
type MeJSON struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Roles       []string  `json:"roles"`
	Lines       []string  `json:"lines"`
	Permissions []string  `json:"permissions"`
	Scope       ScopeJSON `json:"scope"`
	PersonID    int64     `json:"person_id,omitempty"`
}

// ScopeJSON describes a scope in the API.
type ScopeJSON struct {
	All         bool       `json:"all"`
	Label       string     `json:"label"`
	Roots       []RootJSON `json:"roots"`
	Communities []int64    `json:"communities"`
	Grids       []int64    `json:"grids"`
}

// RootJSON is one subtree root.
type RootJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	me := MeJSON{ID: p.UserID, Username: p.Username, DisplayName: p.DisplayName, Lines: p.Lines, PersonID: p.PersonID,
		Roles: []string{}, Permissions: []string{}}
	if me.Lines == nil {
		me.Lines = []string{}
	}
	for _, ro := range p.Roles {
		me.Roles = append(me.Roles, string(ro))
	}
	for _, perm := range auth.Perms() {
		if p.Can(perm) {
			me.Permissions = append(me.Permissions, string(perm))
		}
	}
	me.Scope = ScopeJSON{All: p.Scope.All, Label: ScopeLabel(p), Roots: []RootJSON{}, Communities: p.Scope.Communities, Grids: p.Scope.Grids}
	if me.Scope.Communities == nil {
		me.Scope.Communities = []int64{}
	}
	if me.Scope.Grids == nil {
		me.Scope.Grids = []int64{}
	}
	for _, rt := range p.Scope.Roots {
		me.Scope.Roots = append(me.Scope.Roots, RootJSON{ID: rt.ID, Name: rt.Name})
	}
	WriteJSON(w, http.StatusOK, me)
	return nil
}

// FormIDs reads repeated form values as ids, ignoring blanks.
func FormIDs(vals []string) []int64 {
	var out []int64
	for _, v := range vals {
		if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}

// ---- personal API tokens ----

type tokensData struct {
	Tokens []*auth.APIToken
	New    string
	Now    int64
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return s.renderTokens(w, r, p, "", nil)
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, p *auth.Principal, created string, errs *i18n.Errors) error {
	list, err := s.Auth.APITokens(r.Context(), p)
	if err != nil {
		return err
	}
	v := View{Title: i18n.T("auth.tokens"), Data: tokensData{Tokens: list, New: created, Now: time.Now().UnixMilli()}, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return s.Render(w, r, "web/tokens.html", v)
}

func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	days, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	tok, err := s.Auth.CreateAPIToken(r.Context(), p, r.PostFormValue("name"), time.Duration(days)*24*time.Hour)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return s.renderTokens(w, r, p, "", verrs)
	}
	if err != nil {
		return err
	}
	// The token is shown once, on this response only; it is never stored in clear.
	return s.renderTokens(w, r, p, tok, nil)
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Auth.RevokeAPIToken(r.Context(), p, id); err != nil {
		return err
	}
	return s.Redirect(w, r, "/account/tokens", i18n.T("auth.token_revoked"))
}

// Package web is Linli's HTTP shell: routing with a permission on every route,
// sessions and bearer tokens, CSRF and Origin checks, security headers, page
// rendering from the message catalogue, JSON errors, metrics and health. Modules
// register their routes here; their handlers only translate HTTP to module calls.
package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

// Config is what the shell needs to know about its deployment.
type Config struct {
	// CookieSecure: "auto" marks cookies Secure when the request came over HTTPS
	// (directly or through a proxy that says so); "always" and "never" force it.
	CookieSecure string
	// TrustProxy takes the client address from X-Forwarded-For / X-Real-IP.
	TrustProxy bool
	// Version is shown in the footer and /healthz.
	Version string
	// MaxUpload bounds multipart uploads in bytes.
	MaxUpload int64
	// MaxActive is how many requests run at once; the rest wait their turn
	// (see admission). 0 means four per core.
	MaxActive int
}

// Server is the HTTP application.
type Server struct {
	Cfg     Config
	DB      *db.DB
	Auth    *auth.Service
	Audit   *audit.Log
	Log     *slog.Logger
	Metrics *Metrics

	// OpenAPI is the API description served at /api/v1/openapi.json.
	OpenAPI []byte
	// ScopeOptions lists org units for the account form's scope picker; the org
	// module provides it.
	ScopeOptions func(ctx context.Context) ([]ScopeOption, error)

	mux        *http.ServeMux
	routes     []Route
	pages      *pages
	nav        []NavItem
	dashboards []DashboardProvider
	todos      []TodoProvider
	actions    []Action
	charts     []ChartProvider
	admit      *admission
	stash      formStash // refused forms kept across a redirect (stash.go)
	auditViews auditViews
}

// Route is one registered route; the authorisation matrix test walks them all.
type Route struct {
	Method  string
	Pattern string
	// Perm is required of the user ("" = any logged-in user with a completed login).
	Perm auth.Perm
	// Public routes need no login (login page, static files, health).
	Public bool
	// API routes answer in JSON.
	API bool
	// Object names what the {id} in the pattern refers to ("building", "org_unit"),
	// so the matrix test knows which fixture ids to try.
	Object string
	// Anonymous-only or pending-login routes (the second-factor page) are reachable
	// with a login that is not yet complete.
	AllowPending bool
	// KeyAuth: the route acts only on what the request itself carries (an
	// api_key, a bearer token, credentials in the body), never on the browser's
	// session cookie. An unsafe request to it that carries no session cookie
	// needs no CSRF token and no same-site Origin: there is no ambient
	// authority for another site to forge. One that carries the cookie is
	// checked as usual. Open311's routes are such routes (GeoReport clients
	// post plain forms with their api_key).
	KeyAuth bool
}

// HandlerFunc is a route handler. Returning an error renders it: *i18n.Error and
// *i18n.Errors map to their status codes, anything else is a 500 that is logged.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error

// NewServer builds the shell with its own pages (login, accounts, audit).
func NewServer(cfg Config, d *db.DB, a *auth.Service, al *audit.Log, log *slog.Logger) *Server {
	if cfg.CookieSecure == "" {
		cfg.CookieSecure = "auto"
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 300 << 20
	}
	s := &Server{Cfg: cfg, DB: d, Auth: a, Audit: al, Log: log, Metrics: NewMetrics(), mux: http.NewServeMux(), pages: newPages(), admit: newAdmission(cfg.MaxActive, admitHold)}
	s.Metrics.AddGauge(func() (string, string, float64) {
		return "linli_http_requests_running", "Requests running now (at most the admission limit).", float64(s.admit.running())
	})
	s.Metrics.AddGauge(func() (string, string, float64) {
		return "linli_http_requests_waiting", "Requests waiting for their turn to run.", float64(s.admit.waiting.Load())
	})
	s.pages.addFS("web", templateFS)
	s.registerShell()
	return s
}

// Routes returns every registered route, sorted, for the matrix test and docs.
func (s *Server) Routes() []Route {
	out := append([]Route(nil), s.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pattern != out[j].Pattern {
			return out[i].Pattern < out[j].Pattern
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// Handle registers a route. Pattern is a net/http pattern without the method
// ("/org/{id}"); API routes should start with /api/v1/.
func (s *Server) Handle(rt Route, h HandlerFunc) {
	if rt.Method == "" {
		panic("web: route without method: " + rt.Pattern)
	}
	if !rt.Public && rt.Perm == "" && !rt.AllowPending {
		// Every non-public route names its permission, so that adding a route
		// forces a decision about who may use it.
		panic("web: route without permission: " + rt.Method + " " + rt.Pattern)
	}
	s.routes = append(s.routes, rt)
	s.mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt, h))
}

// Page registers an HTML route.
func (s *Server) Page(method, pattern string, perm auth.Perm, object string, h HandlerFunc) {
	s.Handle(Route{Method: method, Pattern: pattern, Perm: perm, Object: object}, h)
}

// API registers a JSON route.
func (s *Server) API(method, pattern string, perm auth.Perm, object string, h HandlerFunc) {
	s.Handle(Route{Method: method, Pattern: pattern, Perm: perm, Object: object, API: true}, h)
}

// ServeHTTP runs the whole middleware chain.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: 200}
	s.securityHeaders(rec, r)
	defer func() {
		if v := recover(); v != nil {
			s.Log.Error("panic", "err", fmt.Sprint(v), "path", r.URL.Path, "stack", string(debug.Stack()))
			if !rec.wrote {
				s.renderError(rec, r, isAPIPath(r.URL.Path), fmt.Errorf("panic: %v", v))
			}
		}
		_, pattern := s.mux.Handler(r)
		if pattern == "" {
			pattern = "unmatched"
		}
		s.Metrics.observe(pattern, rec.status, time.Since(start))
		if rec.status >= 500 || time.Since(start) > time.Second {
			s.Log.Warn("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "ms", time.Since(start).Milliseconds())
		}
	}()
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.renderError(rec, r, isAPIPath(r.URL.Path), i18n.NewError("not_found", "err.not_found"))
		return
	}
	s.mux.ServeHTTP(rec, r)
}

func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/open311/")
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status = code
		r.wrote = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Flush lets streamed exports reach the client as they are written.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) securityHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Permissions-Policy", "geolocation=(), microphone=(), camera=(self)")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.isHTTPS(r) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

func (s *Server) isHTTPS(r *http.Request) bool {
	return r.TLS != nil || (s.Cfg.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

func (s *Server) cookieSecure(r *http.Request) bool {
	switch s.Cfg.CookieSecure {
	case "always":
		return true
	case "never":
		return false
	}
	return s.isHTTPS(r)
}

// ClientIP is the address audit records for r.
func (s *Server) ClientIP(r *http.Request) string {
	if s.Cfg.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			return strings.TrimSpace(first)
		}
		if xr := r.Header.Get("X-Real-IP"); xr != "" {
			return strings.TrimSpace(xr)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Cookie names.
const (
	SessionCookie = "linli_session"
	csrfCookie    = "linli_csrf"
	flashCookie   = "linli_flash"
)

// sessionToken returns the token of r and whether it came as a bearer token.
func sessionToken(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(tok), true
		}
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value, false
	}
	return "", false
}

type principalKey struct{}

func (s *Server) wrap(rt Route, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leave, err := s.admit.enter(r.Context())
		if err != nil {
			return // the client went away while waiting
		}
		defer leave()
		if rt.API {
			w.Header().Set("Cache-Control", "no-store")
		} else if !rt.Public {
			w.Header().Set("Cache-Control", "no-store")
		}
		token, bearer := sessionToken(r)
		var p *auth.Principal
		if token != "" {
			var err error
			p, err = s.Auth.Authenticate(r.Context(), token, s.ClientIP(r))
			if err != nil && !errors.Is(err, auth.ErrSessionExpired) && !errors.Is(err, auth.ErrNotFound) {
				s.renderError(w, r, rt.API, err)
				return
			}
			if p == nil && !bearer {
				s.clearSession(w, r)
			}
		}
		unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
		if unsafe {
			if r.ContentLength > s.Cfg.MaxUpload {
				s.renderError(w, r, rt.API, &i18n.Error{Code: "too_large", Msg: i18n.M("err.too_large", "max", HumanBytes(s.Cfg.MaxUpload))})
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, s.Cfg.MaxUpload)
			// Handlers may read r.PostForm directly: parse urlencoded bodies
			// here whether or not the CSRF check needed them.
			if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
				// A form of fields, not files: net/http's own 10 MB bound,
				// which the upload limit above would otherwise replace.
				r.Body = http.MaxBytesReader(w, r.Body, MaxFormBody)
				if err := r.ParseForm(); err != nil {
					s.renderError(w, r, rt.API, formParseError(err))
					return
				}
			}
		}
		// A request to a key-authenticated route without the session cookie
		// brings its own credentials: nothing of the browser's can be forged.
		_, cookieErr := r.Cookie(SessionCookie)
		keyed := rt.KeyAuth && cookieErr != nil
		if unsafe && !bearer && !keyed && !s.sameOrigin(r) {
			s.denyCSRF(w, r, rt, p)
			return
		}
		if unsafe && !bearer && !keyed && needsCSRFToken(r) {
			// Cookie-carried requests and form posts that change things must come
			// from our own pages: the token only our pages know.
			if !s.csrfOK(r, p) {
				s.denyCSRF(w, r, rt, p)
				return
			}
		}
		if rt.Public {
			ctx := context.WithValue(r.Context(), principalKey{}, p)
			s.run(w, r.WithContext(ctx), rt, h, p)
			return
		}
		if p == nil {
			if rt.API || bearer {
				s.renderError(w, r, true, i18n.NewError("unauthenticated", "err.unauthenticated"))
				return
			}
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.renderError(w, r, false, i18n.NewError("unauthenticated", "err.unauthenticated"))
			return
		}
		if p.MFAPending && !rt.AllowPending {
			if rt.API || bearer {
				s.renderError(w, r, true, auth.ErrMFARequired)
				return
			}
			http.Redirect(w, r, "/login/mfa", http.StatusSeeOther)
			return
		}
		if p.MustChange && !rt.AllowPending {
			// An initial or reset password is changed before anything else, on
			// the web and through the API alike.
			if rt.API || bearer {
				s.renderError(w, r, true, auth.ErrPasswordChange)
				return
			}
			http.Redirect(w, r, "/account/password", http.StatusSeeOther)
			return
		}
		if rt.Perm != "" && !p.Can(rt.Perm) {
			s.renderError(w, r, rt.API || bearer, auth.ErrForbidden)
			return
		}
		ctx := auth.WithPrincipal(r.Context(), p)
		ctx = context.WithValue(ctx, principalKey{}, p)
		s.run(w, r.WithContext(ctx), rt, h, p)
	})
}

func (s *Server) run(w http.ResponseWriter, r *http.Request, rt Route, h HandlerFunc, p *auth.Principal) {
	if err := h(w, r, p); err != nil {
		s.renderError(w, r, rt.API, err)
	}
}

// needsCSRFToken: a request riding on the session cookie, or a body a
// cross-site form could send (urlencoded, multipart, text/plain). A JSON body
// without a cookie (the API login) cannot be sent cross-site without a CORS
// preflight, which Linli never grants.
func needsCSRFToken(r *http.Request) bool {
	if _, err := r.Cookie(SessionCookie); err == nil {
		return true
	}
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	return ct != "application/json"
}

// sameOrigin refuses requests whose Origin (or, lacking it, Referer) names
// another site. Browsers send Origin on every cross-site POST.
func (s *Server) sameOrigin(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" || src == "null" {
		if src == "null" {
			return false
		}
		src = r.Header.Get("Referer")
		if src == "" {
			return true // non-browser clients; the CSRF token still applies
		}
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" {
		return false
	}
	host := r.Host
	if s.Cfg.TrustProxy {
		if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
			host = fh
		}
	}
	return strings.EqualFold(u.Host, host)
}

// csrfOK checks the token of a cookie-carried unsafe request: the session's own
// token once logged in, the pre-login cookie's token before (login forms).
func (s *Server) csrfOK(r *http.Request, p *auth.Principal) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = formValueNoParse(r, "_csrf")
	}
	want := ""
	if p != nil {
		want = p.CSRF
	} else if c, err := r.Cookie(csrfCookie); err == nil {
		want = c.Value
	}
	return want != "" && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// formValueNoParse reads a field from urlencoded or multipart bodies, bounded by
// the upload limit the caller already set, without consuming a JSON body.
func formValueNoParse(r *http.Request, key string) string {
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		if err := r.ParseForm(); err != nil {
			return ""
		}
		return r.PostForm.Get(key)
	}
	if strings.HasPrefix(ct, "multipart/form-data") {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return ""
		}
		if r.MultipartForm != nil {
			if v := r.MultipartForm.Value[key]; len(v) > 0 {
				return v[0]
			}
		}
	}
	return ""
}

func (s *Server) denyCSRF(w http.ResponseWriter, r *http.Request, rt Route, p *auth.Principal) {
	e := audit.Entry{Action: "csrf_refused", ObjectType: "route", ObjectID: r.Method + " " + r.URL.Path, IP: s.ClientIP(r), Outcome: audit.Denied, Detail: "origin=" + r.Header.Get("Origin")}
	if p != nil {
		e.ActorID, e.ActorName, e.Role, _ = p.AuditActor()
	}
	_ = s.Audit.RecordAlone(r.Context(), s.DB, e)
	s.renderError(w, r, rt.API, i18n.NewError("csrf", "err.csrf"))
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.cookieSecure(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cookieSecure(r), SameSite: http.SameSiteLaxMode})
}

// preLoginCSRF returns the anonymous visitor's CSRF token, setting the cookie if new.
func (s *Server) preLoginCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := auth.NewToken()
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true, Secure: s.cookieSecure(r), SameSite: http.SameSiteStrictMode})
	return tok
}

// SetFlash shows msg once on the next page.
func (s *Server) SetFlash(w http.ResponseWriter, r *http.Request, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", HttpOnly: true, Secure: s.cookieSecure(r), SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cookieSecure(r), SameSite: http.SameSiteLaxMode})
	v, _ := url.QueryUnescape(c.Value)
	return v
}

// Redirect answers a successful form post with 303 and a flash message.
func (s *Server) Redirect(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		s.SetFlash(w, r, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// safeNext keeps post-login redirects on this site: "/" or a path that starts
// with one "/" followed by anything but "/" or "\\", with no control character
// anywhere (browsers drop tabs and newlines, so "/\t/host" would become
// "//host", another site). Anything else goes home.
func safeNext(next string) string {
	if next == "/" {
		return next
	}
	if len(next) < 2 || next[0] != '/' || next[1] == '/' || next[1] == '\\' {
		return "/"
	}
	for _, c := range next {
		if unicode.IsControl(c) || c == utf8.RuneError {
			return "/"
		}
	}
	return next
}

// formParseError turns a body that hit the size limit into the "too large" error
// and anything else into a bad request.
// MaxFormBody bounds an urlencoded form's body (files come as multipart,
// bounded by Config.MaxUpload).
const MaxFormBody = 10 << 20

func formParseError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	return i18n.NewError("bad_request", "err.bad_request")
}

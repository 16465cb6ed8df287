package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/privacy"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds the layout, shared partials and every module's page templates.
// Each page is parsed together with the layout so that it can define "title",
// "content" and optional "head" blocks.
type pages struct {
	mu     sync.Mutex
	base   *template.Template
	byName map[string]*template.Template
}

// The audit page labels each entry's outcome.
var _ = i18n.Family("audit.outcome.", audit.Success, audit.Failure, audit.Denied)

func newPages() *pages {
	base := template.New("").Funcs(Funcs())
	layouts, err := fs.Glob(templateFS, "templates/layout/*.html")
	if err != nil {
		panic(err)
	}
	for _, name := range layouts {
		parseFile(base.New(path.Base(name)), templateFS, name)
	}
	return &pages{base: base, byName: map[string]*template.Template{}}
}

// addFS parses every templates/*.html of fsys (recursively) as pages named
// "module/relative/path.html". Files under templates/partials/ are not pages:
// they are parsed into every page of the module, for blocks the pages share.
func (p *pages) addFS(module string, fsys fs.FS) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var partials, pagesFound []string
	err := fs.WalkDir(fsys, "templates", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".html") || strings.HasPrefix(name, "templates/layout/") {
			return err
		}
		if strings.HasPrefix(name, "templates/partials/") {
			partials = append(partials, name)
		} else {
			pagesFound = append(pagesFound, name)
		}
		return nil
	})
	if err != nil {
		panic(fmt.Sprintf("web: templates of %s: %v", module, err))
	}
	for _, name := range pagesFound {
		t := template.Must(p.base.Clone())
		for _, part := range partials {
			parseFile(t.New(part), fsys, part)
		}
		parseFile(t.New(path.Base(name)), fsys, name)
		p.byName[module+"/"+strings.TrimPrefix(name, "templates/")] = t
	}
}

// parseFile parses one template file into t, fixed messages written in (see
// inlineMessages).
func parseFile(t *template.Template, fsys fs.FS, name string) {
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		panic(err)
	}
	template.Must(t.Parse(inlineMessages(string(body))))
}

// AddTemplates registers a module's page templates (its embedded "templates"
// directory). Pages are then rendered as "module/file.html".
func (s *Server) AddTemplates(module string, fsys fs.FS) { s.pages.addFS(module, fsys) }

// Funcs are the template helpers every page may use.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"t":         i18n.T,
		"msg":       func(m i18n.Msg) string { return m.String() },
		"maskID":    privacy.MaskIDNumber,
		"maskPhone": privacy.MaskPhone,
		"datetime": func(ms int64) string {
			if ms <= 0 {
				return ""
			}
			return time.UnixMilli(ms).In(Local).Format("2006-01-02 15:04")
		},
		"date": func(ms int64) string {
			if ms <= 0 {
				return ""
			}
			return time.UnixMilli(ms).In(Local).Format("2006-01-02")
		},
		"join": strings.Join,
		"add":  func(a, b int) int { return a + b },
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i + 1
			}
			return out
		},
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"contains": func(list any, v any) bool {
			switch l := list.(type) {
			case []string:
				for _, x := range l {
					if x == fmt.Sprint(v) {
						return true
					}
				}
			case []int64:
				for _, x := range l {
					if fmt.Sprint(x) == fmt.Sprint(v) {
						return true
					}
				}
			case []auth.Role:
				for _, x := range l {
					if string(x) == fmt.Sprint(v) {
						return true
					}
				}
			}
			return false
		},
		"roleLabel": func(r auth.Role) string { return i18n.T(r.LabelKey()) },
		"lineLabel": func(l string) string { return i18n.T("line." + l) },
		"str":       func(v any) string { return fmt.Sprint(v) },
		"query": func(v url.Values, kv ...any) string {
			q := url.Values{}
			for k, vs := range v {
				q[k] = append([]string(nil), vs...)
			}
			for i := 0; i+1 < len(kv); i += 2 {
				q.Set(fmt.Sprint(kv[i]), fmt.Sprint(kv[i+1]))
			}
			return q.Encode()
		},
		"bytes":   HumanBytes,
		"options": OptionsHTML,
		"def":     DefHTML,
	}
}

// Option is one choice of a <select>.
type Option struct {
	Value, Label string
	Selected     bool
}

// Choices turns items into options; the one whose value is selected is marked.
func Choices[T any](items []T, value, label func(T) string, selected string) []Option {
	out := make([]Option, len(items))
	for i, it := range items {
		v := value(it)
		out[i] = Option{Value: v, Label: label(it), Selected: v == selected}
	}
	return out
}

// OptionsHTML writes the <option> elements of a select, escaped: one template
// action for a list of choices instead of four per choice, which html/template
// runs through reflection (the resident list's filters cost more than its
// fifty rows).
func OptionsHTML(opts []Option) template.HTML {
	var b strings.Builder
	for _, o := range opts {
		b.WriteString(`<option value="`)
		b.WriteString(html.EscapeString(o.Value))
		b.WriteString(`"`)
		if o.Selected {
			b.WriteString(` selected`)
		}
		b.WriteString(`>`)
		b.WriteString(html.EscapeString(o.Label))
		b.WriteString("</option>")
	}
	return template.HTML(b.String())
}

// Local is the time zone shown to users (locale.Zone).
var Local = locale.Zone

// View is what every page template receives.
type View struct {
	Title      string
	Data       any
	Errors     *i18n.Errors
	Form       url.Values
	Flash      string
	ActiveNav  string
	P          *auth.Principal
	CSRF       string
	Nav        template.HTML // the main navigation's links, see navHTML
	ScopeLabel string
	RoleLabel  string // "" when the display name says it already
	MayTokens  bool   // the header links to 接口令牌 (auth.PermAPIToken)
	Version    string
	Path       string
	Query      url.Values
}

// Err returns the message for field, for templates: {{.Err "name"}}.
func (v View) Err(field string) string { return v.Errors.For(field) }

// Val returns the submitted value of field, for re-filling a form after errors.
func (v View) Val(field string) string {
	if v.Form == nil {
		return ""
	}
	return v.Form.Get(field)
}

// Render writes page name with status 200 (or 422 when v carries errors).
func (s *Server) Render(w http.ResponseWriter, r *http.Request, name string, v View) error {
	status := http.StatusOK
	if v.Errors.Any() {
		status = http.StatusUnprocessableEntity
	}
	return s.RenderStatus(w, r, status, name, v)
}

// RenderStatus writes page name with the given status.
func (s *Server) RenderStatus(w http.ResponseWriter, r *http.Request, status int, name string, v View) error {
	s.pages.mu.Lock()
	t, ok := s.pages.byName[name]
	s.pages.mu.Unlock()
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	p, _ := r.Context().Value(principalKey{}).(*auth.Principal)
	v.P = p
	if p != nil {
		v.CSRF = p.CSRF
		v.Nav = s.navHTML(p, v.ActiveNav)
		v.ScopeLabel = ScopeLabel(p)
		roles := make([]string, len(p.Roles))
		for i, ro := range p.Roles {
			roles[i] = i18n.T(ro.LabelKey())
		}
		v.RoleLabel = strings.Join(roles, "、")
		if v.RoleLabel == p.DisplayName {
			// An account named after its role (系统管理员) shows it once.
			v.RoleLabel = ""
		}
		v.MayTokens = p.Can(auth.PermAPIToken)
	} else {
		v.CSRF = s.preLoginCSRF(w, r)
	}
	if v.Flash == "" {
		v.Flash = s.takeFlash(w, r)
	}
	v.Form = clipForm(v.Form, v.Errors)
	v.Version = s.Cfg.Version
	v.Path = r.URL.Path
	v.Query = r.URL.Query()
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	if err := t.ExecuteTemplate(buf, "layout", v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// MaxEcho is the most of one submitted value a page echoes back (in runes)
// when it is re-rendered: the longest text any form takes. A value whose
// problem is its length is echoed only up to its own limit (Errors.Limit).
const MaxEcho = 4000

// clipForm is the one place a re-rendered form's values are bounded, so that
// a refused submission never sends megabytes back: every value is cut at its
// field's limit, or at MaxEcho. The request's own form is left as it is.
func clipForm(form url.Values, errs *i18n.Errors) url.Values {
	if form == nil {
		return nil
	}
	var out url.Values
	for k, vs := range form {
		limit := errs.Limit(k)
		if limit <= 0 || limit > MaxEcho {
			limit = MaxEcho
		}
		for i, v := range vs {
			if len(v) <= limit { // bytes ≥ runes: short enough either way
				continue
			}
			if out == nil {
				out = make(url.Values, len(form))
				for k2, vs2 := range form {
					out[k2] = vs2
				}
			}
			if &out[k][0] == &vs[0] {
				out[k] = append([]string(nil), vs...)
			}
			out[k][i] = clipRunes(v, limit)
		}
	}
	if out == nil {
		return form
	}
	return out
}

// clipRunes cuts s after n runes.
func clipRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// Pages are written to a buffer first (an error must not leave half a page);
// the buffers are reused, since growing one to a list page's 30 KB for every
// request was a sixth of what the server allocated. Rare huge pages are not
// kept.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuffer = 1 << 20

// ScopeLabel describes the principal's reach in a few words for the header.
func ScopeLabel(p *auth.Principal) string {
	switch {
	case p == nil:
		return ""
	case p.Scope.All:
		return i18n.T("auth.scope_all")
	case p.Has(auth.RoleResident):
		return i18n.T("auth.scope_own_household")
	case len(p.Scope.Roots) == 0:
		return i18n.T("auth.scope_none")
	}
	names := make([]string, len(p.Scope.Roots))
	for i, r := range p.Scope.Roots {
		names[i] = r.Name
	}
	return strings.Join(names, "、")
}

// NavItem is an entry of the main navigation.
type NavItem struct {
	Key   string // catalogue key of the label
	Href  string
	Perm  auth.Perm
	Order int
}

// AddNav adds a navigation entry, shown to users holding its permission.
func (s *Server) AddNav(n NavItem) {
	s.nav = append(s.nav, n)
	sort.SliceStable(s.nav, func(i, j int) bool { return s.nav[i].Order < s.nav[j].Order })
}

// navHTML writes the links of the main navigation p may use, in Go for the
// reason OptionsHTML gives: a dozen links at five reflective calls each. The
// hrefs are the modules' own paths, escaped all the same.
func (s *Server) navHTML(p *auth.Principal, active string) template.HTML {
	var b strings.Builder
	for _, n := range s.visibleNav(p) {
		b.WriteString(`<a href="`)
		b.WriteString(html.EscapeString(n.Href))
		b.WriteString(`"`)
		if n.Href == active {
			b.WriteString(` class="active"`)
		}
		b.WriteString(`>`)
		b.WriteString(html.EscapeString(i18n.T(n.Key)))
		b.WriteString(`</a>`)
	}
	return template.HTML(b.String())
}

func (s *Server) visibleNav(p *auth.Principal) []NavItem {
	var out []NavItem
	for _, n := range s.nav {
		if n.Perm == "" || p.Can(n.Perm) {
			out = append(out, n)
		}
	}
	return out
}

// ---- errors ----

// ErrorInfo is how an error is shown: status, stable code, message, field problems.
type ErrorInfo struct {
	Status  int
	Code    string
	Message string
	Fields  []FieldProblem
}

// FieldProblem is one field's message in a JSON error.
type FieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

var codeStatus = map[string]int{
	"not_found": 404, "forbidden": 403, "unauthenticated": 401, "bad_credentials": 401, "password_change_required": 403,
	"session_expired": 401, "mfa_required": 401, "mfa_wrong": 401, "csrf": 403, "disabled": 403,
	"mfa_enrollment_required": 403, "validation": 422, "conflict": 409, "too_large": 413,
	"bad_request": 400, "method": 405, "locked": 423, "bad_file": 400, "busy": 503,
}

// Classify maps an error to what the user is told.
func Classify(err error) ErrorInfo {
	var verrs *i18n.Errors
	var ierr *i18n.Error
	var locked *auth.LockedError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &verrs):
		fields := make([]FieldProblem, len(verrs.Fields))
		for i, f := range verrs.Fields {
			fields[i] = FieldProblem{Field: f.Field, Message: f.Msg.String()}
		}
		return ErrorInfo{Status: 422, Code: "validation", Message: verrs.Error(), Fields: fields}
	case errors.As(err, &locked):
		return ErrorInfo{Status: 423, Code: "locked", Message: locked.Msg().String()}
	case errors.As(err, &ierr):
		st, ok := codeStatus[ierr.Code]
		if !ok {
			st = 400
		}
		return ErrorInfo{Status: st, Code: ierr.Code, Message: ierr.Msg.String()}
	case db.IsNodeUnavailable(err):
		return ErrorInfo{Status: 503, Code: "busy", Message: i18n.T("err.node_unavailable")}
	case errors.Is(err, db.ErrNotFound):
		return ErrorInfo{Status: 404, Code: "not_found", Message: i18n.T("err.not_found")}
	case errors.As(err, &tooBig):
		return ErrorInfo{Status: 413, Code: "too_large", Message: i18n.T("err.too_large", "max", HumanBytes(tooBig.Limit))}
	}
	return ErrorInfo{Status: 500, Code: "internal", Message: i18n.T("err.internal")}
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, api bool, err error) {
	info := Classify(err)
	if info.Status >= 500 {
		s.Log.Error("handler error", "method", r.Method, "path", r.URL.Path, "err", err.Error())
	}
	if info.Fields == nil {
		info.Fields = []FieldProblem{}
	}
	if api || isAPIPath(r.URL.Path) {
		WriteJSON(w, info.Status, map[string]any{"error": map[string]any{"code": info.Code, "message": info.Message, "fields": info.Fields}})
		return
	}
	if info.Status == 401 {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if rerr := s.RenderStatus(w, r, info.Status, "web/error.html", View{Title: info.Message, Data: info}); rerr != nil {
		http.Error(w, info.Message, info.Status)
	}
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// DecodeJSON reads a JSON body of at most 1 MiB into v, refusing unknown fields,
// with a Chinese message on failure.
func DecodeJSON(r *http.Request, v any) error {
	return DecodeJSONLimit(r, v, 1<<20)
}

// DecodeJSONLimit is DecodeJSON for bodies that may be bigger than 1 MiB
// (photos sent as base64), reading at most limit bytes.
func DecodeJSONLimit(r *http.Request, v any, limit int64) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &i18n.Error{Code: "bad_request", Msg: i18n.M("web.bad_json", "reason", jsonReason(err))}
	}
	return nil
}

func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return i18n.T("web.json_type", "field", te.Field)
	case errors.As(err, &se):
		return i18n.T("web.json_syntax", "offset", se.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return i18n.T("web.json_unknown", "field", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
	case errors.Is(err, io.EOF):
		return i18n.T("web.json_empty")
	}
	return err.Error()
}

// PathID reads the {name} path value as a positive id, or returns not found.
func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, i18n.NewError("not_found", "err.not_found")
	}
	return id, nil
}

// QueryID reads query parameter k as an id: 0 when absent or not a number.
func QueryID(v url.Values, k string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(v.Get(k)), 10, 64)
	return n
}

// QueryInt reads an integer query parameter with a default and bounds.
func QueryInt(r *http.Request, name string, def, min, max int) int {
	v, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil {
		return def
	}
	if v < min {
		return min
	}
	if v > max {
		return max
	}
	return v
}

// HumanBytes renders a size for messages: 300 MB (locale.HumanBytes).
func HumanBytes(n int64) string { return locale.HumanBytes(n) }

// Pager is paging state for lists.
type Pager struct {
	Page, PerPage, Total int
}

// NewPager reads ?page= and sizes the page.
func NewPager(r *http.Request, perPage int) Pager {
	return Pager{Page: QueryInt(r, "page", 1, 1, 1_000_000), PerPage: perPage}
}

// Offset is the row offset of the page.
func (p Pager) Offset() int { return (p.Page - 1) * p.PerPage }

// Pages is the number of pages.
func (p Pager) Pages() int {
	if p.Total == 0 {
		return 1
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}

// HasPrev and HasNext drive the pager links.
func (p Pager) HasPrev() bool { return p.Page > 1 }
func (p Pager) HasNext() bool { return p.Page < p.Pages() }
func (p Pager) Prev() int     { return p.Page - 1 }
func (p Pager) Next() int     { return p.Page + 1 }

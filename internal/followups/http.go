package followups

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/uploads"
	"linli/internal/web"
)

//go:embed templates
var templateFS embed.FS

//go:embed static/followups.css
var cssFile []byte

//go:embed static/followups-offline.js
var offlineJS []byte

//go:embed static/sw.js
var serviceWorkerJS []byte

// Routes registers the follow-up pages: the worker's due list, the overview,
// a duty and its record form, and the rules.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("followups", templateFS)
	h := &handlers{s: s, srv: srv}
	srv.AddAsset("/followups/assets/followups.css", "text/css; charset=utf-8", cssFile)
	srv.Handle(web.Route{Method: "GET", Pattern: "/followups/assets/followups-offline.js", Public: true}, h.offlineJS)
	srv.Handle(web.Route{Method: "GET", Pattern: "/followups/sw.js", Public: true}, h.serviceWorker)

	srv.Page("GET", "/followups", PermRead, "", h.duePage)
	srv.Page("GET", "/followups/all", PermRead, "", h.allPage)
	srv.Page("GET", "/followups/duties/{id}", PermRead, "fu_duty", h.dutyPage)
	srv.Page("GET", "/followups/duties/{id}/record", PermRecord, "fu_duty", h.recordPage)
	srv.Page("POST", "/followups/duties/{id}/record", PermRecord, "fu_duty", h.record)
	srv.Page("GET", "/followups/records/{id}/photos/{seq}", PermRead, "fu_record", h.photo)
	srv.Page("GET", "/followups/rules", PermRead, "", h.rulesPage)
	srv.Page("GET", "/followups/rules/new", PermRules, "", h.ruleNewPage)
	srv.Page("POST", "/followups/rules/new", PermRules, "", h.ruleCreate)
	srv.Page("GET", "/followups/rules/{id}/edit", PermRules, "fu_rule", h.ruleEditPage)
	srv.Page("POST", "/followups/rules/{id}/edit", PermRules, "fu_rule", h.ruleUpdate)

	s.statsRoutes(srv, h)
	s.recordRoutes(srv, h)
	srv.AddNav(web.NavItem{Key: "followups.nav", Href: "/followups", Perm: PermRead, Order: 25})
	s.homeRoutes(srv)
}

type handlers struct {
	s   *Service
	srv *web.Server
}

// offlineJS is the pages' script: the service worker's registration, the
// record form sent as JSON and the phone's queue of records.
func (h *handlers) offlineJS(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, err := w.Write(offlineJS)
	return err
}

// serviceWorker keeps the follow-up pages on the phone. Its scope is
// /followups (the due list itself and everything under it), one step wider
// than its folder: Service-Worker-Allowed says so. no-cache: a new version
// reaches phones at their next visit.
func (h *handlers) serviceWorker(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Service-Worker-Allowed", "/followups")
	_, err := w.Write(serviceWorkerJS)
	return err
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func queryInt(r *http.Request, k string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(r.URL.Query().Get(k)), 10, 64)
	return v
}

// ---- the lists ----

// dutyRow is a duty as a list shows it.
type dutyRow struct {
	*Duty
	Late int // days overdue
}

func (s *Service) rows(duties []*Duty) []dutyRow {
	today := s.today()
	out := make([]dutyRow, len(duties))
	for i, d := range duties {
		out[i] = dutyRow{d, d.OverdueDays(today)}
	}
	return out
}

// dueTabs are the due list's tabs, in order.
var dueTabs = []string{WhenOverdue, WhenToday, WhenWeek}

type dueTab struct {
	When  string
	Count int
}

type dueData struct {
	When      string
	Tabs      []dueTab
	Duties    []dutyRow
	Pager     web.Pager
	CanRules  bool
	CanImport bool
}

// duePage is the worker's own due list: 已超期, 今天到期, 本周到期 (later this
// week), opening on the first tab that holds any.
func (h *handlers) duePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	when := r.URL.Query().Get("when")
	if !oneOf(when, dueTabs) {
		when = ""
	}
	pg := web.NewPager(r, 50)
	t, err := h.s.DueList(r.Context(), p, when, pg.Offset(), pg.PerPage)
	if err != nil {
		return err
	}
	d := dueData{When: t.When, CanRules: p.Can(PermRules), CanImport: p.Can(PermImport)}
	for _, w := range dueTabs {
		d.Tabs = append(d.Tabs, dueTab{w, t.Count(w)})
	}
	pg.Total = t.Count(t.When)
	d.Duties, d.Pager = h.s.rows(t.Duties), pg
	return h.srv.Render(w, r, "followups/due.html", web.View{Title: i18n.T("followups.due_title"), ActiveNav: "/followups", Data: d})
}

type allData struct {
	Duties    []dutyRow
	Pager     web.Pager
	Whens     []string
	Rules     []*Rule
	Grids     []*org.Unit
	CanRules  bool
	CanImport bool
}

// allPage is every duty in scope the user may see, for leaders: by rule,
// grid and due.
func (h *handlers) allPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	f := DutyFilter{When: r.URL.Query().Get("when"), RuleID: queryInt(r, "rule"), GridID: queryInt(r, "grid")}
	d := allData{Whens: []string{WhenOverdue, WhenToday, WhenWeek}, CanRules: p.Can(PermRules), CanImport: p.Can(PermImport)}
	if d.CanRules {
		d.Whens = append(d.Whens, WhenEscalated)
	}
	if f.When != "" && !oneOf(f.When, d.Whens) {
		return i18n.NewError("bad_request", "err.choice", "field", i18n.T("followups.when"))
	}
	pg := web.NewPager(r, 50)
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	list, total, err := h.s.ListTab(ctx, p, f)
	if err != nil {
		return err
	}
	pg.Total = total
	d.Duties, d.Pager = h.s.rows(list), pg
	if d.Rules, err = h.s.ListRules(ctx, p); err != nil {
		return err
	}
	if p.Can(org.PermRead) {
		if d.Grids, err = h.s.Org.InScope(ctx, p, org.Grid); err != nil {
			return err
		}
	}
	return h.srv.Render(w, r, "followups/all.html", web.View{Title: i18n.T("followups.all_title"), ActiveNav: "/followups", Data: d})
}

// ---- one duty ----

type dutyData struct {
	Duty    *Duty
	Late    int
	Rule    *Rule // nil when it cannot be read
	Records []*Record
	Fields  []string
	Access  DutyAccess
}

func (h *handlers) dutyPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	du, acc, err := h.s.GetDuty(ctx, p, id)
	if err != nil {
		return err
	}
	d := dutyData{Duty: du, Late: du.OverdueDays(h.s.today()), Fields: RecordFields, Access: acc}
	if d.Rule, err = h.s.GetRule(ctx, p, du.RuleID); err != nil && !errors.Is(err, auth.ErrNotFound) {
		return err
	}
	if d.Records, err = h.s.ListRecords(ctx, p, RecordFilter{DutyID: du.ID, Limit: 100}); err != nil {
		return err
	}
	return h.srv.Render(w, r, "followups/duty.html", web.View{Title: du.SubjectName + " · " + du.RuleName, ActiveNav: "/followups", Data: d})
}

// ---- the record form ----

type recordData struct {
	Duty   *Duty
	Ways   []string
	Fields []string
	Key    string // the idempotency key of this filling of the form
	Now    string // the default time, datetime-local
	Ended  bool   // the duty has ended: no form, the message instead
	// Checklist: an inspection's items, each answered on the form.
	Checklist []RecordItem
	Results   []string
}

const localMinute = "2006-01-02T15:04"

// newKey is a fresh idempotency key: a form sent twice (a double tap, a
// resend after a lost answer) makes one record.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "form-" + hex.EncodeToString(b)
}

func (h *handlers) recordPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderRecord(w, r, p, id, nil, http.StatusOK)
}

// renderRecord shows the record form: fresh (errs nil), or again with what
// was posted and its problems (422), or with the duty ended (409).
func (h *handlers) renderRecord(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, errs *i18n.Errors, status int) error {
	du, acc, err := h.s.GetDuty(r.Context(), p, id)
	if err != nil {
		return err
	}
	d := recordData{Duty: du, Ways: Ways, Fields: RecordFields, Key: newKey(), Now: h.s.now().In(web.Local).Format(localMinute), Ended: !acc.Record}
	if ru, err := h.s.GetRule(r.Context(), p, du.RuleID); err == nil {
		d.Checklist, d.Results = checklistOf(ru), ItemResults
	}
	v := web.View{Title: i18n.T("followups.record_new") + " · " + du.SubjectName, ActiveNav: "/followups", Data: d, Errors: errs}
	if r.Method == http.MethodPost {
		v.Form = r.PostForm
		if k := r.PostFormValue("key"); k != "" {
			d.Key = k // the same filling of the form: the same key
			v.Data = d
		}
	}
	return h.srv.RenderStatus(w, r, status, "followups/record.html", v)
}

func (h *handlers) record(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	// A duty the user may not see is not found, before anything is read.
	if _, _, err := h.s.GetDuty(ctx, p, id); err != nil {
		return err
	}
	in := RecordInput{DutyID: id, Way: r.PostFormValue("way"), Met: r.PostFormValue("met"), Note: r.PostFormValue("note"),
		Needs: r.PostFormValue("needs"), IdempotencyKey: r.PostFormValue("key"), Fields: map[string]string{}}
	for _, f := range RecordFields {
		in.Fields[f] = r.PostFormValue("field_" + f)
	}
	readFindings(r, &in)
	photos, err := uploads.FromForm(r, "photos", MaxPhotoBytes)
	if err != nil {
		return err
	}
	in.Photos = photos
	if at := strings.TrimSpace(r.PostFormValue("happened_at")); at != "" {
		t, err := time.ParseInLocation(localMinute, at, web.Local)
		if err != nil {
			errs := &i18n.Errors{}
			errs.Add("happened_at", "err.invalid", "field", i18n.T("followups.happened_at"))
			return h.renderRecord(w, r, p, id, errs, http.StatusUnprocessableEntity)
		}
		in.HappenedAt = t
	}
	_, _, err = h.s.CreateRecord(ctx, p, in)
	var verrs *i18n.Errors
	switch {
	case errors.As(err, &verrs):
		return h.renderRecord(w, r, p, id, verrs, http.StatusUnprocessableEntity)
	case errors.Is(err, ErrSubjectGone):
		errs := &i18n.Errors{}
		errs.Add("duty_id", "followups.err_duty_ended")
		return h.renderRecord(w, r, p, id, errs, http.StatusConflict)
	case err != nil:
		return err
	}
	// A second sending of the same form (again) made nothing new: the
	// worker sees the same answer.
	return h.srv.Redirect(w, r, "/followups", i18n.T("followups.recorded"))
}

// photo serves a record's photo to those who may see the record. Its type
// was recognised from its bytes on upload: never HTML or script.
func (h *handlers) photo(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	seq, err := strconv.Atoi(r.PathValue("seq"))
	if err != nil || seq <= 0 {
		return auth.ErrNotFound
	}
	ct, data, err := h.s.RecordPhoto(r.Context(), p, id, seq)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, err = w.Write(data)
	return err
}

// ---- rules ----

type ruleRow struct {
	*Rule
	MayEdit bool
}

type rulesData struct {
	Rules  []ruleRow
	CanNew bool
}

func (h *handlers) rulesPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	rules, err := h.s.ListRules(ctx, p)
	if err != nil {
		return err
	}
	d := rulesData{CanNew: p.Can(PermRules)}
	for _, ru := range rules {
		d.Rules = append(d.Rules, ruleRow{ru, h.s.MayKeep(ctx, p, ru.OrgID)})
	}
	return h.srv.Render(w, r, "followups/rules.html", web.View{Title: i18n.T("followups.rules_title"), ActiveNav: "/followups", Data: d})
}

type ruleFormData struct {
	Rule     *Rule // the rule edited; nil for a new one
	Orgs     []*org.Unit
	Tags     []TagChoice
	Parents  []*Rule // street rules a community rule may tighten
	Kinds    []string
	Subjects []string
	Units    []string
	Assigns  []string
	Lines    []string
}

// keptUnits are the streets and communities whose rules p may keep.
func (h *handlers) keptUnits(ctx context.Context, p *auth.Principal) ([]*org.Unit, error) {
	var out []*org.Unit
	for _, lvl := range []org.Level{org.Street, org.Community} {
		units, err := h.s.Org.InScope(ctx, p, lvl)
		if err != nil {
			return nil, err
		}
		for _, u := range units {
			if h.s.MayKeep(ctx, p, u.ID) {
				out = append(out, u)
			}
		}
	}
	return out, nil
}

func (h *handlers) renderRule(w http.ResponseWriter, r *http.Request, p *auth.Principal, cur *Rule, form url.Values, errs *i18n.Errors) error {
	ctx := r.Context()
	d := ruleFormData{Rule: cur, Kinds: Kinds, Subjects: SubjectKinds, Units: Units, Assigns: Assigns, Lines: auth.Lines}
	var err error
	if cur == nil {
		if d.Orgs, err = h.keptUnits(ctx, p); err != nil {
			return err
		}
		rules, err := h.s.ListRules(ctx, p)
		if err != nil {
			return err
		}
		for _, ru := range rules {
			if u, ok := h.s.Org.Lookup(ctx, ru.OrgID); ok && u.Level == org.Street && ru.ParentID == 0 && ru.Active {
				d.Parents = append(d.Parents, ru)
			}
		}
		if h.s.TagChoices != nil {
			if d.Tags, err = h.s.TagChoices(ctx, p); err != nil {
				return err
			}
		}
	}
	title := i18n.T("followups.rule_new")
	if cur != nil {
		title = i18n.T("followups.rule_edit") + " · " + cur.Name
	}
	return h.srv.Render(w, r, "followups/rule_form.html", web.View{Title: title, ActiveNav: "/followups", Data: d, Form: form, Errors: errs})
}

// ruleValues are a rule's values as its form holds them.
func ruleValues(ru *Rule) url.Values {
	v := url.Values{}
	v.Set("org_id", itoa(ru.OrgID))
	v.Set("parent_id", itoa(ru.ParentID))
	v.Set("name", ru.Name)
	v.Set("kind", ru.Kind)
	v.Set("subject", ru.Subject)
	v.Set("tag_id", itoa(ru.TagID))
	v.Set("every", strconv.Itoa(ru.Every))
	v.Set("unit", ru.Unit)
	v.Set("first_year_every", strconv.Itoa(ru.FirstYearEvery))
	v.Set("assign", ru.Assign)
	v.Set("line", ru.Line)
	v.Set("escalate_after", strconv.Itoa(ru.EscalateAfter))
	ids := make([]string, len(ru.Users))
	for i, id := range ru.Users {
		ids[i] = itoa(id)
	}
	v.Set("users", strings.Join(ids, ","))
	subs := make([]string, len(ru.Subjects))
	for i, id := range ru.Subjects {
		subs[i] = itoa(id)
	}
	v.Set("subjects", strings.Join(subs, "\n"))
	if ru.Active {
		v.Set("active", "1")
	}
	v.Set("checklist", strings.Join(ru.Checklist, "\n"))
	return v
}

// ruleFromForm reads the rule form; numbers that are not numbers are the
// form's own problems, reported before the service is asked.
func ruleFromForm(r *http.Request) (Rule, *i18n.Errors) {
	errs := &i18n.Errors{}
	num := func(field, label string, dflt int) int {
		s := strings.TrimSpace(r.PostFormValue(field))
		if s == "" {
			return dflt
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			errs.Add(field, "err.number", "field", i18n.T(label))
		}
		return n
	}
	ids := func(field, label, seps string) []int64 {
		var out []int64
		for _, f := range strings.FieldsFunc(r.PostFormValue(field), func(c rune) bool { return strings.ContainsRune(seps, c) }) {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil || id <= 0 {
				errs.Add(field, "err.number", "field", i18n.T(label))
				return nil
			}
			out = append(out, id)
		}
		return out
	}
	ru := Rule{
		OrgID: int64(num("org_id", "followups.org", 0)), ParentID: int64(num("parent_id", "followups.parent", 0)),
		Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Subject: r.PostFormValue("subject"),
		TagID: int64(num("tag_id", "followups.tag", 0)), Every: num("every", "followups.every", 0), Unit: r.PostFormValue("unit"),
		FirstYearEvery: num("first_year_every", "followups.first_year_every", 0), Assign: r.PostFormValue("assign"),
		Line: r.PostFormValue("line"), EscalateAfter: num("escalate_after", "followups.escalate_after", 0),
		Active:   r.PostFormValue("active") == "1",
		Users:    ids("users", "followups.users", ", ，\n\r\t"),
		Subjects: ids("subjects", "followups.subjects", ", ，\n\r\t"),
	}
	ru.Checklist = ChecklistLines(r.PostFormValue("checklist"))
	return ru, errs
}

func (h *handlers) ruleNewPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	dflt := url.Values{"kind": {KindVisit}, "subject": {SubjectTag}, "every": {"1"}, "unit": {UnitMonth}, "first_year_every": {"0"},
		"assign": {AssignGridWorker}, "escalate_after": {"3"}}
	return h.renderRule(w, r, p, nil, dflt, nil)
}

func (h *handlers) ruleCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ru, errs := ruleFromForm(r)
	if ru.OrgID != 0 && !h.s.MayKeep(r.Context(), p, ru.OrgID) {
		// The form offers only the units p keeps: another was sent on purpose.
		return auth.ErrForbidden
	}
	if errs.Any() {
		return h.renderRule(w, r, p, nil, r.PostForm, errs)
	}
	_, err := h.s.CreateRule(r.Context(), p, ru)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderRule(w, r, p, nil, r.PostForm, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/followups/rules", i18n.T("followups.rule_saved"))
}

// keptRule reads a rule p may change: one p cannot keep (a street's rule, for
// a community's leader) is refused.
func (h *handlers) keptRule(ctx context.Context, p *auth.Principal, r *http.Request) (*Rule, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	cur, err := h.s.GetRule(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !h.s.MayKeep(ctx, p, cur.OrgID) {
		return nil, auth.ErrForbidden
	}
	return cur, nil
}

func (h *handlers) ruleEditPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	cur, err := h.keptRule(r.Context(), p, r)
	if err != nil {
		return err
	}
	return h.renderRule(w, r, p, cur, ruleValues(cur), nil)
}

func (h *handlers) ruleUpdate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	cur, err := h.keptRule(ctx, p, r)
	if err != nil {
		return err
	}
	ru, errs := ruleFromForm(r)
	if errs.Any() {
		return h.renderRule(w, r, p, cur, r.PostForm, errs)
	}
	err = h.s.UpdateRule(ctx, p, cur.ID, ru)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderRule(w, r, p, cur, r.PostForm, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/followups/rules", i18n.T("followups.rule_saved"))
}

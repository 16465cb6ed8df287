package cases

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/calendar"
	"linli/internal/i18n"
)

// A case type is data: its stages, the transitions between them and who may
// make each, the fields a transition asks for, its time limits and its
// categories. The four types of the issue ship as JSON in types/; the system
// administrator may change their categories and limits, or replace a whole
// definition (or add a type) with validated JSON kept in case_type_config.

//go:embed types/*.json
var typeFS embed.FS

// Levels a case is held at, from the bottom up (小事不出门、大事不出社区、疑难问题不出街道).
const (
	LevelGrid      = "grid"
	LevelCommunity = "community"
	LevelStreet    = "street"
)

var levelRank = map[string]int{LevelGrid: 1, LevelCommunity: 2, LevelStreet: 3}

var _ = i18n.Family("cases.level.", LevelGrid, LevelCommunity, LevelStreet)

// Stage kinds drive the my-work lists.
const (
	KindIntake = "intake" // 待受理
	KindWork   = "work"   // 待处置
	KindClosed = "closed" // finished
)

var _ = i18n.Family("cases.kind.", KindIntake, KindWork, KindClosed)

// Ratings of a return visit.
const (
	RatingSatisfied   = "satisfied"
	RatingBasic       = "basic"
	RatingUnsatisfied = "unsatisfied"
)

// Ratings in display order.
var Ratings = []string{RatingSatisfied, RatingBasic, RatingUnsatisfied}

var _ = i18n.Family("cases.rating.", Ratings...)

// Sources a case may come from.
var Sources = []string{"portal", "phone", "walk_in", "hotline", "letter", "open311", "patrol", "application", "referral", "inspection", "report"}

var _ = i18n.Family("cases.source.", Sources...)

// Document kinds kept with a case and printed for signature.
const (
	DocAgreement = "agreement" // 人民调解协议书
	DocNotice    = "notice"    // 隐患整改通知书
)

// TypeDef is one case type.
type TypeDef struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Prefix string `json:"prefix"`
	Order  int    `json:"order"`
	// Lines of work whose social workers handle this type (综治 for disputes);
	// empty means every social worker of the community.
	Lines []string `json:"lines"`
	// Reporters are the roles that may open a case of this type; "resident"
	// opens it from the portal.
	Reporters    []auth.Role    `json:"reporters"`
	InitialLevel string         `json:"initial_level"`
	Sources      []string       `json:"sources"`
	Respond      calendar.Limit `json:"respond"`
	Resolve      calendar.Limit `json:"resolve"`
	// RemindHours: working hours before the due time at which the holder is reminded.
	RemindHours int `json:"remind_hours"`
	// EscalateDays: working days a level gets after an escalation before the
	// case goes up again.
	EscalateDays int          `json:"escalate_days"`
	Open311      bool         `json:"open311,omitempty"`
	Parties      bool         `json:"parties,omitempty"`
	Documents    []string     `json:"documents,omitempty"`
	SuccessRate  string       `json:"success_rate,omitempty"` // "mediation" or "rectification"
	Categories   []Category   `json:"categories"`
	Stages       []Stage      `json:"stages"`
	Transitions  []Transition `json:"transitions"`
}

// Category is one of a type's categories, optionally with its own limits.
type Category struct {
	Code    string          `json:"code"`
	Name    string          `json:"name"`
	Respond *calendar.Limit `json:"respond,omitempty"`
	Resolve *calendar.Limit `json:"resolve,omitempty"`
}

// Stage is a step of the case's life.
type Stage struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Sessions bool   `json:"sessions,omitempty"` // mediation sessions are recorded here
}

// Transition moves a case from one of its From stages to To.
type Transition struct {
	Code  string      `json:"code"`
	Name  string      `json:"name"`
	From  []string    `json:"from"`
	To    string      `json:"to"`
	Roles []auth.Role `json:"roles,omitempty"`
	// Reporter: made by the case's own reporter from the portal (a resident's rating).
	Reporter bool `json:"reporter,omitempty"`
	// AssigneeOnly: once someone is assigned, only they (or a community or street
	// administrator, who dispatched it) may make it.
	AssigneeOnly  bool   `json:"assignee_only,omitempty"`
	Responds      bool   `json:"responds,omitempty"` // the first of these marks the response
	Assign        string `json:"assign,omitempty"`   // "", "required", "optional"
	ClearAssignee bool   `json:"clear_assignee,omitempty"`
	// Outcome sets whether the case was resolved: "resolved", "unresolved", or
	// "field" (the select field "outcome" says, "resolved" meaning yes).
	Outcome string `json:"outcome,omitempty"`
	Rating  bool   `json:"rating,omitempty"`
	// ReopenTo: with Rating, an unsatisfied rating whose giver asks for it sends
	// the case back to this stage instead of To.
	ReopenTo       string   `json:"reopen_to,omitempty"`
	RequiresRating []string `json:"requires_rating,omitempty"`
	Reopens        bool     `json:"reopens,omitempty"`
	// Document must exist before the transition ("agreement", "notice").
	Document        string  `json:"document,omitempty"`
	DueFromDocument string  `json:"due_from_document,omitempty"` // document field with the new due date
	DueFromField    string  `json:"due_from_field,omitempty"`    // date field with the new due date
	Fields          []Field `json:"fields,omitempty"`
	Note            string  `json:"note,omitempty"` // "", "optional", "required"
	Photos          bool    `json:"photos,omitempty"`
	Internal        bool    `json:"internal,omitempty"` // not shown to the resident
	Style           string  `json:"style,omitempty"`
}

// Field is an input a transition asks for.
type Field struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`
	Type     string   `json:"type"` // text, textarea, date, select
	Required bool     `json:"required,omitempty"`
	Options  []Option `json:"options,omitempty"`
}

// Option is a choice of a select field.
type Option struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// OptionName is the label of a choice (or the code when unknown).
func (f Field) OptionName(code string) string {
	for _, o := range f.Options {
		if o.Code == code {
			return o.Name
		}
	}
	return code
}

// Stage returns the stage with code.
func (t *TypeDef) Stage(code string) (Stage, bool) {
	for _, s := range t.Stages {
		if s.Code == code {
			return s, true
		}
	}
	return Stage{}, false
}

// StageName is the stage's label (or its code when unknown).
func (t *TypeDef) StageName(code string) string {
	if s, ok := t.Stage(code); ok {
		return s.Name
	}
	return code
}

// Category returns the category with code.
func (t *TypeDef) Category(code string) (Category, bool) {
	for _, c := range t.Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// CategoryName is the category's label.
func (t *TypeDef) CategoryName(code string) string {
	if c, ok := t.Category(code); ok {
		return c.Name
	}
	return code
}

// Transition returns the transition with code.
func (t *TypeDef) Transition(code string) (Transition, bool) {
	for _, tr := range t.Transitions {
		if tr.Code == code {
			return tr, true
		}
	}
	return Transition{}, false
}

// Limits returns the response and resolution limits for a category.
func (t *TypeDef) Limits(category string) (respond, resolve calendar.Limit) {
	respond, resolve = t.Respond, t.Resolve
	if c, ok := t.Category(category); ok {
		if c.Respond != nil && !c.Respond.IsZero() {
			respond = *c.Respond
		}
		if c.Resolve != nil && !c.Resolve.IsZero() {
			resolve = *c.Resolve
		}
	}
	return respond, resolve
}

// HasDocument reports whether the type keeps documents of kind.
func (t *TypeDef) HasDocument(kind string) bool {
	for _, d := range t.Documents {
		if d == kind {
			return true
		}
	}
	return false
}

// ReportedBy reports whether role r may open a case of this type.
func (t *TypeDef) ReportedBy(r auth.Role) bool {
	for _, x := range t.Reporters {
		if x == r {
			return true
		}
	}
	return false
}

// Closed reports whether stage code is a closing stage.
func (t *TypeDef) Closed(code string) bool {
	s, ok := t.Stage(code)
	return ok && s.Kind == KindClosed
}

// SourceOK reports whether src is one of the type's sources.
func (t *TypeDef) SourceOK(src string) bool {
	for _, s := range t.Sources {
		if s == src {
			return true
		}
	}
	return false
}

var (
	codeRe   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,30}$`)
	prefixRe = regexp.MustCompile(`^[A-Z]{1,4}$`)
)

// validate checks a definition for internal consistency; the messages name the
// offending part so that an administrator editing JSON can fix it.
func (t *TypeDef) validate() error {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if !codeRe.MatchString(t.Code) {
		bad("code %q", t.Code)
	}
	if strings.TrimSpace(t.Name) == "" {
		bad("name")
	}
	if !prefixRe.MatchString(t.Prefix) {
		bad("prefix %q (1–4 capital letters)", t.Prefix)
	}
	for _, l := range t.Lines {
		if !auth.ValidLine(l) {
			bad("line %q", l)
		}
	}
	if len(t.Reporters) == 0 {
		bad("reporters")
	}
	for _, r := range t.Reporters {
		if !r.Valid() || r.IsAdmin() {
			bad("reporter role %q", r)
		}
	}
	if levelRank[t.InitialLevel] == 0 {
		bad("initial_level %q", t.InitialLevel)
	}
	if len(t.Sources) == 0 {
		bad("sources")
	}
	for _, s := range t.Sources {
		if !contains(Sources, s) {
			bad("source %q", s)
		}
	}
	if t.Resolve.IsZero() {
		bad("resolve limit")
	}
	if t.Respond.IsZero() {
		bad("respond limit")
	}
	if t.RemindHours < 0 || t.RemindHours > 200 || t.EscalateDays < 1 || t.EscalateDays > 60 {
		bad("remind_hours / escalate_days")
	}
	for _, d := range t.Documents {
		if d != DocAgreement && d != DocNotice {
			bad("document %q", d)
		}
	}
	if t.SuccessRate != "" && t.SuccessRate != "mediation" && t.SuccessRate != "rectification" {
		bad("success_rate %q", t.SuccessRate)
	}
	if len(t.Categories) == 0 {
		bad("categories")
	}
	seen := map[string]bool{}
	for _, c := range t.Categories {
		if !codeRe.MatchString(c.Code) || seen["c:"+c.Code] || strings.TrimSpace(c.Name) == "" {
			bad("category %q", c.Code)
		}
		seen["c:"+c.Code] = true
	}
	if len(t.Stages) < 2 {
		bad("stages")
	}
	closed := 0
	for i, s := range t.Stages {
		if !codeRe.MatchString(s.Code) || seen["s:"+s.Code] || strings.TrimSpace(s.Name) == "" {
			bad("stage %q", s.Code)
		}
		if s.Kind != KindIntake && s.Kind != KindWork && s.Kind != KindClosed {
			bad("stage %q kind %q", s.Code, s.Kind)
		}
		if i == 0 && s.Kind == KindClosed {
			bad("the first stage %q is where cases start and cannot be closed", s.Code)
		}
		if s.Kind == KindClosed {
			closed++
		}
		seen["s:"+s.Code] = true
	}
	if closed == 0 {
		bad("no closing stage")
	}
	for _, tr := range t.Transitions {
		if !codeRe.MatchString(tr.Code) || seen["t:"+tr.Code] || strings.TrimSpace(tr.Name) == "" {
			bad("transition %q", tr.Code)
		}
		seen["t:"+tr.Code] = true
		if len(tr.From) == 0 {
			bad("transition %q: from", tr.Code)
		}
		for _, f := range tr.From {
			if !seen["s:"+f] {
				bad("transition %q: from stage %q", tr.Code, f)
			}
		}
		if !seen["s:"+tr.To] {
			bad("transition %q: to stage %q", tr.Code, tr.To)
		}
		if tr.Reporter == (len(tr.Roles) > 0) {
			bad("transition %q: either roles or reporter", tr.Code)
		}
		for _, r := range tr.Roles {
			if !r.Valid() || r.IsAdmin() || r == auth.RoleResident || r == auth.RoleVolunteer {
				bad("transition %q: role %q", tr.Code, r)
			}
		}
		if tr.Assign != "" && tr.Assign != "required" && tr.Assign != "optional" {
			bad("transition %q: assign %q", tr.Code, tr.Assign)
		}
		switch tr.Outcome {
		case "", "resolved", "unresolved":
		case "field":
			ok := false
			for _, f := range tr.Fields {
				ok = ok || (f.Key == "outcome" && f.Type == "select")
			}
			if !ok {
				bad("transition %q: outcome field missing", tr.Code)
			}
		default:
			bad("transition %q: outcome %q", tr.Code, tr.Outcome)
		}
		if tr.ReopenTo != "" && (!tr.Rating || !seen["s:"+tr.ReopenTo]) {
			bad("transition %q: reopen_to %q", tr.Code, tr.ReopenTo)
		}
		for _, r := range tr.RequiresRating {
			if !contains(Ratings, r) {
				bad("transition %q: rating %q", tr.Code, r)
			}
		}
		if tr.Document != "" && !t.HasDocument(tr.Document) {
			bad("transition %q: document %q not kept by the type", tr.Code, tr.Document)
		}
		if tr.DueFromDocument != "" && tr.Document == "" {
			bad("transition %q: due_from_document without document", tr.Code)
		}
		if tr.Note != "" && tr.Note != "optional" && tr.Note != "required" {
			bad("transition %q: note %q", tr.Code, tr.Note)
		}
		keys := map[string]bool{}
		for _, f := range tr.Fields {
			if !codeRe.MatchString(f.Key) || keys[f.Key] || strings.TrimSpace(f.Label) == "" {
				bad("transition %q: field %q", tr.Code, f.Key)
			}
			keys[f.Key] = true
			switch f.Type {
			case "text", "textarea", "date":
			case "select":
				if len(f.Options) == 0 {
					bad("transition %q: field %q has no options", tr.Code, f.Key)
				}
			default:
				bad("transition %q: field %q type %q", tr.Code, f.Key, f.Type)
			}
		}
		if tr.DueFromField != "" && !keys[tr.DueFromField] {
			bad("transition %q: due_from_field %q", tr.Code, tr.DueFromField)
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("%s", strings.Join(probs, "; "))
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// builtinTypes are the definitions shipped with Linli.
func builtinTypes() (map[string]*TypeDef, error) {
	out := map[string]*TypeDef{}
	names, err := fs.Glob(typeFS, "types/*.json")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		raw, err := fs.ReadFile(typeFS, n)
		if err != nil {
			return nil, err
		}
		t, err := parseType(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out[t.Code] = t
	}
	return out, nil
}

func parseType(raw []byte) (*TypeDef, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	t := &TypeDef{}
	if err := dec.Decode(t); err != nil {
		return nil, err
	}
	if err := t.validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// typeSnapshotTTL: other instances see an administrator's change within this.
const typeSnapshotTTL = 5 * time.Second

type typeSnapshot struct {
	loaded time.Time
	byCode map[string]*TypeDef
	list   []*TypeDef
}

// Types returns every case type in display order.
func (s *Service) Types(ctx context.Context) ([]*TypeDef, error) {
	sn, err := s.typeSnap(ctx)
	if err != nil {
		return nil, err
	}
	return sn.list, nil
}

// Type returns one case type.
func (s *Service) Type(ctx context.Context, code string) (*TypeDef, bool) {
	sn, err := s.typeSnap(ctx)
	if err != nil {
		return nil, false
	}
	t, ok := sn.byCode[code]
	return t, ok
}

func (s *Service) typeSnap(ctx context.Context) (*typeSnapshot, error) {
	s.typeMu.Lock()
	defer s.typeMu.Unlock()
	if s.types != nil && time.Since(s.types.loaded) < typeSnapshotTTL {
		return s.types, nil
	}
	byCode, err := builtinTypes()
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT code, config FROM case_type_config`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var code, cfg string
		if err := rows.Scan(&code, &cfg); err != nil {
			return nil, err
		}
		t, err := parseType([]byte(cfg))
		if err != nil || t.Code != code {
			// A stored definition that no longer validates (after an upgrade that
			// tightened the rules) must not take the module down: the built-in
			// definition stays in force and the administrator's page says so.
			s.logWarn("case type config ignored", "code", code, "err", fmt.Sprint(err))
			continue
		}
		byCode[code] = t
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sn := &typeSnapshot{loaded: time.Now(), byCode: byCode}
	for _, t := range byCode {
		sn.list = append(sn.list, t)
	}
	sort.Slice(sn.list, func(i, j int) bool {
		if sn.list[i].Order != sn.list[j].Order {
			return sn.list[i].Order < sn.list[j].Order
		}
		return sn.list[i].Code < sn.list[j].Code
	})
	s.types = sn
	return sn, nil
}

// invalidateTypes drops the cached definitions (after an edit, and in tests).
func (s *Service) invalidateTypes() {
	s.typeMu.Lock()
	s.types = nil
	s.typeMu.Unlock()
}

// typeError turns a definition problem into a message on the form.
func typeError(field string, err error) *i18n.Errors {
	e := &i18n.Errors{}
	e.Add(field, "cases.type_invalid", "reason", err.Error())
	return e
}

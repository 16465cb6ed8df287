package cases

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
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
// The keys of validate's reasons (cases.typedef.*).
var _ = i18n.Family("cases.typedef.", "code", "name", "prefix", "line", "reporters", "reporter", "initial_level", "sources", "source", "resolve", "respond", "remind", "document", "success_rate", "categories", "category", "stages", "stage", "stage_kind", "first_stage", "no_closing", "transition", "tr_from", "tr_from_stage", "tr_to_stage", "tr_roles", "tr_role", "tr_assign", "tr_outcome_field", "tr_outcome", "tr_reopen", "tr_rating", "tr_document", "tr_due_doc", "tr_note", "tr_field", "tr_field_options", "tr_field_type", "tr_due_field")

func (t *TypeDef) validate() error {
	var probs []string
	// The reasons are read by an administrator saving a definition: Chinese,
	// naming the part of the JSON (its key) that is wrong.
	bad := func(key string, kv ...any) { probs = append(probs, i18n.T("cases.typedef."+key, kv...)) }
	if !codeRe.MatchString(t.Code) {
		bad("code", "a", t.Code)
	}
	if strings.TrimSpace(t.Name) == "" {
		bad("name")
	}
	if !prefixRe.MatchString(t.Prefix) {
		bad("prefix", "a", t.Prefix)
	}
	for _, l := range t.Lines {
		if !auth.ValidLine(l) {
			bad("line", "a", l)
		}
	}
	if len(t.Reporters) == 0 {
		bad("reporters")
	}
	for _, r := range t.Reporters {
		if !r.Valid() || r.IsAdmin() {
			bad("reporter", "a", r)
		}
	}
	if levelRank[t.InitialLevel] == 0 {
		bad("initial_level", "a", t.InitialLevel)
	}
	if len(t.Sources) == 0 {
		bad("sources")
	}
	for _, s := range t.Sources {
		if !contains(Sources, s) {
			bad("source", "a", s)
		}
	}
	if t.Resolve.IsZero() {
		bad("resolve")
	}
	if t.Respond.IsZero() {
		bad("respond")
	}
	if t.RemindHours < 0 || t.RemindHours > 200 || t.EscalateDays < 1 || t.EscalateDays > 60 {
		bad("remind")
	}
	for _, d := range t.Documents {
		if d != DocAgreement && d != DocNotice {
			bad("document", "a", d)
		}
	}
	if t.SuccessRate != "" && t.SuccessRate != "mediation" && t.SuccessRate != "rectification" {
		bad("success_rate", "a", t.SuccessRate)
	}
	if len(t.Categories) == 0 {
		bad("categories")
	}
	seen := map[string]bool{}
	for _, c := range t.Categories {
		if !codeRe.MatchString(c.Code) || seen["c:"+c.Code] || strings.TrimSpace(c.Name) == "" {
			bad("category", "a", c.Code)
		}
		seen["c:"+c.Code] = true
	}
	if len(t.Stages) < 2 {
		bad("stages")
	}
	closed := 0
	for i, s := range t.Stages {
		if !codeRe.MatchString(s.Code) || seen["s:"+s.Code] || strings.TrimSpace(s.Name) == "" {
			bad("stage", "a", s.Code)
		}
		if s.Kind != KindIntake && s.Kind != KindWork && s.Kind != KindClosed {
			bad("stage_kind", "a", s.Code, "b", s.Kind)
		}
		if i == 0 && s.Kind == KindClosed {
			bad("first_stage", "a", s.Code)
		}
		if s.Kind == KindClosed {
			closed++
		}
		seen["s:"+s.Code] = true
	}
	if closed == 0 {
		bad("no_closing")
	}
	for _, tr := range t.Transitions {
		if !codeRe.MatchString(tr.Code) || seen["t:"+tr.Code] || strings.TrimSpace(tr.Name) == "" {
			bad("transition", "a", tr.Code)
		}
		seen["t:"+tr.Code] = true
		if len(tr.From) == 0 {
			bad("tr_from", "a", tr.Code)
		}
		for _, f := range tr.From {
			if !seen["s:"+f] {
				bad("tr_from_stage", "a", tr.Code, "b", f)
			}
		}
		if !seen["s:"+tr.To] {
			bad("tr_to_stage", "a", tr.Code, "b", tr.To)
		}
		if tr.Reporter == (len(tr.Roles) > 0) {
			bad("tr_roles", "a", tr.Code)
		}
		for _, r := range tr.Roles {
			if !r.Valid() || r.IsAdmin() || r == auth.RoleResident || r == auth.RoleVolunteer {
				bad("tr_role", "a", tr.Code, "b", r)
			}
		}
		if tr.Assign != "" && tr.Assign != "required" && tr.Assign != "optional" {
			bad("tr_assign", "a", tr.Code, "b", tr.Assign)
		}
		switch tr.Outcome {
		case "", "resolved", "unresolved":
		case "field":
			ok := false
			for _, f := range tr.Fields {
				ok = ok || (f.Key == "outcome" && f.Type == "select")
			}
			if !ok {
				bad("tr_outcome_field", "a", tr.Code)
			}
		default:
			bad("tr_outcome", "a", tr.Code, "b", tr.Outcome)
		}
		if tr.ReopenTo != "" && (!tr.Rating || !seen["s:"+tr.ReopenTo]) {
			bad("tr_reopen", "a", tr.Code, "b", tr.ReopenTo)
		}
		for _, r := range tr.RequiresRating {
			if !contains(Ratings, r) {
				bad("tr_rating", "a", tr.Code, "b", r)
			}
		}
		if tr.Document != "" && !t.HasDocument(tr.Document) {
			bad("tr_document", "a", tr.Code, "b", tr.Document)
		}
		if tr.DueFromDocument != "" && tr.Document == "" {
			bad("tr_due_doc", "a", tr.Code)
		}
		if tr.Note != "" && tr.Note != "optional" && tr.Note != "required" {
			bad("tr_note", "a", tr.Code, "b", tr.Note)
		}
		keys := map[string]bool{}
		for _, f := range tr.Fields {
			if !codeRe.MatchString(f.Key) || keys[f.Key] || strings.TrimSpace(f.Label) == "" {
				bad("tr_field", "a", tr.Code, "b", f.Key)
			}
			keys[f.Key] = true
			switch f.Type {
			case "text", "textarea", "date":
			case "select":
				if len(f.Options) == 0 {
					bad("tr_field_options", "a", tr.Code, "b", f.Key)
				}
			default:
				bad("tr_field_type", "a", tr.Code, "b", f.Key, "c", f.Type)
			}
		}
		if tr.DueFromField != "" && !keys[tr.DueFromField] {
			bad("tr_due_field", "a", tr.Code, "b", tr.DueFromField)
		}
	}
	if len(probs) > 0 {
		return errors.New(strings.Join(probs, "；"))
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
		return nil, jsonError(raw, err)
	}
	if err := t.validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// jsonError says in Chinese where a definition is not the JSON a type is
// written in: the line and column of a syntax error, the key of a wrong value
// or of an unknown key.
func jsonError(raw []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := lineCol(raw, syn.Offset)
		return errors.New(i18n.T("cases.typedef.json_syntax", "line", line, "col", col))
	case errors.As(err, &typ):
		return errors.New(i18n.T("cases.typedef.json_type", "key", typ.Field, "want", i18n.T("cases.typedef.json_kind."+jsonKind(typ.Type.Kind()))))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New(i18n.T("cases.typedef.json_empty"))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errors.New(i18n.T("cases.typedef.json_unknown", "key", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)))
	}
	return errors.New(i18n.T("cases.typedef.json_other"))
}

// jsonKind names the JSON shape a Go kind is written as.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "bool"
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return "number"
}

var _ = i18n.Family("cases.typedef.json_kind.", "text", "bool", "list", "object", "number")

// lineCol turns a byte offset into a 1-based line and column (in characters).
func lineCol(raw []byte, off int64) (line, col int) {
	if off > int64(len(raw)) {
		off = int64(len(raw))
	}
	before := string(raw[:off])
	line = strings.Count(before, "\n") + 1
	col = len([]rune(before[strings.LastIndex(before, "\n")+1:]))
	return line, col
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

package activities

import (
	"context"
	"database/sql"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/org"
)

// A street's topic and format lists (活动主题、活动形式). The built-in codes
// (Topics, Formats) with the catalogue's labels are the lists of a street
// that has edited nothing, so reading them never writes. A street may rename
// a built-in, add terms of its own, reorder and retire them; a retired term
// is offered for no new activity nor import, and activities that have it
// keep showing its label. Terms are never deleted, so a code is never reused.

// Term kinds.
const (
	KindTopic  = "topic"
	KindFormat = "format"
)

// TermKinds lists the kinds in display order.
var TermKinds = []string{KindTopic, KindFormat}

// termOther is the fallback of both lists (an empty choice, an import's
// unknown name): it cannot be retired.
const termOther = "other"

const maxTermLabel = 20

var (
	_ = audit.Actions("activities.action.", "activities.term_add", "activities.term_rename", "activities.term_move", "activities.term_retire",
		"activities.term_restore")
	_ = audit.Objects("activities.object.", "activity_term")
)

// Term is one entry of a street's topic or format list.
type Term struct {
	ID       int64 // its row (0: a built-in the street has not changed)
	Kind     string
	Code     string
	Label    string
	Position int
	Retired  bool
	BuiltIn  bool
}

// Terms are a street's two lists in order, retired terms included.
type Terms struct {
	StreetID        int64
	Topics, Formats []*Term
}

// Of is the list of kind.
func (t *Terms) Of(kind string) []*Term {
	if kind == KindFormat {
		return t.Formats
	}
	return t.Topics
}

// Active is the list of kind without its retired terms.
func (t *Terms) Active(kind string) []*Term {
	var out []*Term
	for _, x := range t.Of(kind) {
		if !x.Retired {
			out = append(out, x)
		}
	}
	return out
}

// Find is the term of kind with code (nil: none).
func (t *Terms) Find(kind, code string) *Term {
	for _, x := range t.Of(kind) {
		if x.Code == code {
			return x
		}
	}
	return nil
}

// Label is code's label in the list of kind; a code the list lacks shows
// its catalogue label if it is a built-in one, else the code itself.
func (t *Terms) Label(kind, code string) string {
	if t != nil {
		if x := t.Find(kind, code); x != nil {
			return x.Label
		}
	}
	return builtinLabel(kind, code)
}

func builtins(kind string) []string {
	if kind == KindFormat {
		return Formats
	}
	return Topics
}

func builtinLabel(kind, code string) string {
	if !slices.Contains(builtins(kind), code) {
		return code
	}
	if kind == KindFormat {
		return i18n.T("activities.format." + code)
	}
	return i18n.T("activities.topic." + code)
}

// defaultTerms are the lists of a street that has edited nothing.
func defaultTerms(street int64) *Terms {
	t := &Terms{StreetID: street}
	for _, kind := range TermKinds {
		var list []*Term
		for i, c := range builtins(kind) {
			list = append(list, &Term{Kind: kind, Code: c, Label: builtinLabel(kind, c), Position: i, BuiltIn: true})
		}
		if kind == KindTopic {
			t.Topics = list
		} else {
			t.Formats = list
		}
	}
	return t
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// loadTerms reads the lists of streets with one query (street 0, an org
// unit under no street, has the default lists).
func loadTerms(ctx context.Context, q querier, d db.Dialect, streets []int64) (map[int64]*Terms, error) {
	out := map[int64]*Terms{}
	var ids []int64
	for _, s := range streets {
		if _, ok := out[s]; !ok {
			out[s] = defaultTerms(s)
			if s != 0 {
				ids = append(ids, s)
			}
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := d.IDSet("community_id", ids)
	rows, err := q.QueryContext(ctx, `SELECT id, community_id, kind, code, label, position, retired FROM activity_term WHERE `+in, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		x := &Term{}
		var street int64
		if err := rows.Scan(&x.ID, &street, &x.Kind, &x.Code, &x.Label, &x.Position, &x.Retired); err != nil {
			return nil, err
		}
		t := out[street]
		if t == nil || (x.Kind != KindTopic && x.Kind != KindFormat) {
			continue
		}
		if b := t.Find(x.Kind, x.Code); b != nil && b.BuiltIn {
			b.ID, b.Position, b.Retired = x.ID, x.Position, x.Retired
			if x.Label != "" {
				b.Label = x.Label
			}
			continue
		}
		if x.Kind == KindTopic {
			t.Topics = append(t.Topics, x)
		} else {
			t.Formats = append(t.Formats, x)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, t := range out {
		for _, list := range [][]*Term{t.Topics, t.Formats} {
			sort.SliceStable(list, func(i, j int) bool {
				a, b := list[i], list[j]
				if a.Position != b.Position {
					return a.Position < b.Position
				}
				if a.BuiltIn != b.BuiltIn {
					return a.BuiltIn
				}
				return a.ID < b.ID
			})
		}
	}
	return out, nil
}

// streetOf is the street an org unit belongs to (itself for a street; 0
// for none).
func (s *Service) streetOf(ctx context.Context, orgID int64) int64 {
	u, ok := s.Org.Lookup(ctx, orgID)
	if !ok {
		return 0
	}
	if st := s.Org.StreetOf(ctx, u); st != nil {
		return st.ID
	}
	return 0
}

// termsOfUnits reads the lists of the streets of org units, keyed by unit.
func (s *Service) termsOfUnits(ctx context.Context, units []int64) (map[int64]*Terms, error) {
	street := map[int64]int64{}
	var streets []int64
	for _, u := range units {
		if _, ok := street[u]; !ok {
			street[u] = s.streetOf(ctx, u)
			streets = append(streets, street[u])
		}
	}
	byStreet, err := loadTerms(ctx, s.DB, s.DB.Dialect(), streets)
	if err != nil {
		return nil, err
	}
	out := map[int64]*Terms{}
	for u, st := range street {
		out[u] = byStreet[st]
	}
	return out, nil
}

// termsOf is the lists of org unit orgID's street.
func (s *Service) termsOf(ctx context.Context, orgID int64) (*Terms, error) {
	m, err := s.termsOfUnits(ctx, []int64{orgID})
	if err != nil {
		return nil, err
	}
	return m[orgID], nil
}

// label gives activities their topic and format labels from their streets'
// lists, read once for all of them.
func (s *Service) label(ctx context.Context, list []*Activity) error {
	if len(list) == 0 {
		return nil
	}
	var units []int64
	for _, a := range list {
		units = append(units, a.CommunityID)
	}
	terms, err := s.termsOfUnits(ctx, units)
	if err != nil {
		return err
	}
	for _, a := range list {
		t := terms[a.CommunityID]
		a.topicLabel, a.formatLabel = t.Label(KindTopic, a.Topic), t.Label(KindFormat, a.Format)
	}
	return nil
}

// Choices are the terms of kind of the streets of units merged by code (the
// first street's label for a code several share), in order: the options of
// a form or a filter that may span streets. Retired terms only with all, or
// the one that is keep (an edited activity's own).
func (s *Service) Choices(ctx context.Context, units []int64, kind, keep string, all bool) ([]*Term, error) {
	if len(units) == 0 {
		units = []int64{0}
	}
	terms, err := s.termsOfUnits(ctx, units)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []*Term
	for _, u := range units {
		for _, x := range terms[u].Of(kind) {
			if !seen[x.Code] && (all || !x.Retired || x.Code == keep) {
				seen[x.Code] = true
				out = append(out, x)
			}
		}
	}
	return out, nil
}

// TermStreets are the streets whose lists p may edit: those p holds.
func (s *Service) TermStreets(ctx context.Context, p *auth.Principal) ([]*org.Unit, error) {
	if !p.Can(PermManage) {
		return nil, nil
	}
	held, err := s.Org.HeldPartitions(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []*org.Unit
	for _, u := range held {
		if u.Level == org.Street {
			out = append(out, u)
		}
	}
	return out, nil
}

// StreetTerms are the lists of a street p may edit.
func (s *Service) StreetTerms(ctx context.Context, p *auth.Principal, street int64) (*Terms, error) {
	if err := s.holdsStreet(ctx, p, street); err != nil {
		return nil, err
	}
	return s.termsOf(ctx, street)
}

func (s *Service) holdsStreet(ctx context.Context, p *auth.Principal, street int64) error {
	if err := p.Require(PermManage); err != nil {
		return err
	}
	u, ok := s.Org.Lookup(ctx, street)
	if !ok || u.Level != org.Street {
		return auth.ErrNotFound
	}
	if !s.Org.HoldsPartition(ctx, p, street) {
		return auth.ErrForbidden
	}
	return nil
}

// TermChange is one change to a street's list: Op is add (Label), rename
// (Code, Label), up or down (Code), retire or restore (Code).
type TermChange struct {
	Street int64
	Kind   string
	Op     string
	Code   string
	Label  string
}

// TermOps are the changes of TermChange.
var TermOps = []string{"add", "rename", "up", "down", "retire", "restore"}

func kindLabel(kind string) string {
	if kind == KindFormat {
		return i18n.T("activities.format")
	}
	return i18n.T("activities.topic")
}

// ChangeTerm applies one change to a street's list p holds, with its audit
// entry; a label is required, at most 20 characters and not another term's
// of the same list. It returns the term's code (a new one for add).
func (s *Service) ChangeTerm(ctx context.Context, p *auth.Principal, c TermChange) (string, error) {
	if err := s.holdsStreet(ctx, p, c.Street); err != nil {
		return "", err
	}
	errs := &i18n.Errors{}
	if !slices.Contains(TermKinds, c.Kind) {
		errs.Add("kind", "err.choice", "field", i18n.T("activities.term_kind"))
		return "", errs
	}
	if !slices.Contains(TermOps, c.Op) {
		return "", auth.ErrNotFound
	}
	field := c.Kind + "_label"
	c.Label = strings.TrimSpace(c.Label)
	code := c.Code
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		all, err := loadTerms(ctx, tx, tx.Dialect(), []int64{c.Street})
		if err != nil {
			return err
		}
		list := all[c.Street].Of(c.Kind)
		i := slices.IndexFunc(list, func(x *Term) bool { return x.Code == c.Code })
		if c.Op != "add" && i < 0 {
			return auth.ErrNotFound
		}
		if c.Op == "add" || c.Op == "rename" {
			name := i18n.T("activities.term_label", "kind", kindLabel(c.Kind))
			if errs.Required(field, name, c.Label) {
				if utf8.RuneCountInString(c.Label) > maxTermLabel {
					errs.Add(field, "err.too_long", "field", name, "max", maxTermLabel)
				}
			}
			for _, x := range list {
				if x.Label == c.Label && x.Code != c.Code {
					errs.Add(field, "activities.err_term_duplicate", "field", kindLabel(c.Kind), "label", c.Label)
					break
				}
			}
			if errs.Any() {
				return errs
			}
		}
		now := s.now().UnixMilli()
		var t *Term
		switch c.Op {
		case "add":
			pos := 0
			for _, x := range list {
				pos = max(pos, x.Position+1)
			}
			t = &Term{Kind: c.Kind, Label: c.Label, Position: pos}
			// The code is the row's id: insert under a placeholder, then name it.
			if err := tx.QueryRowContext(ctx, `INSERT INTO activity_term (community_id, kind, code, label, position, retired, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.Street, c.Kind, "new-"+newToken(), t.Label, pos, false, now).Scan(&t.ID); err != nil {
				return err
			}
			t.Code = c.Kind[:1] + "-" + itoa(t.ID)
			if _, err := tx.ExecContext(ctx, `UPDATE activity_term SET code = ? WHERE community_id = ? AND id = ?`, t.Code, c.Street, t.ID); err != nil {
				return err
			}
			code = t.Code
		case "rename":
			t = list[i]
			t.Label = c.Label
			if err := saveTerm(ctx, tx, c.Street, t, now); err != nil {
				return err
			}
		case "up", "down":
			j := i - 1
			if c.Op == "down" {
				j = i + 1
			}
			if j < 0 || j >= len(list) {
				return nil
			}
			list[i], list[j] = list[j], list[i]
			// Positions become the order itself, so that built-ins the street
			// never touched keep their places among the moved ones.
			for k, x := range list {
				if x.Position != k || x.ID == 0 {
					x.Position = k
					if err := saveTerm(ctx, tx, c.Street, x, now); err != nil {
						return err
					}
				}
			}
			t = list[j]
		case "retire", "restore":
			t = list[i]
			if c.Op == "retire" && t.BuiltIn && t.Code == termOther {
				errs.Add(field, "activities.err_term_other", "field", kindLabel(c.Kind))
				return errs
			}
			t.Retired = c.Op == "retire"
			if err := saveTerm(ctx, tx, c.Street, t, now); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, termAction(c.Op), "activity_term", t.ID, c.Street, audit.Success).
			WithDetail(map[string]any{"name": t.Label, "code": t.Code, "kind": t.Kind}))
	})
	return code, err
}

// termAction is the audit action of a change op.
func termAction(op string) string {
	switch op {
	case "up", "down":
		return "activities.term_move"
	case "add":
		return "activities.term_add"
	case "rename":
		return "activities.term_rename"
	case "retire":
		return "activities.term_retire"
	}
	return "activities.term_restore"
}

// saveTerm writes a term's row, making one for a built-in the street had
// not changed (its id set); a built-in's catalogue label is stored as ”.
func saveTerm(ctx context.Context, tx *db.Tx, street int64, t *Term, now int64) error {
	label := t.Label
	if t.BuiltIn && label == builtinLabel(t.Kind, t.Code) {
		label = ""
	}
	if t.ID == 0 {
		// Two first edits at once meet here: the second finds the row.
		if _, err := tx.ExecContext(ctx, `INSERT INTO activity_term (community_id, kind, code, label, position, retired, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (community_id, kind, code) DO NOTHING`, street, t.Kind, t.Code, label, t.Position, t.Retired, now); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT id FROM activity_term WHERE community_id = ? AND kind = ? AND code = ?`, street, t.Kind, t.Code).Scan(&t.ID); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE activity_term SET label = ?, position = ?, retired = ?, updated_at = ? WHERE community_id = ? AND id = ?`,
		label, t.Position, t.Retired, now, street, t.ID)
	return err
}

// checkTerms checks an activity's topic and format against the lists of
// org unit orgID's street: active terms, or on an edit the codes it has
// (keepTopic, keepFormat) even if retired since.
func (s *Service) checkTerms(ctx context.Context, in *Input, orgID int64, keepTopic, keepFormat string, errs *i18n.Errors) error {
	t, err := s.termsOf(ctx, orgID)
	if err != nil {
		return err
	}
	ok := func(kind, code, keep string) bool {
		x := t.Find(kind, code)
		return x != nil && (!x.Retired || code == keep)
	}
	if !ok(KindTopic, in.Topic, keepTopic) {
		errs.Add("topic", "err.choice", "field", i18n.T("activities.topic"))
	}
	if !ok(KindFormat, in.Format, keepFormat) {
		errs.Add("format", "err.choice", "field", i18n.T("activities.format"))
	}
	return nil
}

type termKey struct {
	unit       int64
	kind, code string
}

// TermCount is how many activities had a topic or format, by its label.
type TermCount struct {
	Label string
	N     int
}

// termCounts sums counts by (org unit, kind, code) by the labels of the
// units' streets: the terms of the streets of units and of the counted
// units, in list order, active ones even when none had them.
func (s *Service) termCounts(ctx context.Context, units []int64, counts map[termKey]int) (topics, formats []TermCount, err error) {
	for k := range counts {
		units = append(units, k.unit)
	}
	if len(units) == 0 {
		units = []int64{0} // the default lists
	}
	slices.Sort(units)
	units = slices.Compact(units)
	terms, err := s.termsOfUnits(ctx, units)
	if err != nil {
		return nil, nil, err
	}
	for _, kind := range TermKinds {
		byLabel := map[string]int{}
		for k, n := range counts {
			if k.kind == kind {
				byLabel[terms[k.unit].Label(kind, k.code)] += n
			}
		}
		var out []TermCount
		seen := map[string]bool{}
		add := func(label string) {
			if !seen[label] {
				seen[label] = true
				out = append(out, TermCount{Label: label, N: byLabel[label]})
			}
		}
		streets := map[*Terms]bool{}
		for _, u := range units {
			t := terms[u]
			if streets[t] {
				continue
			}
			streets[t] = true
			for _, x := range t.Of(kind) {
				if !x.Retired || byLabel[x.Label] > 0 {
					add(x.Label)
				}
			}
		}
		var rest []string
		for l := range byLabel {
			if !seen[l] {
				rest = append(rest, l)
			}
		}
		slices.Sort(rest)
		for _, l := range rest {
			add(l)
		}
		if kind == KindTopic {
			topics = out
		} else {
			formats = out
		}
	}
	return topics, formats, nil
}

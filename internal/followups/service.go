package followups

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/calendar"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
)

// Registry is what follow-ups need of the resident registry and the places
// (adapters in internal/app/links.go): who is a subject, where they are now.
type Registry interface {
	// TaggedPeople lists the community's active people carrying the tag, with
	// the day they were given it.
	TaggedPeople(ctx context.Context, communityID, tagID int64) ([]Subject, error)
	// People lists those of ids that are active people of the community.
	People(ctx context.Context, communityID int64, ids []int64) ([]Subject, error)
	// Buildings lists those of ids that are buildings of the community.
	Buildings(ctx context.Context, communityID int64, ids []int64) ([]Subject, error)
	// Tag names a tag and says who may see that people carry it.
	Tag(ctx context.Context, tagID int64) (Tag, bool)
	// PersonByIDNumber finds the active person of the community holding a
	// citizen ID number (normalised by identity.ParseID), as the registry's
	// search by a whole ID number does.
	PersonByIDNumber(ctx context.Context, communityID int64, idNumber string) (Subject, bool, error)
	// PeopleNamed lists the community's active people of exactly that name.
	PeopleNamed(ctx context.Context, communityID int64, name string) ([]Subject, error)
}

// Subject is a person, building or grid a duty is about, as it is now.
type Subject struct {
	Kind        string
	ID          int64
	Name        string
	GridID      int64
	HouseholdID int64
	Since       string // a tag's since; "" for others
}

// Tag is a registry tag as far as follow-ups need it.
type Tag struct {
	ID   int64
	Name string
	// VisibleTo: whether p may see that people carry it (sensitive groups:
	// their roles and lines of work only).
	VisibleTo func(p *auth.Principal) bool
}

// Service keeps duty rules, duties and records.
type Service struct {
	DB       *db.DB
	Audit    *audit.Log
	Org      *org.Service
	Calendar *calendar.Service
	Registry Registry
	Log      *slog.Logger
	// Now is the clock (tests fix it); nil is time.Now.
	Now func() time.Time
	// SyncEvery is how often the worker brings every community's duties in
	// step with the registry (tags given and ended, moves); 0 is 10 minutes.
	SyncEvery time.Duration
	// TagChoices lists the registry tags p may see, for the rule form's
	// choice of a group (app.go fills it from the registry); nil offers none.
	TagChoices TagChoicesFunc
	// Cases opens cases from a record's findings (app.go wires the case
	// engine); nil offers none.
	Cases Cases

	syncMu sync.Mutex // one sync of a community at a time in this process

	rulesMu   sync.Mutex
	rules     []*Rule // allRules, kept rulesTTL
	rulesAt   time.Time
	rulesGen  int        // bumped by rulesChanged: a load begun before is not kept
	rulesLoad *rulesLoad // the read of the rules under way, or nil
}

// rulesLoad is one read of the rules that every caller needing it shares.
type rulesLoad struct {
	gen   int
	done  chan struct{}
	rules []*Rule
	err   error
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) today() string { return s.now().In(locale.Zone).Format(day) }

// ---- rules ----

const ruleCols = `r.id, r.org_id, COALESCE(r.parent_id, 0), r.name, r.kind, r.subject, COALESCE(r.tag_id, 0), r.every_n, r.unit,
	r.first_year_every, r.assign, r.line, r.users, r.escalate_after, r.active, r.created_at, r.updated_at, r.checklist`

func scanRule(sc interface{ Scan(...any) error }) (*Rule, error) {
	r := &Rule{}
	var users, checklist string
	err := sc.Scan(&r.ID, &r.OrgID, &r.ParentID, &r.Name, &r.Kind, &r.Subject, &r.TagID, &r.Every, &r.Unit,
		&r.FirstYearEvery, &r.Assign, &r.Line, &users, &r.EscalateAfter, &r.Active, &r.CreatedAt, &r.UpdatedAt, &checklist)
	r.Users = parseIDs(users)
	r.Checklist = parseChecklist(checklist)
	return r, err
}

func parseIDs(s string) []int64 {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		if id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// rulesTTL: how long this server keeps the rules it read. Its own rule writes
// forget them at once; another server's are seen within rulesTTL.
const rulesTTL = 5 * time.Second

// allRules returns every rule (a small reference table), kept briefly: every
// due list and record asks which rules the user may see. The rules are the
// caller's own copies.
func (s *Service) allRules(ctx context.Context) ([]*Rule, error) {
	// One read at a time: when the kept rules lapse under load, every list
	// at that moment would read them at once, each on a connection of its
	// own, and open connections the pool then closes again (the due list's
	// slowest were those). While one read is under way the others keep
	// using the lapsed rules; only after this server's own rule write, when
	// none are kept, do they wait for the read.
	s.rulesMu.Lock()
	kept, at := s.rules, s.rulesAt
	if kept != nil && time.Since(at) < rulesTTL {
		s.rulesMu.Unlock()
		return copyRules(kept), nil
	}
	l := s.rulesLoad
	switch {
	case l == nil || l.gen != s.rulesGen:
		l = &rulesLoad{gen: s.rulesGen, done: make(chan struct{})}
		s.rulesLoad = l
		s.rulesMu.Unlock()
		// The read serves every waiter: it does not end with this caller.
		l.rules, l.err = s.readRules(context.WithoutCancel(ctx))
		s.rulesMu.Lock()
		if l.err == nil && l.gen == s.rulesGen {
			s.rules, s.rulesAt = l.rules, time.Now()
		}
		if s.rulesLoad == l {
			s.rulesLoad = nil
		}
		s.rulesMu.Unlock()
		close(l.done)
	case kept != nil:
		s.rulesMu.Unlock()
		return copyRules(kept), nil
	default:
		s.rulesMu.Unlock()
		select {
		case <-l.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if l.err != nil {
		return nil, l.err
	}
	return copyRules(l.rules), nil
}

// readRules reads every rule.
func (s *Service) readRules(ctx context.Context) ([]*Rule, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+ruleCols+` FROM fu_rule r ORDER BY r.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Rule{}
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// copyRules are the caller's own copies of kept rules.
func copyRules(kept []*Rule) []*Rule {
	out := make([]*Rule, len(kept))
	for i, r := range kept {
		c := *r
		out[i] = &c
	}
	return out
}

// rulesChanged forgets the kept rules (after this server wrote one).
func (s *Service) rulesChanged() {
	s.rulesMu.Lock()
	s.rules = nil
	s.rulesGen++
	s.rulesMu.Unlock()
}

// rulesFor are the active rules that apply in a community: its own and its
// street's (and above), a street rule replaced by the community's rule that
// tightens it.
func (s *Service) rulesFor(ctx context.Context, all []*Rule, communityID int64) []*Rule {
	comm, ok := s.Org.Lookup(ctx, communityID)
	if !ok {
		return nil
	}
	overridden := map[int64]bool{}
	for _, r := range all {
		if r.OrgID == communityID && r.ParentID != 0 {
			overridden[r.ParentID] = true
		}
	}
	var out []*Rule
	for _, r := range all {
		if !r.Active || overridden[r.ID] {
			continue
		}
		if r.OrgID == communityID || strings.Contains(comm.Path, "/"+strconv.FormatInt(r.OrgID, 10)+"/") {
			out = append(out, r)
		}
	}
	return out
}

// ruleVisible: whether p may see the duties and records of r at all (a rule
// about a sensitive group: only those who may see the group's tag).
func (s *Service) ruleVisible(ctx context.Context, p *auth.Principal, r *Rule) bool {
	if r.Subject != SubjectTag {
		return true
	}
	t, ok := s.Registry.Tag(ctx, r.TagID)
	return ok && t.VisibleTo(p)
}

// ruleOwn: whether r's duties in p's scope fall to p.
func ruleOwn(p *auth.Principal, r *Rule) bool {
	switch r.Assign {
	case AssignGridWorker:
		return p.Has(auth.RoleGridWorker)
	case AssignLine:
		return p.HasLine(r.Line)
	case AssignUsers:
		for _, id := range r.Users {
			if id == p.UserID {
				return true
			}
		}
	}
	return false
}

// ListRules lists the rules p sees: those of the units in p's scope and of the
// units above them (a community sees its street's rules).
func (s *Service) ListRules(ctx context.Context, p *auth.Principal) ([]*Rule, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	all, err := s.allRules(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Rule
	for _, r := range all {
		u, ok := s.Org.Lookup(ctx, r.OrgID)
		if !ok || !(p.Scope.SeesOrgPath(u.Path) || p.Scope.AllowsOrgPath(u.Path)) || !s.ruleVisible(ctx, p, r) {
			continue
		}
		s.describe(ctx, r)
		out = append(out, r)
	}
	return out, nil
}

func (s *Service) describe(ctx context.Context, r *Rule) {
	if u, ok := s.Org.Lookup(ctx, r.OrgID); ok {
		r.OrgName = u.Name
	}
	if r.TagID != 0 {
		if t, ok := s.Registry.Tag(ctx, r.TagID); ok {
			r.TagName = t.Name
		}
	}
}

// GetRule reads one rule p sees, with its named subjects in p's scope.
func (s *Service) GetRule(ctx context.Context, p *auth.Principal, id int64) (*Rule, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	r, err := scanRule(s.DB.QueryRowContext(ctx, `SELECT `+ruleCols+` FROM fu_rule r WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	u, ok := s.Org.Lookup(ctx, r.OrgID)
	if !ok || !(p.Scope.SeesOrgPath(u.Path) || p.Scope.AllowsOrgPath(u.Path)) || !s.ruleVisible(ctx, p, r) {
		return nil, auth.ErrNotFound
	}
	s.describe(ctx, r)
	if r.Subject == SubjectPerson || r.Subject == SubjectBuilding {
		sc, args := p.Scope.SQL(s.DB.Dialect(), "community_id", "")
		rows, err := s.DB.QueryContext(ctx, `SELECT subject_id FROM fu_rule_subject WHERE rule_id = ? AND `+sc+` ORDER BY subject_id`, append([]any{id}, args...)...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var sid int64
			if err := rows.Scan(&sid); err != nil {
				return nil, err
			}
			r.Subjects = append(r.Subjects, sid)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// MayKeep reports whether p may create or change rules of unit orgID (a
// street or community wholly in p's scope).
func (s *Service) MayKeep(ctx context.Context, p *auth.Principal, orgID int64) bool {
	u, ok := s.Org.Lookup(ctx, orgID)
	return ok && p.Can(PermRules) && (u.Level == org.Street || u.Level == org.Community) && p.Scope.AllowsOrgPath(u.Path)
}

func (s *Service) validateRule(ctx context.Context, p *auth.Principal, r *Rule, parent *Rule) *i18n.Errors {
	errs := &i18n.Errors{}
	r.Name = strings.TrimSpace(r.Name)
	errs.Required("name", i18n.T("followups.rule_name"), r.Name)
	errs.MaxLen("name", i18n.T("followups.rule_name"), r.Name, 100)
	if !oneOf(r.Kind, Kinds) {
		errs.Add("kind", "err.choice", "field", i18n.T("followups.kind"))
	}
	if !oneOf(r.Subject, SubjectKinds) {
		errs.Add("subject", "err.choice", "field", i18n.T("followups.subject"))
	}
	if r.Subject == SubjectTag {
		if _, ok := s.Registry.Tag(ctx, r.TagID); !ok {
			errs.Add("tag_id", "err.choice", "field", i18n.T("followups.tag"))
		}
	} else {
		r.TagID = 0
	}
	if !oneOf(r.Unit, Units) {
		errs.Add("unit", "err.choice", "field", i18n.T("followups.unit"))
	}
	if r.Every < 1 || r.Every > 366 {
		errs.Add("every", "followups.err_every")
	}
	if r.FirstYearEvery < 0 || r.FirstYearEvery > 366 || (r.FirstYearEvery > 0 && r.Subject != SubjectTag) {
		errs.Add("first_year_every", "followups.err_first_year")
	}
	if !oneOf(r.Assign, Assigns) {
		errs.Add("assign", "err.choice", "field", i18n.T("followups.assign"))
	}
	switch r.Assign {
	case AssignLine:
		if !auth.ValidLine(r.Line) {
			errs.Add("line", "err.choice", "field", i18n.T("followups.line"))
		}
	case AssignUsers:
		r.Line = ""
		if len(r.Users) == 0 {
			errs.Add("users", "followups.err_users")
		}
	default:
		r.Line = ""
	}
	if r.Assign != AssignUsers {
		r.Users = nil
	}
	if r.EscalateAfter < 0 || r.EscalateAfter > 90 {
		errs.Add("escalate_after", "followups.err_escalate")
	}
	checkChecklist(errs, r)
	if parent != nil {
		// A community tightens its street's rule, never loosens it.
		if r.Subject != parent.Subject || r.TagID != parent.TagID || r.Kind != parent.Kind {
			errs.Add("parent_id", "followups.err_parent_same")
		}
		if approxDays(r.Unit, r.Every) > approxDays(parent.Unit, parent.Every)+0.01 {
			errs.Add("every", "followups.err_looser", "rule", parent.Name)
		}
	}
	return errs
}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// CreateRule adds a rule of a street or community p keeps, with its named
// subjects (a person or building rule), and brings the duties of the
// communities it applies to in step.
func (s *Service) CreateRule(ctx context.Context, p *auth.Principal, r Rule) (int64, error) {
	if err := p.Require(PermRules); err != nil {
		return 0, err
	}
	if !s.MayKeep(ctx, p, r.OrgID) {
		errs := &i18n.Errors{}
		errs.Add("org_id", "followups.err_org")
		return 0, errs.Err()
	}
	var parent *Rule
	if r.ParentID != 0 {
		pr, err := s.GetRule(ctx, p, r.ParentID)
		if err != nil || pr.ParentID != 0 || pr.OrgID == r.OrgID {
			errs := &i18n.Errors{}
			errs.Add("parent_id", "followups.err_parent")
			return 0, errs.Err()
		}
		if u, _ := s.Org.Lookup(ctx, r.OrgID); u == nil || u.Level != org.Community {
			errs := &i18n.Errors{}
			errs.Add("parent_id", "followups.err_parent")
			return 0, errs.Err()
		}
		parent = pr
	}
	if errs := s.validateRule(ctx, p, &r, parent); errs.Any() {
		return 0, errs.Err()
	}
	subjects, err := s.namedSubjects(ctx, p, &r)
	if err != nil {
		return 0, err
	}
	now := db.Now()
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var parentID any
		if r.ParentID != 0 {
			parentID = r.ParentID
		}
		var tagID any
		if r.TagID != 0 {
			tagID = r.TagID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO fu_rule (org_id, parent_id, name, kind, subject, tag_id, every_n, unit, first_year_every, assign, line, users, escalate_after, active, created_by, created_at, updated_at, checklist)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?, ?) RETURNING id`,
			r.OrgID, parentID, r.Name, r.Kind, r.Subject, tagID, r.Every, r.Unit, r.FirstYearEvery, r.Assign, r.Line, joinIDs(r.Users), r.EscalateAfter,
			nullID(p.UserID), now, now, checklistJSON(r.Checklist)).Scan(&id); err != nil {
			return err
		}
		if err := writeSubjects(ctx, tx, id, subjects); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "followups.rule_create", "fu_rule", id, r.OrgID, audit.Success).
			WithDetail(map[string]any{"name": r.Name, "every": r.Every, "unit": r.Unit, "subjects": len(subjects)}))
	})
	s.rulesChanged()
	if err != nil {
		return 0, err
	}
	return id, s.syncUnder(ctx, r.OrgID)
}

// UpdateRule changes a rule p keeps (all but where it belongs and what it is
// about) and recomputes the due dates of its duties.
func (s *Service) UpdateRule(ctx context.Context, p *auth.Principal, id int64, in Rule) error {
	if err := p.Require(PermRules); err != nil {
		return err
	}
	cur, err := s.GetRule(ctx, p, id)
	if err != nil {
		return err
	}
	if !s.MayKeep(ctx, p, cur.OrgID) {
		return auth.ErrForbidden
	}
	in.ID, in.OrgID, in.ParentID, in.Subject, in.TagID = cur.ID, cur.OrgID, cur.ParentID, cur.Subject, cur.TagID
	if cur.ParentID != 0 {
		// The rule it tightens, whoever may see it now.
		in.Kind = cur.Kind
	}
	var parent *Rule
	if cur.ParentID != 0 {
		if parent, err = scanRule(s.DB.QueryRowContext(ctx, `SELECT `+ruleCols+` FROM fu_rule r WHERE r.id = ?`, cur.ParentID)); err != nil {
			return err
		}
	}
	if errs := s.validateRule(ctx, p, &in, parent); errs.Any() {
		return errs.Err()
	}
	subjects, err := s.namedSubjects(ctx, p, &in)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE fu_rule SET name = ?, kind = ?, every_n = ?, unit = ?, first_year_every = ?, assign = ?, line = ?, users = ?, escalate_after = ?, active = ?, updated_at = ?, checklist = ? WHERE id = ?`,
			in.Name, in.Kind, in.Every, in.Unit, in.FirstYearEvery, in.Assign, in.Line, joinIDs(in.Users), in.EscalateAfter, in.Active, db.Now(), checklistJSON(in.Checklist), id); err != nil {
			return err
		}
		if in.Subject == SubjectPerson || in.Subject == SubjectBuilding {
			// The named subjects p reaches are replaced; others' stay. One
			// community at a time: on Citus each is one shard, and a change
			// of several shards at once after the rule's own (a reference
			// table they refer to) is refused in one transaction.
			unit, _ := s.Org.Lookup(ctx, cur.OrgID)
			for _, c := range s.communitiesUnder(ctx, unit) {
				if !p.Scope.AllowsCommunity(c) {
					continue
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM fu_rule_subject WHERE community_id = ? AND rule_id = ?`, c, id); err != nil {
					return err
				}
			}
			if err := writeSubjects(ctx, tx, id, subjects); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "followups.rule_update", "fu_rule", id, cur.OrgID, audit.Success).
			WithDetail(map[string]any{"name": in.Name, "every": in.Every, "unit": in.Unit, "active": in.Active, "checklist": len(in.Checklist)}))
	})
	s.rulesChanged()
	if err != nil {
		return err
	}
	return s.syncUnder(ctx, cur.OrgID)
}

type namedSubject struct{ communityID, id int64 }

// namedSubjects checks the named people or buildings of a rule: each in p's
// scope and within the rule's unit.
func (s *Service) namedSubjects(ctx context.Context, p *auth.Principal, r *Rule) ([]namedSubject, error) {
	if r.Subject != SubjectPerson && r.Subject != SubjectBuilding {
		return nil, nil
	}
	unit, _ := s.Org.Lookup(ctx, r.OrgID)
	// One lookup per community of the unit for the ids not found yet, not
	// one per id and community.
	where := map[int64]int64{} // subject id → its community
	for _, c := range s.communitiesUnder(ctx, unit) {
		var rest []int64
		for _, id := range r.Subjects {
			if _, ok := where[id]; !ok {
				rest = append(rest, id)
			}
		}
		if len(rest) == 0 {
			break
		}
		if !p.Scope.AllowsCommunity(c) {
			continue
		}
		var list []Subject
		var err error
		if r.Subject == SubjectPerson {
			list, err = s.Registry.People(ctx, c, rest)
		} else {
			list, err = s.Registry.Buildings(ctx, c, rest)
		}
		if err != nil {
			return nil, err
		}
		for _, sb := range list {
			where[sb.ID] = c
		}
	}
	var out []namedSubject
	errs := &i18n.Errors{}
	for _, id := range r.Subjects {
		if c, ok := where[id]; ok {
			out = append(out, namedSubject{c, id})
		} else {
			errs.Add("subjects", "followups.err_subject", "id", id)
		}
	}
	if len(out) == 0 && !errs.Any() {
		errs.Add("subjects", "followups.err_no_subjects")
	}
	return out, errs.Err()
}

func writeSubjects(ctx context.Context, tx *db.Tx, ruleID int64, subjects []namedSubject) error {
	now := db.Now()
	for _, sb := range subjects {
		if _, err := tx.ExecContext(ctx, `INSERT INTO fu_rule_subject (community_id, rule_id, subject_id, created_at) VALUES (?, ?, ?, ?)`, sb.communityID, ruleID, sb.id, now); err != nil {
			if db.IsUniqueViolation(err) {
				continue
			}
			return err
		}
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// communitiesUnder lists the communities of a unit (itself when it is one).
func (s *Service) communitiesUnder(ctx context.Context, u *org.Unit) []int64 {
	if u == nil {
		return nil
	}
	if u.Level == org.Community {
		return []int64{u.ID}
	}
	all, err := s.Org.InScope(ctx, auth.System("followups"), org.Community)
	if err != nil {
		return nil
	}
	var out []int64
	for _, c := range all {
		if strings.HasPrefix(c.Path, u.Path) {
			out = append(out, c.ID)
		}
	}
	return out
}

// syncUnder brings the duties of every community of a unit in step, one
// community per transaction.
func (s *Service) syncUnder(ctx context.Context, orgID int64) error {
	u, _ := s.Org.Lookup(ctx, orgID)
	changed := 0
	defer func() { s.settle(ctx, changed) }()
	for _, c := range s.communitiesUnder(ctx, u) {
		n, err := s.syncCommunity(ctx, c)
		changed += n
		if err != nil {
			return fmt.Errorf("followups: sync community %d: %w", c, err)
		}
	}
	return nil
}

// SyncAll brings every community's duties in step (the worker, `linli demo`).
func (s *Service) SyncAll(ctx context.Context) error {
	all, err := s.Org.InScope(ctx, auth.System("followups"), org.Community)
	if err != nil {
		return err
	}
	changed := 0
	defer func() { s.settle(ctx, changed) }()
	for _, c := range all {
		n, err := s.syncCommunity(ctx, c.ID)
		changed += n
		if err != nil {
			return fmt.Errorf("followups: sync community %d: %w", c.ID, err)
		}
	}
	return nil
}

// settleAfter is how many duties a recompute rewrites before settle runs
// (a variable for tests).
var settleAfter = 5000

// settle runs after a recompute that rewrote many duties (a rule changed, the
// first sync after an import). On PostgreSQL every rewritten row leaves its
// page out of the visibility map, so the due lists, which count from the due
// index alone, visit the table for each until autovacuum passes, minutes
// later: three times their price meanwhile. VACUUM (ANALYZE) puts the pages
// back at once and refreshes the statistics; it does not block writers.
// SQLite has no visibility map.
func (s *Service) settle(ctx context.Context, changed int) {
	if changed < settleAfter || s.DB.Dialect() != db.Postgres || ctx.Err() != nil {
		return
	}
	if err := s.DB.Analyze(ctx, "fu_duty"); err != nil && s.Log != nil {
		s.Log.Warn("followups: vacuum after a recompute", "err", err)
	}
}

type dutyKey struct {
	rule int64
	kind string
	id   int64
}

// Sync brings one community's duties in step with its rules and the registry:
// a duty for every subject a rule names now (new ones due one period after
// they came under it), a duty that follows its person to another grid, a
// duty ended when its subject left (tag ended, moved out, died) or its rule
// was stopped, and every due date recomputed from the rule's frequency (a
// rule changed). Records are kept whatever happens to the duty.
func (s *Service) Sync(ctx context.Context, communityID int64) error {
	n, err := s.syncCommunity(ctx, communityID)
	s.settle(ctx, n)
	return err
}

// syncCommunity is Sync without settle; it returns how many duties it wrote.
func (s *Service) syncCommunity(ctx context.Context, communityID int64) (int, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	all, err := s.allRules(ctx)
	if err != nil {
		return 0, err
	}
	rules := s.rulesFor(ctx, all, communityID)
	byID := map[int64]*Rule{}
	for _, r := range all {
		byID[r.ID] = r
	}
	today := s.today()
	want := map[dutyKey]Subject{}
	for _, r := range rules {
		subs, err := s.subjectsOf(ctx, r, communityID, today)
		if err != nil {
			return 0, err
		}
		for _, sb := range subs {
			want[dutyKey{r.ID, sb.Kind, sb.ID}] = sb
		}
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	type have struct {
		id                              int64
		name                            string
		grid, household                 int64
		since, status, last, due, ended string
		created                         int64
	}
	existing := map[dutyKey]have{}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, rule_id, subject_kind, subject_id, subject_name, COALESCE(grid_id, 0), COALESCE(household_id, 0), since, status, last_done_on, due_on, ended_on, created_at
		FROM fu_duty WHERE community_id = ?`, communityID)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var k dutyKey
		var h have
		if err := rows.Scan(&h.id, &k.rule, &k.kind, &k.id, &h.name, &h.grid, &h.household, &h.since, &h.status, &h.last, &h.due, &h.ended, &h.created); err != nil {
			rows.Close()
			return 0, err
		}
		existing[k] = h
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	now := db.Now()
	var inserts [][]any
	var updates [][]any
	for k, sb := range want {
		r := byID[k.rule]
		since := sb.Since
		h, ok := existing[k]
		if since == "" {
			since = today
			if ok && h.since != "" {
				since = h.since
			}
		}
		if !ok {
			due := firstDue(cal, r.Unit, r.Every, r.FirstYearEvery, since, today)
			inserts = append(inserts, []any{communityID, k.rule, k.kind, k.id, sb.Name, nullID(sb.HouseholdID), nullID(sb.GridID), since, DutyActive, "", due, "", now, now})
			continue
		}
		if h.status == DutyEnded && h.since != since {
			// Came under the rule again (a tag given anew): a fresh start.
			h.last = ""
		}
		due := nextDue(cal, r.Unit, r.Every, r.FirstYearEvery, since, h.last)
		if h.last == "" {
			// Never done: one period from when the duty began.
			due = firstDue(cal, r.Unit, r.Every, r.FirstYearEvery, since, time.UnixMilli(h.created).In(locale.Zone).Format(day))
		}
		if h.status != DutyActive || h.name != sb.Name || h.grid != sb.GridID || h.household != sb.HouseholdID || h.since != since || h.due != due {
			updates = append(updates, []any{sb.Name, nullID(sb.GridID), nullID(sb.HouseholdID), since, DutyActive, h.last, due, "", now, communityID, h.id})
		}
	}
	for k, h := range existing {
		if _, ok := want[k]; ok || h.status == DutyEnded {
			continue
		}
		updates = append(updates, []any{h.name, nullID(h.grid), nullID(h.household), h.since, DutyEnded, h.last, h.due, today, now, communityID, h.id})
	}
	if len(inserts) == 0 && len(updates) == 0 {
		return 0, nil
	}
	// In slices of a few thousand rows, each its own transaction: a rule
	// changed over a large community keeps other writers waiting at most for
	// one slice. Each slice leaves the duties right for its rows.
	const slice = 2000
	written := 0
	for len(inserts) > 0 || len(updates) > 0 {
		ins, upd := take(&inserts, slice), take(&updates, slice)
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			for _, a := range ins {
				if _, err := tx.ExecContext(ctx, `INSERT INTO fu_duty (community_id, rule_id, subject_kind, subject_id, subject_name, household_id, grid_id, since, status, last_done_on, due_on, ended_on, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
					ON CONFLICT (community_id, rule_id, subject_kind, subject_id) DO NOTHING`, a...); err != nil {
					return err
				}
			}
			for _, a := range upd {
				if _, err := tx.ExecContext(ctx, `UPDATE fu_duty SET subject_name = ?, grid_id = ?, household_id = ?, since = ?, status = ?, last_done_on = ?, due_on = ?, ended_on = ?, updated_at = ?
					WHERE community_id = ? AND id = ?`, a...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return written, err
		}
		written += len(ins) + len(upd)
	}
	return written, nil
}

func take(list *[][]any, n int) [][]any {
	if len(*list) < n {
		n = len(*list)
	}
	out := (*list)[:n]
	*list = (*list)[n:]
	return out
}

// subjectsOf lists what rule r is about in a community now.
func (s *Service) subjectsOf(ctx context.Context, r *Rule, communityID int64, today string) ([]Subject, error) {
	switch r.Subject {
	case SubjectTag:
		return s.Registry.TaggedPeople(ctx, communityID, r.TagID)
	case SubjectPerson, SubjectBuilding:
		rows, err := s.DB.QueryContext(ctx, `SELECT subject_id FROM fu_rule_subject WHERE community_id = ? AND rule_id = ?`, communityID, r.ID)
		if err != nil {
			return nil, err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return nil, err
		}
		if r.Subject == SubjectPerson {
			return s.Registry.People(ctx, communityID, ids)
		}
		return s.Registry.Buildings(ctx, communityID, ids)
	case SubjectGrid:
		grids, err := s.Org.Children(ctx, auth.System("followups"), communityID)
		if err != nil {
			return nil, err
		}
		var out []Subject
		for _, g := range grids {
			if g.Level == org.Grid && g.Active(today) {
				out = append(out, Subject{Kind: SubjectGrid, ID: g.ID, Name: g.Name, GridID: g.ID})
			}
		}
		return out, nil
	}
	return nil, nil
}

// ---- duties ----

const dutyCols = `d.id, d.community_id, d.rule_id, d.subject_kind, d.subject_id, d.subject_name, COALESCE(d.household_id, 0), COALESCE(d.grid_id, 0),
	d.since, d.status, d.last_done_on, d.due_on, d.ended_on`

func scanDuty(sc interface{ Scan(...any) error }) (*Duty, error) {
	d := &Duty{}
	err := sc.Scan(&d.ID, &d.CommunityID, &d.RuleID, &d.SubjectKind, &d.SubjectID, &d.SubjectName, &d.HouseholdID, &d.GridID,
		&d.Since, &d.Status, &d.LastDoneOn, &d.DueOn, &d.EndedOn)
	return d, err
}

// visibleRules splits the rules into those p may see and, of them, those
// whose duties fall to p.
func (s *Service) visibleRules(ctx context.Context, p *auth.Principal) (visible, own []*Rule, err error) {
	all, err := s.allRules(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range all {
		if !s.ruleVisible(ctx, p, r) {
			continue
		}
		visible = append(visible, r)
		if ruleOwn(p, r) {
			own = append(own, r)
		}
	}
	return visible, own, nil
}

func ruleIDs(rules []*Rule) []int64 {
	out := make([]int64, len(rules))
	for i, r := range rules {
		out[i] = r.ID
	}
	return out
}

func (s *Service) fill(ctx context.Context, rules []*Rule, duties []*Duty) {
	byID := map[int64]*Rule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	for _, d := range duties {
		if r, ok := byID[d.RuleID]; ok {
			d.RuleName, d.Kind, d.Assign, d.Line, d.TagID = r.Name, r.Kind, r.Assign, r.Line, r.TagID
		}
		if g, ok := s.Org.Lookup(ctx, d.GridID); ok {
			d.GridName = g.Name
		}
	}
}

// DutyFilter selects duties for a list.
type DutyFilter struct {
	// Own: only the duties that fall to the user (their due list); otherwise
	// every duty in scope they may see (a community's overview).
	Own    bool
	When   string // WhenOverdue, WhenToday, WhenWeek; "" every active duty
	RuleID int64
	GridID int64
	Offset int
	Limit  int // 0: 50; at most 500
}

// ListDuties lists active duties in due order, and how many match.
func (s *Service) ListDuties(ctx context.Context, p *auth.Principal, f DutyFilter) ([]*Duty, int, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, 0, err
	}
	if f.When != "" && f.When != WhenOverdue && f.When != WhenToday && f.When != WhenWeek {
		return nil, 0, i18n.NewError("bad_request", "err.choice", "field", "when")
	}
	visible, own, err := s.visibleRules(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	rules := visible
	if f.Own {
		rules = own
	}
	if len(rules) == 0 {
		return nil, 0, nil
	}
	where, args := s.activeWhere(p, rules)
	today := s.today()
	switch f.When {
	case WhenOverdue:
		where += ` AND d.due_on < ?`
		args = append(args, today)
	case WhenToday:
		where += ` AND d.due_on = ?`
		args = append(args, today)
	case WhenWeek:
		where += ` AND d.due_on >= ? AND d.due_on <= ?`
		args = append(args, today, weekEnd(today))
	}
	return s.dutyPage(ctx, rules, f, where, args)
}

// DueCounts counts the user's own active duties: overdue, due today, and due
// later this week (today excluded), for the due list's tabs and the home
// page, in one statement over the due index.
func (s *Service) DueCounts(ctx context.Context, p *auth.Principal) (overdue, today, week int, err error) {
	if err = p.Require(PermRead); err != nil {
		return
	}
	_, own, err := s.visibleRules(ctx, p)
	if err != nil || len(own) == 0 {
		return
	}
	err = s.DB.Read(ctx, func(q db.Queryer) error {
		overdue, today, week, err = s.dueCounts(ctx, q, p, own, s.today())
		return err
	})
	return
}

func (s *Service) dueCounts(ctx context.Context, q db.Queryer, p *auth.Principal, own []*Rule, day0 string) (overdue, today, week int, err error) {
	// Three counts over three adjacent ranges of the due index, each a
	// plain COUNT(*): cheaper per entry than one pass summing a CASE each.
	where, wargs := s.activeWhere(p, own)
	var args []any
	for _, r := range [][]any{{day0}, {day0}, {day0, weekEnd(day0)}} {
		args = append(append(args, wargs...), r...)
	}
	err = q.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM fu_duty d WHERE `+where+` AND d.due_on < ?),
		(SELECT COUNT(*) FROM fu_duty d WHERE `+where+` AND d.due_on = ?),
		(SELECT COUNT(*) FROM fu_duty d WHERE `+where+` AND d.due_on > ? AND d.due_on <= ?)`, args...).Scan(&overdue, &today, &week)
	return
}

// activeWhere selects the active duties of rules in p's scope.
func (s *Service) activeWhere(p *auth.Principal, rules []*Rule) (string, []any) {
	d := s.DB.Dialect()
	sc, args := p.Scope.SQL(d, "d.community_id", "d.grid_id")
	rc, rargs := d.IDSet("d.rule_id", ruleIDs(rules))
	return sc + ` AND d.status = 'active' AND ` + rc, append(args, rargs...)
}

// DueTabs is a worker's due list as the page and the phone open it: how many
// duties each tab holds and one tab's page in due order.
type DueTabs struct {
	Overdue, Today, Week int    // Week: due after today within the week
	When                 string // the tab listed
	Duties               []*Duty
}

// Count is how many duties tab when holds.
func (t *DueTabs) Count(when string) int {
	switch when {
	case WhenOverdue:
		return t.Overdue
	case WhenToday:
		return t.Today
	case WhenWeek:
		return t.Week
	}
	return 0
}

// DueList reads the user's own due list: the tabs' counts and a page of tab
// when (WhenWeek: due after today within the week, today's being their own
// tab); "" opens the first tab that holds any, else today's. The page's total
// is its tab's count, so the list costs one count over the due index and one
// page read in its order.
func (s *Service) DueList(ctx context.Context, p *auth.Principal, when string, offset, limit int) (*DueTabs, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	if when != "" && when != WhenOverdue && when != WhenToday && when != WhenWeek {
		return nil, i18n.NewError("bad_request", "err.choice", "field", "when")
	}
	_, own, err := s.visibleRules(ctx, p)
	if err != nil {
		return nil, err
	}
	t := &DueTabs{When: when}
	if len(own) == 0 {
		if t.When == "" {
			t.When = WhenToday
		}
		return t, nil
	}
	today := s.today()
	// One unit of the read queue: the counts and the page, in one snapshot.
	err = s.DB.Read(ctx, func(q db.Queryer) error {
		var err error
		if t.Overdue, t.Today, t.Week, err = s.dueCounts(ctx, q, p, own, today); err != nil {
			return err
		}
		if t.When == "" {
			t.When = WhenToday
			for _, w := range []string{WhenOverdue, WhenToday, WhenWeek} {
				if t.Count(w) > 0 {
					t.When = w
					break
				}
			}
		}
		if t.Count(t.When) == 0 {
			return nil
		}
		where, args := s.activeWhere(p, own)
		switch t.When {
		case WhenOverdue:
			where += ` AND d.due_on < ?`
			args = append(args, today)
		case WhenToday:
			where += ` AND d.due_on = ?`
			args = append(args, today)
		case WhenWeek:
			where += ` AND d.due_on > ? AND d.due_on <= ?`
			args = append(args, today, weekEnd(today))
		}
		t.Duties, err = s.dutyRows(ctx, q, where, args, offset, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.fill(ctx, own, t.Duties)
	return t, nil
}

// DutyAccess is what the reader may do with a duty.
type DutyAccess struct {
	Record bool // record a contact for it
}

// GetDuty reads one duty p may see.
func (s *Service) GetDuty(ctx context.Context, p *auth.Principal, id int64) (*Duty, DutyAccess, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, DutyAccess{}, err
	}
	du, r, err := s.dutyFor(ctx, p, id)
	if err != nil {
		return nil, DutyAccess{}, err
	}
	s.fill(ctx, []*Rule{r}, []*Duty{du})
	return du, DutyAccess{Record: p.Can(PermRecord) && du.Status == DutyActive}, nil
}

// dutyFor reads a duty and its rule, within p's scope and what p may see.
func (s *Service) dutyFor(ctx context.Context, p *auth.Principal, id int64) (*Duty, *Rule, error) {
	// The scope's condition in the statement, not only checked after: it
	// names the community, so that on Citus the read goes to its one shard.
	sc, args := p.Scope.SQL(s.DB.Dialect(), "d.community_id", "d.grid_id")
	du, err := scanDuty(s.DB.QueryRowContext(ctx, `SELECT `+dutyCols+` FROM fu_duty d WHERE d.id = ? AND `+sc, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	if !p.Scope.Allows(du.CommunityID, du.GridID) {
		return nil, nil, auth.ErrNotFound
	}
	r, err := scanRule(s.DB.QueryRowContext(ctx, `SELECT `+ruleCols+` FROM fu_rule r WHERE r.id = ?`, du.RuleID))
	if err != nil {
		return nil, nil, err
	}
	if !s.ruleVisible(ctx, p, r) {
		return nil, nil, auth.ErrNotFound
	}
	return du, r, nil
}

// dutyPage narrows where (duties in scope, visible, of a list) by f's rule and
// grid, counts them and reads f's page in due order.
func (s *Service) dutyPage(ctx context.Context, rules []*Rule, f DutyFilter, where string, args []any) ([]*Duty, int, error) {
	if f.RuleID != 0 {
		where += ` AND d.rule_id = ?`
		args = append(args, f.RuleID)
	}
	if f.GridID != 0 {
		where += ` AND d.grid_id = ?`
		args = append(args, f.GridID)
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM fu_duty d WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	out, err := s.dutyRows(ctx, s.DB, where, args, f.Offset, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	s.fill(ctx, rules, out)
	return out, total, nil
}

// dutyRows reads a page of the duties where selects in due order (limit 0:
// 50, at most 500), which the due indexes hold in that order.
func (s *Service) dutyRows(ctx context.Context, q db.Queryer, where string, args []any, offset, limit int) ([]*Duty, error) {
	if limit <= 0 {
		limit = 50
	}
	if limit > 500 {
		limit = 500
	}
	rows, err := q.QueryContext(ctx, `SELECT `+dutyCols+` FROM fu_duty d WHERE `+where+` ORDER BY d.due_on, d.community_id, d.id LIMIT ? OFFSET ?`,
		append(args, limit, max(offset, 0))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Duty
	for rows.Next() {
		du, err := scanDuty(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, du)
	}
	return out, rows.Err()
}

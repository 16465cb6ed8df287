package workplans

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
)

// Service keeps the documents and their tasks.
type Service struct {
	DB    *db.DB
	Audit *audit.Log
	Org   *org.Service
	Board Board
	// Now is the clock (tests move it); nil: time.Now.
	Now func() time.Time
}

// ErrConfirm: regenerating would replace a summary staff have edited; the
// caller must confirm (the edited draft is then kept as the prior version).
var ErrConfirm = errors.New("workplans: the edited summary would be replaced")

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ThisYear is the current year in the users' zone.
func (s *Service) ThisYear() int { return s.now().In(locale.Zone).Year() }

// Unit returns unit id (a street or a community p reaches), or p's own first
// for 0.
func (s *Service) Unit(ctx context.Context, p *auth.Principal, id int64) (*org.Unit, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	if id == 0 {
		for _, r := range p.Scope.Roots {
			if u, ok := s.Org.Lookup(ctx, r.ID); ok && (u.Level == org.Street || u.Level == org.Community) {
				return u, nil
			}
		}
		return nil, auth.ErrNotFound
	}
	u, ok := s.Org.Lookup(ctx, id)
	if !ok || (u.Level != org.Street && u.Level != org.Community) || !p.Scope.AllowsOrgPath(u.Path) {
		return nil, auth.ErrNotFound
	}
	return u, nil
}

// own reports whether unit id is one of p's own units (a street or
// community p was given): only those p may write. (A scope of everything is
// the system's: the demo and the fixtures write for every unit.)
func own(p *auth.Principal, id int64) bool {
	if !p.Can(PermWrite) {
		return false
	}
	if p.Scope.All {
		return true
	}
	for _, r := range p.Scope.Roots {
		if r.ID == id {
			return true
		}
	}
	return false
}

// CanEdit reports whether p may write unit u's documents.
func (s *Service) CanEdit(p *auth.Principal, u *org.Unit) bool { return own(p, u.ID) }

// scope is the condition on work_plan's community_id of what p may read:
// the communities in p's scope and p's own streets.
func scope(d db.Dialect, p *auth.Principal, col string, lookup func(int64) (*org.Unit, bool)) (string, []any) {
	cond, args := p.Scope.SQL(d, col, "")
	var streets []int64
	for _, r := range p.Scope.Roots {
		if u, ok := lookup(r.ID); ok && u.Level == org.Street {
			streets = append(streets, u.ID)
		}
	}
	if len(streets) > 0 {
		c, a := d.IDSet(col, streets)
		cond, args = "("+cond+" OR "+c+")", append(args, a...)
	}
	return cond, args
}

func (s *Service) lookup(ctx context.Context) func(int64) (*org.Unit, bool) {
	return func(id int64) (*org.Unit, bool) { return s.Org.Lookup(ctx, id) }
}

const planCols = `w.id, w.community_id, w.unit_id, w.year, w.kind, w.month, w.title, w.doc_number, w.theme, w.sections, w.leading_group, w.figures, w.prior,
	w.state, w.generated_at, w.edited_at, w.updated_by, w.updated_at`

func scanPlan(row interface{ Scan(...any) error }) (*Plan, error) {
	var pl Plan
	var sections, group, figures, prior, kind string
	if err := row.Scan(&pl.ID, &pl.CommunityID, &pl.UnitID, &pl.Year, &kind, &pl.Month, &pl.Title, &pl.DocNumber, &pl.Theme, &sections, &group, &figures, &prior,
		&pl.State, &pl.GeneratedAt, &pl.EditedAt, &pl.UpdatedBy, &pl.UpdatedAt); err != nil {
		return nil, err
	}
	pl.Kind = Kind(kind)
	_ = json.Unmarshal([]byte(sections), &pl.Sections)
	_ = json.Unmarshal([]byte(group), &pl.Group)
	_ = json.Unmarshal([]byte(figures), &pl.Figures)
	if prior != "" {
		_ = json.Unmarshal([]byte(prior), &pl.Prior)
	}
	return &pl, nil
}

// List is unit u's documents of year and, for a street, its communities',
// within p's scope: annual first, then the months, then the summary.
func (s *Service) List(ctx context.Context, p *auth.Principal, u *org.Unit, year int) ([]*Plan, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	cond, args := scope(s.DB.Dialect(), p, "w.community_id", s.lookup(ctx))
	q := `SELECT ` + planCols + ` FROM work_plan w WHERE ` + cond + ` AND w.year = ?`
	args = append(args, year)
	if u.Level == org.Community {
		q += ` AND w.community_id = ?`
		args = append(args, u.ID)
	}
	rows, err := s.DB.QueryContext(ctx, q+` ORDER BY w.unit_id = ? DESC, w.unit_id, CASE w.kind WHEN 'annual' THEN 0 WHEN 'monthly' THEN 1 ELSE 2 END, w.month`, append(args, u.ID)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Plan
	for rows.Next() {
		pl, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		if un, ok := s.Org.Lookup(ctx, pl.UnitID); ok && p.Scope.AllowsOrgPath(un.Path) {
			pl.UnitName = un.Name
			pl.CanEdit = own(p, pl.UnitID)
			out = append(out, pl)
		}
	}
	return out, rows.Err()
}

// Get is a document with its tasks, if p may read it.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Plan, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	cond, args := scope(s.DB.Dialect(), p, "w.community_id", s.lookup(ctx))
	pl, err := scanPlan(s.DB.QueryRowContext(ctx, `SELECT `+planCols+` FROM work_plan w WHERE w.id = ? AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	u, ok := s.Org.Lookup(ctx, pl.UnitID)
	if !ok || !p.Scope.AllowsOrgPath(u.Path) {
		return nil, auth.ErrNotFound
	}
	pl.UnitName, pl.CanEdit = u.Name, own(p, u.ID)
	rows, err := s.DB.QueryContext(ctx, `SELECT id, plan_id, department, content, owner, deadline, status, done_at FROM work_task WHERE community_id = ? AND plan_id = ?
		ORDER BY department, deadline, id`, pl.CommunityID, pl.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := s.now().In(locale.Zone)
	for rows.Next() {
		var t Task
		if err := rows.Scan(&t.ID, &t.PlanID, &t.Department, &t.Content, &t.Owner, &t.Deadline, &t.Status, &t.DoneAt); err != nil {
			return nil, err
		}
		t.Late = isLate(t, now)
		pl.Tasks = append(pl.Tasks, t)
	}
	return pl, rows.Err()
}

// editable is document id if p may write it.
func (s *Service) editable(ctx context.Context, p *auth.Principal, id int64) (*Plan, error) {
	if err := p.Require(PermWrite); err != nil {
		return nil, err
	}
	pl, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !pl.CanEdit {
		return nil, auth.ErrForbidden
	}
	return pl, nil
}

// partition is the partition key of unit u's documents: a community's own
// id, a street's own id.
func partition(u *org.Unit) int64 { return u.ID }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// CreateInput starts a unit's annual plan.
type CreateInput struct {
	OrgID     int64
	Year      int
	Title     string
	DocNumber string
}

// Create starts the annual plan of one of p's own units, with the default
// sections.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in CreateInput) (int64, error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	u, err := s.Unit(ctx, p, in.OrgID)
	if err != nil {
		if in.OrgID == 0 {
			errs.Add("org", "err.required", "field", i18n.T("workplans.unit"))
			return 0, errs
		}
		return 0, err
	}
	if !s.CanEdit(p, u) {
		return 0, auth.ErrForbidden
	}
	if in.Year < 2000 || in.Year > 2100 {
		errs.Add("year", "workplans.err_year")
	}
	in.Title, in.DocNumber = strings.TrimSpace(in.Title), strings.TrimSpace(in.DocNumber)
	if in.Title == "" {
		in.Title = i18n.T("workplans.annual_title", "unit", u.Name, "year", in.Year)
	}
	errs.MaxLen("title", i18n.T("workplans.title"), in.Title, 100)
	errs.MaxLen("doc_number", i18n.T("workplans.doc_number"), in.DocNumber, 50)
	if errs.Any() {
		return 0, errs
	}
	var sections []Section
	for _, h := range DefaultHeadings {
		sections = append(sections, Section{Heading: i18n.T(h)})
	}
	id, err := s.insert(ctx, p, u, in.Year, KindAnnual, 0, in.Title, in.DocNumber, "", sections, nil, nil, "workplans.create")
	if db.IsUniqueViolation(err) {
		errs.Add("year", "workplans.err_exists", "year", in.Year)
		return 0, errs
	}
	return id, err
}

func (s *Service) insert(ctx context.Context, p *auth.Principal, u *org.Unit, year int, kind Kind, month int, title, number, theme string, sections []Section,
	figures []Figure, tasks []Task, action string) (int64, error) {
	var id int64
	now := s.now().UnixMilli()
	gen := int64(0)
	if kind == KindSummary {
		gen = now
	}
	if sections == nil {
		sections = []Section{}
	}
	if figures == nil {
		figures = []Figure{}
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO work_plan (community_id, unit_id, year, kind, month, title, doc_number, theme, sections, figures, generated_at, edited_at, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, partition(u), u.ID, year, string(kind), month, title, number, theme, mustJSON(sections), mustJSON(figures),
			gen, gen, p.UserID, now).Scan(&id); err != nil {
			return err
		}
		for _, t := range tasks {
			if _, err := tx.ExecContext(ctx, `INSERT INTO work_task (community_id, plan_id, department, content, owner, deadline, status, done_at, updated_by, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, partition(u), id, t.Department, t.Content, t.Owner, t.Deadline, t.Status, t.DoneAt, p.UserID, now); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, action, "work_plan", id, u.ID, audit.Success).WithDetail(map[string]any{"name": title}))
	})
	return id, err
}

// UpdateInput is a document's text as edited: every section whole, the
// leading group as lines "组长，张三，幸福社区".
type UpdateInput struct {
	Title, DocNumber, Theme, State string
	Sections                       []Section
	Group                          string
}

// ParseGroup reads the leading group's lines (role, name, unit separated
// by a comma, "，", "、" or spaces).
func ParseGroup(text string) ([]Member, bool) {
	var out []Member
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\t' || r == '　' })
		if len(f) < 2 || len(f) > 3 {
			return nil, false
		}
		m := Member{Role: f[0], Name: f[1]}
		if len(f) == 3 {
			m.Unit = f[2]
		}
		out = append(out, m)
	}
	return out, true
}

// GroupText is the leading group as the form shows it.
func GroupText(g []Member) string {
	var lines []string
	for _, m := range g {
		lines = append(lines, strings.TrimSpace(m.Role+"，"+m.Name+"，"+m.Unit))
	}
	return strings.Join(lines, "\n")
}

// Update replaces a document's title, number, theme, state, sections and
// leading group.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, in UpdateInput) error {
	pl, err := s.editable(ctx, p, id)
	if err != nil {
		return err
	}
	errs := &i18n.Errors{}
	in.Title, in.DocNumber, in.Theme = strings.TrimSpace(in.Title), strings.TrimSpace(in.DocNumber), strings.TrimSpace(in.Theme)
	if errs.Required("title", i18n.T("workplans.title"), in.Title) {
		errs.MaxLen("title", i18n.T("workplans.title"), in.Title, 100)
	}
	errs.MaxLen("doc_number", i18n.T("workplans.doc_number"), in.DocNumber, 50)
	errs.MaxLen("theme", i18n.T("workplans.theme"), in.Theme, 100)
	if in.State != "draft" && in.State != "final" {
		errs.Add("state", "err.choice", "field", i18n.T("workplans.state"))
	}
	var sections []Section
	for i, sec := range in.Sections {
		sec.Heading, sec.Text = strings.TrimSpace(sec.Heading), strings.TrimSpace(sec.Text)
		if sec.Heading == "" && sec.Text == "" {
			continue
		}
		errs.MaxLen(fmt.Sprintf("heading_%d", i), i18n.T("workplans.heading"), sec.Heading, 100)
		errs.MaxLen(fmt.Sprintf("text_%d", i), i18n.T("workplans.text"), sec.Text, 20000)
		sections = append(sections, sec)
	}
	group, ok := ParseGroup(in.Group)
	if !ok {
		errs.Add("group", "workplans.err_group")
	}
	errs.MaxLen("group", i18n.T("workplans.group"), in.Group, 4000)
	if errs.Any() {
		return errs
	}
	if sections == nil {
		sections = []Section{}
	}
	if group == nil {
		group = []Member{}
	}
	now := s.now().UnixMilli()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE work_plan SET title = ?, doc_number = ?, theme = ?, state = ?, sections = ?, leading_group = ?, edited_at = ?, updated_by = ?, updated_at = ?
			WHERE community_id = ? AND id = ?`, in.Title, in.DocNumber, in.Theme, in.State, mustJSON(sections), mustJSON(group), now, p.UserID, now, pl.CommunityID, pl.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "workplans.edit", "work_plan", pl.ID, pl.UnitID, audit.Success).WithDetail(map[string]any{"name": in.Title}))
	})
}

// TaskInput is a task as entered.
type TaskInput struct {
	Department, Content, Owner, Deadline, Status string
}

func (s *Service) checkTask(in *TaskInput) *i18n.Errors {
	errs := &i18n.Errors{}
	in.Department, in.Content, in.Owner, in.Deadline = strings.TrimSpace(in.Department), strings.TrimSpace(in.Content), strings.TrimSpace(in.Owner), strings.TrimSpace(in.Deadline)
	if errs.Required("department", i18n.T("workplans.department"), in.Department) {
		errs.MaxLen("department", i18n.T("workplans.department"), in.Department, 50)
	}
	if errs.Required("content", i18n.T("workplans.content"), in.Content) {
		errs.MaxLen("content", i18n.T("workplans.content"), in.Content, 1000)
	}
	errs.MaxLen("owner", i18n.T("workplans.owner"), in.Owner, 50)
	if in.Deadline != "" {
		if _, err := time.Parse("2006-01-02", in.Deadline); err != nil {
			errs.Add("deadline", "workplans.err_date")
		}
	}
	if in.Status == "" {
		in.Status = "todo"
	}
	if in.Status != "todo" && in.Status != "doing" && in.Status != "done" {
		errs.Add("status", "err.choice", "field", i18n.T("workplans.status"))
	}
	return errs
}

// AddTask adds a task to an annual or monthly plan.
func (s *Service) AddTask(ctx context.Context, p *auth.Principal, planID int64, in TaskInput) (int64, error) {
	pl, err := s.editable(ctx, p, planID)
	if err != nil {
		return 0, err
	}
	if pl.Kind == KindSummary {
		return 0, auth.ErrNotFound
	}
	if errs := s.checkTask(&in); errs.Any() {
		return 0, errs
	}
	now := s.now().UnixMilli()
	done := int64(0)
	if in.Status == "done" {
		done = now
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO work_task (community_id, plan_id, department, content, owner, deadline, status, done_at, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, pl.CommunityID, pl.ID, in.Department, in.Content, in.Owner, in.Deadline, in.Status, done, p.UserID, now).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "workplans.task_add", "work_task", id, pl.UnitID, audit.Success).WithDetail(map[string]any{"name": in.Content}))
	})
	return id, err
}

// Task is a task with its plan, if p may read it.
func (s *Service) Task(ctx context.Context, p *auth.Principal, id int64) (*Plan, *Task, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, nil, err
	}
	cond, args := scope(s.DB.Dialect(), p, "t.community_id", s.lookup(ctx))
	var planID int64
	err := s.DB.QueryRowContext(ctx, `SELECT t.plan_id FROM work_task t WHERE t.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&planID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	pl, err := s.Get(ctx, p, planID)
	if err != nil {
		return nil, nil, err
	}
	for i := range pl.Tasks {
		if pl.Tasks[i].ID == id {
			return pl, &pl.Tasks[i], nil
		}
	}
	return nil, nil, auth.ErrNotFound
}

// UpdateTask changes a task (its status among the rest).
func (s *Service) UpdateTask(ctx context.Context, p *auth.Principal, id int64, in TaskInput) error {
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	pl, t, err := s.Task(ctx, p, id)
	if err != nil {
		return err
	}
	if !pl.CanEdit {
		return auth.ErrForbidden
	}
	if errs := s.checkTask(&in); errs.Any() {
		return errs
	}
	now := s.now().UnixMilli()
	done := t.DoneAt
	switch {
	case in.Status != "done":
		done = 0
	case t.Status != "done":
		done = now
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE work_task SET department = ?, content = ?, owner = ?, deadline = ?, status = ?, done_at = ?, updated_by = ?, updated_at = ?
			WHERE community_id = ? AND id = ?`, in.Department, in.Content, in.Owner, in.Deadline, in.Status, done, p.UserID, now, pl.CommunityID, id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "workplans.task_edit", "work_task", id, pl.UnitID, audit.Success).
			WithDetail(map[string]any{"before": t.Status, "after": in.Status}))
	})
}

// DeriveMonth creates month's plan from annual plan annualID: its theme, a
// section for the month's focus and one for the 小结, and a copy of the
// annual tasks whose deadline falls in the month (the month's plan keeps
// their status of its own).
func (s *Service) DeriveMonth(ctx context.Context, p *auth.Principal, annualID int64, month int, theme string) (int64, error) {
	pl, err := s.editable(ctx, p, annualID)
	if err != nil {
		return 0, err
	}
	if pl.Kind != KindAnnual {
		return 0, auth.ErrNotFound
	}
	errs := &i18n.Errors{}
	if month < 1 || month > 12 {
		errs.Add("month", "workplans.err_month")
	}
	theme = strings.TrimSpace(theme)
	if errs.Required("theme", i18n.T("workplans.theme"), theme) {
		errs.MaxLen("theme", i18n.T("workplans.theme"), theme, 100)
	}
	if errs.Any() {
		return 0, errs
	}
	u, ok := s.Org.Lookup(ctx, pl.UnitID)
	if !ok {
		return 0, auth.ErrNotFound
	}
	prefix := fmt.Sprintf("%04d-%02d-", pl.Year, month)
	var tasks []Task
	for _, t := range pl.Tasks {
		if strings.HasPrefix(t.Deadline, prefix) {
			tasks = append(tasks, t)
		}
	}
	title := i18n.T("workplans.monthly_title", "unit", u.Name, "year", pl.Year, "month", month)
	sections := []Section{{Heading: i18n.T("workplans.h.focus")}, {Heading: i18n.T("workplans.h.review")}}
	id, err := s.insert(ctx, p, u, pl.Year, KindMonthly, month, title, "", theme, sections, nil, tasks, "workplans.month")
	if db.IsUniqueViolation(err) {
		errs.Add("month", "workplans.err_month_exists", "month", month)
		return 0, errs
	}
	return id, err
}

// Draft writes a summary's sections from the board's figures of unit in
// year: an opening, a paragraph per group of indicators quoting each
// figure as the board shows it, and empty sections for staff to write. It
// returns the figures quoted.
func Draft(unit string, year int, figs []Figure) ([]Section, []Figure) {
	byGroup := map[string][]string{}
	figsOf := map[string][]Figure{}
	for _, f := range figs {
		if !f.Has {
			continue
		}
		g := f.Code
		if i := strings.IndexByte(g, '.'); i >= 0 {
			g = g[:i]
		}
		known := false
		for _, x := range groups {
			known = known || x == g
		}
		if !known || g == "other" {
			g = "other"
		}
		var phrase string
		if isPhrased(f.Code) {
			phrase = i18n.T("workplans.phrase."+f.Code, "v", f.Text)
		} else {
			unit := f.Unit
			if f.Percent {
				unit = ""
			}
			phrase = i18n.T("workplans.phrase_generic", "name", f.Name, "v", f.Text, "unit", unit)
		}
		byGroup[g] = append(byGroup[g], phrase)
		figsOf[g] = append(figsOf[g], f)
	}
	// The figures in the order the text quotes them.
	var quoted []Figure
	var paras []string
	paras = append(paras, i18n.T("workplans.draft_opening", "unit", unit, "year", year))
	for _, g := range groups {
		if ph := byGroup[g]; len(ph) > 0 {
			paras = append(paras, i18n.T("workplans.group."+g)+"："+strings.Join(ph, "，")+"。")
			quoted = append(quoted, figsOf[g]...)
		}
	}
	if len(quoted) == 0 {
		paras = append(paras, i18n.T("workplans.draft_nofigures"))
	}
	return []Section{
		{Heading: i18n.T("workplans.h.achievements"), Text: strings.Join(paras, "\n")},
		{Heading: i18n.T("workplans.h.problems")},
		{Heading: i18n.T("workplans.h.next")},
	}, quoted
}

func isPhrased(code string) bool {
	for _, c := range phrased {
		if c == code {
			return true
		}
	}
	return false
}

// Summarize drafts (or redrafts) the year-end summary of one of p's own
// units from the board's figures of that year. A summary staff have edited
// is replaced only when confirm is set, and then its text is kept as the
// prior version (one level); otherwise ErrConfirm.
func (s *Service) Summarize(ctx context.Context, p *auth.Principal, orgID int64, year int, confirm bool) (int64, error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	u, err := s.Unit(ctx, p, orgID)
	if err != nil {
		return 0, err
	}
	if !s.CanEdit(p, u) {
		return 0, auth.ErrForbidden
	}
	if year < 2000 || year > 2100 {
		errs.Add("year", "workplans.err_year")
		return 0, errs
	}
	figs, err := s.Board.Figures(ctx, p, u.ID, year)
	if err != nil {
		return 0, err
	}
	sections, quoted := Draft(u.Name, year, figs)
	var old *Plan
	err = func() error {
		pl, err := scanPlan(s.DB.QueryRowContext(ctx, `SELECT `+planCols+` FROM work_plan w WHERE w.community_id = ? AND w.unit_id = ? AND w.year = ? AND w.kind = 'summary' AND w.month = 0`,
			partition(u), u.ID, year))
		if err == nil {
			old = pl
		}
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	}()
	if err != nil {
		return 0, err
	}
	if old == nil {
		return s.insert(ctx, p, u, year, KindSummary, 0, i18n.T("workplans.summary_title", "unit", u.Name, "year", year), "", "", sections, quoted, nil, "workplans.summarize")
	}
	if old.Edited() && !confirm {
		return old.ID, ErrConfirm
	}
	now := s.now().UnixMilli()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		// The new draft's generated_at equals its edited_at: unedited until staff save it.
		if _, err := tx.ExecContext(ctx, `UPDATE work_plan SET sections = ?, figures = ?, prior = ?, generated_at = ?, edited_at = ?, updated_by = ?, updated_at = ?
			WHERE community_id = ? AND id = ?`, mustJSON(sections), mustJSON(quoted), mustJSON(old.Sections), now, now, p.UserID, now, old.CommunityID, old.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "workplans.summarize", "work_plan", old.ID, u.ID, audit.Success).
			WithDetail(map[string]any{"name": old.Title}))
	})
	return old.ID, err
}

// Exported records the export of a document (a .docx leaves the system).
func (s *Service) Exported(ctx context.Context, p *auth.Principal, pl *Plan) error {
	return s.Audit.RecordAlone(ctx, s.DB, audit.Event(p, "workplans.export", "work_plan", pl.ID, pl.UnitID, audit.Success).WithDetail(map[string]any{"name": pl.Title}))
}

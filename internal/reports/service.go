package reports

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
)

// Service keeps report forms and reports.
type Service struct {
	DB      *db.DB
	Audit   *audit.Log
	Org     *org.Service
	Figures Figures
	// Now is the clock (tests move it); nil: time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// today is the date in the users' zone ("2026-12-08").
func (s *Service) today() string { return s.now().In(locale.Zone).Format(time.DateOnly) }

// Streets are the streets whose forms p reads: those p's units lie in or
// under. (A street's forms hold words, no community's data.)
func (s *Service) Streets(ctx context.Context, p *auth.Principal) []*org.Unit {
	seen := map[int64]bool{}
	var out []*org.Unit
	add := func(u *org.Unit) {
		if u != nil && !seen[u.ID] {
			seen[u.ID] = true
			out = append(out, u)
		}
	}
	if p.Scope.All {
		all, _ := s.Org.InScope(ctx, p, org.Street)
		return all
	}
	for _, r := range p.Scope.Roots {
		u, ok := s.Org.Lookup(ctx, r.ID)
		if !ok {
			continue
		}
		if u.Level == org.City || u.Level == org.District {
			if all, err := s.Org.InScope(ctx, p, org.Street); err == nil {
				for _, st := range all {
					add(st)
				}
			}
			continue
		}
		add(s.Org.StreetOf(ctx, u))
	}
	return out
}

// reviews reports whether p reviews the reports of street st.
func reviews(p *auth.Principal, st *org.Unit) bool {
	return st != nil && p.Can(PermReview) && p.Scope.AllowsOrgPath(st.Path)
}

// Communities are the communities p may fill reports for.
func (s *Service) Communities(ctx context.Context, p *auth.Principal) ([]*org.Unit, error) {
	if !p.Can(PermFill) {
		return nil, nil
	}
	all, err := s.Org.InScope(ctx, p, org.Community)
	if err != nil {
		return nil, err
	}
	var out []*org.Unit
	for _, u := range all {
		if p.Scope.AllowsCommunity(u.ID) {
			out = append(out, u)
		}
	}
	return out, nil
}

// ---- forms ----

// Form is a street's report form.
type Form struct {
	ID, StreetID int64
	Name         string
	Period       string
	DueDay       int
	Rows         []Row
	Active       bool
}

// Forms are the forms of the streets p reads (active ones only unless all).
func (s *Service) Forms(ctx context.Context, p *auth.Principal, all bool) ([]Form, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	var out []Form
	for _, st := range s.Streets(ctx, p) {
		rows, err := s.DB.QueryContext(ctx, `SELECT id, community_id, name, period, due_day, rows, active FROM report_form WHERE community_id = ? ORDER BY id`, st.ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var f Form
			var js string
			if err := rows.Scan(&f.ID, &f.StreetID, &f.Name, &f.Period, &f.DueDay, &js, &f.Active); err != nil {
				rows.Close()
				return nil, err
			}
			_ = json.Unmarshal([]byte(js), &f.Rows)
			if f.Active || all {
				out = append(out, f)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Form is one form p reads.
func (s *Service) Form(ctx context.Context, p *auth.Principal, id int64) (*Form, error) {
	forms, err := s.Forms(ctx, p, true)
	if err != nil {
		return nil, err
	}
	for i := range forms {
		if forms[i].ID == id {
			return &forms[i], nil
		}
	}
	return nil, auth.ErrNotFound
}

// FormInput defines a form: the indicators by code, the entered fields one
// a line as "名称|单位|number" (单位 and the kind may be left out; text or
// 文字 for a text).
type FormInput struct {
	StreetID   int64
	Name       string
	Period     string
	DueDay     string
	Indicators []string
	Fields     string
	Active     bool
}

// FieldsText writes a form's entered fields back as FormInput.Fields.
func FieldsText(rows []Row) string {
	var lines []string
	for _, r := range rows {
		if !r.Indicator() {
			lines = append(lines, r.Label+"|"+r.Unit+"|"+r.Kind)
		}
	}
	return strings.Join(lines, "\n")
}

// SaveForm creates (id 0) or replaces a street's form. Reports already
// opened keep the rows they copied.
func (s *Service) SaveForm(ctx context.Context, p *auth.Principal, id int64, in FormInput) (int64, error) {
	if err := p.Require(PermDefine); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	st, ok := s.Org.Lookup(ctx, in.StreetID)
	if !ok || st.Level != org.Street {
		errs.Add("street_id", "reports.err_street")
		return 0, errs
	}
	if !p.Scope.AllowsOrgPath(st.Path) {
		return 0, auth.ErrNotFound
	}
	if id != 0 {
		f, err := s.Form(ctx, p, id)
		if err != nil {
			return 0, err
		}
		if f.StreetID != st.ID {
			return 0, auth.ErrNotFound
		}
	}
	in.Name = strings.TrimSpace(in.Name)
	if errs.Required("name", i18n.T("reports.form_name"), in.Name) {
		errs.MaxLen("name", i18n.T("reports.form_name"), in.Name, 60)
	}
	switch in.Period {
	case Monthly, Quarterly, Annual:
	default:
		errs.Add("period", "err.choice", "field", i18n.T("reports.period"))
	}
	due, err := strconv.Atoi(strings.TrimSpace(in.DueDay))
	if err != nil || due < 1 || due > 28 {
		errs.Add("due_day", "reports.err_due_day")
	}
	inds, err := s.Figures.Indicators(ctx, p, st.ID)
	if err != nil {
		return 0, err
	}
	byCode := map[string]Indicator{}
	for _, ind := range inds {
		byCode[ind.Code] = ind
	}
	var rows []Row
	for _, code := range in.Indicators {
		ind, ok := byCode[code]
		if !ok {
			errs.Add("indicators", "reports.err_indicator")
			break
		}
		rows = append(rows, Row{Key: code, Kind: KindIndicator, Label: ind.Name, Unit: ind.Unit, Ratio: ind.Ratio})
	}
	n := 0
	for _, line := range strings.Split(in.Fields, "\n") {
		line = strings.TrimSpace(strings.ReplaceAll(line, "｜", "|"))
		if line == "" {
			continue
		}
		parts := strings.Split(line, "|")
		r := Row{Kind: KindNumber, Label: strings.TrimSpace(parts[0])}
		if len(parts) > 1 {
			r.Unit = strings.TrimSpace(parts[1])
		}
		if len(parts) > 2 {
			switch strings.TrimSpace(parts[2]) {
			case "", KindNumber, "数字":
			case KindText, "文字":
				r.Kind = KindText
			default:
				errs.Add("fields", "reports.err_field", "line", line)
			}
		}
		if r.Label == "" || len([]rune(r.Label)) > 60 || len([]rune(r.Unit)) > 10 || len(parts) > 3 {
			errs.Add("fields", "reports.err_field", "line", line)
			continue
		}
		n++
		r.Key = "field." + strconv.Itoa(n)
		rows = append(rows, r)
	}
	if len(rows) == 0 && !errs.Any() {
		errs.Add("indicators", "reports.err_no_rows")
	}
	if errs.Any() {
		return 0, errs
	}
	js, _ := json.Marshal(rows)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		now := s.now().UnixMilli()
		if id == 0 {
			if err := tx.QueryRowContext(ctx, `INSERT INTO report_form (community_id, name, period, due_day, rows, active, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				st.ID, in.Name, in.Period, due, string(js), in.Active, p.UserID, now).Scan(&id); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE report_form SET name = ?, period = ?, due_day = ?, rows = ?, active = ?, updated_by = ?, updated_at = ? WHERE community_id = ? AND id = ?`,
			in.Name, in.Period, due, string(js), in.Active, p.UserID, now, st.ID, id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "reports.form_save", "report_form", id, st.ID, audit.Success).WithDetail(map[string]any{"name": in.Name, "rows": len(rows)}))
	})
	if db.IsUniqueViolation(err) {
		errs.Add("name", "reports.err_name_taken", "name", in.Name)
		return 0, errs
	}
	return id, err
}

// ---- reports ----

// Report is a community's report of a period.
type Report struct {
	ID, CommunityID, FormID int64
	CommunityName           string
	FormName                string
	PeriodKind, Period      string
	State                   string
	DueDate                 string
	Rows                    []Row
	Entered                 map[string]string
	Remarks                 string
	SubmittedAt             int64
	ReturnedAt              int64
	ReturnComment           string
	ApprovedBy              int64
	ApprovedByName          string
	ApprovedAt              int64
	ComputedAt              int64
	// Figures are the live figures (draft, submitted, returned) or the
	// snapshot (approved), by row key.
	Figures map[string]Figure
	// Live is true when Figures were computed now.
	Live   bool
	Events []Event
	// What the reader may do.
	CanEdit, CanSubmit, CanReview bool
}

// PeriodText is the report's period as shown.
func (r *Report) PeriodText() string { return PeriodText(r.PeriodKind, r.Period) }

// Late reports whether the report is past its due date and not yet sent up.
func (r *Report) Late(today string) bool {
	return (r.State == Draft || r.State == Returned) && r.DueDate < today
}

// Value is a row's value as shown: the figure of an indicator, the typed
// value of a field.
func (r *Report) Value(row Row) string {
	if row.Indicator() {
		return r.Figures[row.Key].Text()
	}
	if v := r.Entered[row.Key]; v != "" {
		return v
	}
	return "—"
}

// Event is one step of a report's history.
type Event struct {
	Action, Comment, ByName string
	At                      int64
}

const reportCols = `r.id, r.community_id, r.form_id, r.form_name, r.period_kind, r.period, r.state, r.due_date, r.rows, r.entered, r.remarks,
	r.submitted_at, r.returned_at, r.return_comment, r.approved_by, r.approved_by_name, r.approved_at, r.snapshot, r.computed_at`

func (s *Service) scan(ctx context.Context, sc interface{ Scan(...any) error }) (*Report, error) {
	r := &Report{}
	var rows, entered, snap string
	if err := sc.Scan(&r.ID, &r.CommunityID, &r.FormID, &r.FormName, &r.PeriodKind, &r.Period, &r.State, &r.DueDate, &rows, &entered, &r.Remarks,
		&r.SubmittedAt, &r.ReturnedAt, &r.ReturnComment, &r.ApprovedBy, &r.ApprovedByName, &r.ApprovedAt, &snap, &r.ComputedAt); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(rows), &r.Rows)
	r.Entered = map[string]string{}
	_ = json.Unmarshal([]byte(entered), &r.Entered)
	if snap != "" {
		_ = json.Unmarshal([]byte(snap), &r.Figures)
	}
	if u, ok := s.Org.Lookup(ctx, r.CommunityID); ok {
		r.CommunityName = u.Name
	}
	return r, nil
}

// Filter narrows the list of reports.
type Filter struct {
	FormID int64
	Period string
	State  string
	// CommunityID: one community (0 all in scope).
	CommunityID int64
}

// List are the reports in p's scope (whole communities), latest period first.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]*Report, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	cond, args := p.Scope.SQL(s.DB.Dialect(), "r.community_id", "")
	q := `SELECT ` + reportCols + ` FROM report r WHERE ` + cond
	if f.FormID != 0 {
		q, args = q+` AND r.form_id = ?`, append(args, f.FormID)
	}
	if f.Period != "" {
		q, args = q+` AND r.period = ?`, append(args, f.Period)
	}
	if f.State != "" {
		q, args = q+` AND r.state = ?`, append(args, f.State)
	}
	if f.CommunityID != 0 {
		q, args = q+` AND r.community_id = ?`, append(args, f.CommunityID)
	}
	rows, err := s.DB.QueryContext(ctx, q+` ORDER BY r.period DESC, r.form_id, r.community_id LIMIT 500`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Report
	for rows.Next() {
		r, err := s.scan(ctx, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// load reads report id if it is in p's scope (a whole community).
func (s *Service) load(ctx context.Context, p *auth.Principal, id int64) (*Report, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	cond, args := p.Scope.SQL(s.DB.Dialect(), "r.community_id", "")
	r, err := s.scan(ctx, s.DB.QueryRowContext(ctx, `SELECT `+reportCols+` FROM report r WHERE r.id = ? AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	return r, err
}

// live computes a report's figures now, as p sees them.
func (s *Service) live(ctx context.Context, p *auth.Principal, r *Report) (map[string]Figure, error) {
	year, months, ok := ParsePeriod(r.PeriodKind, r.Period)
	if !ok {
		return map[string]Figure{}, nil
	}
	vals, err := s.Figures.Values(ctx, p, r.CommunityID, year, months)
	if err != nil {
		return nil, err
	}
	out := map[string]Figure{}
	for _, row := range r.Rows {
		if row.Indicator() {
			f := vals[row.Key]
			f.Ratio = row.Ratio
			out[row.Key] = f
		}
	}
	return out, nil
}

// Get is a report with its figures (live until approved, then the
// snapshot), its history and what p may do with it.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Report, error) {
	r, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if r.State != Approved {
		if r.Figures, err = s.live(ctx, p, r); err != nil {
			return nil, err
		}
		r.Live = true
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT action, comment, by_name, at FROM report_event WHERE community_id = ? AND report_id = ? ORDER BY at, id`, r.CommunityID, r.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.Action, &e.Comment, &e.ByName, &e.At); err != nil {
			return nil, err
		}
		r.Events = append(r.Events, e)
	}
	fill := p.Can(PermFill) && p.Scope.AllowsCommunity(r.CommunityID)
	r.CanEdit = fill && (r.State == Draft || r.State == Returned)
	r.CanSubmit = r.CanEdit
	if u, ok := s.Org.Lookup(ctx, r.CommunityID); ok {
		r.CanReview = r.State == Submitted && reviews(p, s.Org.StreetOf(ctx, u))
	}
	return r, rows.Err()
}

// Open opens community's report of form for period (it is made once: a
// second opening finds the first). Reports are opened by a person's POST
// (开始填报), never by reading a page.
func (s *Service) Open(ctx context.Context, p *auth.Principal, formID, community int64, period string) (int64, error) {
	if err := p.Require(PermFill); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	u, ok := s.Org.Lookup(ctx, community)
	if !ok || u.Level != org.Community {
		errs.Add("org", "reports.err_community")
		return 0, errs
	}
	if !p.Scope.AllowsCommunity(u.ID) {
		return 0, auth.ErrNotFound
	}
	f, err := s.Form(ctx, p, formID)
	if err != nil {
		return 0, err
	}
	if st := s.Org.StreetOf(ctx, u); st == nil || st.ID != f.StreetID || !f.Active {
		return 0, auth.ErrNotFound
	}
	period = strings.TrimSpace(period)
	if _, _, ok := ParsePeriod(f.Period, period); !ok || period > CurrentPeriod(f.Period, s.now().In(locale.Zone)) {
		errs.Add("period", "reports.err_period")
		return 0, errs
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM report WHERE community_id = ? AND form_id = ? AND period = ?`, u.ID, f.ID, period).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		js, _ := json.Marshal(f.Rows)
		now := s.now().UnixMilli()
		if err := tx.QueryRowContext(ctx, `INSERT INTO report (community_id, form_id, form_name, period_kind, period, state, due_date, rows, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.ID, f.ID, f.Name, f.Period, period, Draft, DueDate(f.Period, period, f.DueDay), string(js), p.UserID, now).Scan(&id); err != nil {
			return err
		}
		if err := s.event(ctx, tx, p, u.ID, id, "open", ""); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "reports.open", "report", id, u.ID, audit.Success).WithDetail(map[string]any{"name": f.Name + "（" + PeriodText(f.Period, period) + "）"}))
	})
	if db.IsUniqueViolation(err) {
		// Opened at the same moment by someone else: theirs is the report.
		err = s.DB.QueryRowContext(ctx, `SELECT id FROM report WHERE community_id = ? AND form_id = ? AND period = ?`, u.ID, f.ID, period).Scan(&id)
	}
	return id, err
}

func (s *Service) event(ctx context.Context, tx *db.Tx, p *auth.Principal, community, id int64, action, comment string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO report_event (community_id, report_id, action, comment, by_id, by_name, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		community, id, action, comment, p.UserID, p.DisplayName, s.now().UnixMilli())
	return err
}

// SaveInput is what staff type into a report: the entered fields by key and
// the remarks.
type SaveInput struct {
	Values  map[string]string
	Remarks string
}

// Save keeps the typed fields of a draft or returned report.
func (s *Service) Save(ctx context.Context, p *auth.Principal, id int64, in SaveInput) error {
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if err := p.Require(PermFill); err != nil {
		return err
	}
	if !r.CanEdit {
		return auth.ErrForbidden
	}
	errs := &i18n.Errors{}
	vals := map[string]string{}
	for _, row := range r.Rows {
		if row.Indicator() {
			continue
		}
		v := strings.TrimSpace(in.Values[row.Key])
		if v == "" {
			continue
		}
		if row.Kind == KindNumber {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				errs.Add(row.Key, "reports.err_number", "field", row.Label)
				continue
			}
		}
		errs.MaxLen(row.Key, row.Label, v, 500)
		vals[row.Key] = v
	}
	in.Remarks = strings.TrimSpace(in.Remarks)
	errs.MaxLen("remarks", i18n.T("reports.remarks"), in.Remarks, 2000)
	if errs.Any() {
		return errs
	}
	js, _ := json.Marshal(vals)
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE report SET entered = ?, remarks = ? WHERE community_id = ? AND id = ? AND state IN ('draft', 'returned')`, string(js), in.Remarks, r.CommunityID, r.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return auth.ErrForbidden
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "reports.save", "report", r.ID, r.CommunityID, audit.Success))
	})
}

// Submit sends a draft or returned report up to the street.
func (s *Service) Submit(ctx context.Context, p *auth.Principal, id int64) error {
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if err := p.Require(PermFill); err != nil {
		return err
	}
	if !r.CanSubmit {
		return auth.ErrForbidden
	}
	return s.step(ctx, p, r, []string{Draft, Returned}, Submitted, "submit", "", `submitted_by = ?, submitted_at = ?`, p.UserID, s.now().UnixMilli())
}

// Return sends a submitted report back to its community with a comment.
func (s *Service) Return(ctx context.Context, p *auth.Principal, id int64, comment string) error {
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if err := p.Require(PermReview); err != nil {
		return err
	}
	if !r.CanReview {
		return auth.ErrForbidden
	}
	comment = strings.TrimSpace(comment)
	errs := &i18n.Errors{}
	if errs.Required("comment", i18n.T("reports.comment"), comment) {
		errs.MaxLen("comment", i18n.T("reports.comment"), comment, 1000)
	}
	if errs.Any() {
		return errs
	}
	return s.step(ctx, p, r, []string{Submitted}, Returned, "return", comment, `returned_by = ?, returned_at = ?, return_comment = ?`, p.UserID, s.now().UnixMilli(), comment)
}

// Approve approves a submitted report: its figures, computed now, are frozen
// with it in the same transaction.
func (s *Service) Approve(ctx context.Context, p *auth.Principal, id int64, comment string) error {
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if err := p.Require(PermReview); err != nil {
		return err
	}
	if !r.CanReview {
		return auth.ErrForbidden
	}
	comment = strings.TrimSpace(comment)
	errs := &i18n.Errors{}
	errs.MaxLen("comment", i18n.T("reports.comment"), comment, 1000)
	if errs.Any() {
		return errs
	}
	snap, _ := json.Marshal(r.Figures)
	now := s.now().UnixMilli()
	return s.step(ctx, p, r, []string{Submitted}, Approved, "approve", comment, `approved_by = ?, approved_by_name = ?, approved_at = ?, snapshot = ?, computed_at = ?`,
		p.UserID, p.DisplayName, now, string(snap), now)
}

// auditActions name the audit action of each step.
var auditActions = map[string]string{"submit": "reports.submit", "return": "reports.return", "approve": "reports.approve"}

// step moves r from one of states to state, setting set (with args), with
// its history entry and, last, its audit entry.
func (s *Service) step(ctx context.Context, p *auth.Principal, r *Report, from []string, to, action, comment, set string, args ...any) error {
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(from)), ", ")
	q := `UPDATE report SET state = ?, ` + set + ` WHERE community_id = ? AND id = ? AND state IN (` + ph + `)`
	all := append([]any{to}, args...)
	all = append(all, r.CommunityID, r.ID)
	for _, f := range from {
		all = append(all, f)
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, q, all...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			// Someone else moved it first.
			return auth.ErrForbidden
		}
		if err := s.event(ctx, tx, p, r.CommunityID, r.ID, action, comment); err != nil {
			return err
		}
		d := map[string]any{"name": r.FormName + "（" + r.PeriodText() + "）", "after": i18n.T("reports.state." + to)}
		if comment != "" {
			d["reason"] = comment
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, auditActions[action], "report", r.ID, r.CommunityID, audit.Success).WithDetail(d))
	})
}

// ---- the street's report ----

// Aggregate is a street's report of a form and period: its communities'
// approved snapshots added up (ratios as the ratio of the sums, entered
// numbers summed), and where each community stands.
type Aggregate struct {
	Street  *org.Unit
	Form    *Form
	Period  string
	DueDate string
	Figures map[string]Figure
	Numbers map[string]float64
	Lines   []AggregateLine
	// Approved counts the reports added up.
	Approved int
}

// AggregateLine is one community's place in the street's report.
type AggregateLine struct {
	Community *org.Unit
	Report    *Report // nil: not opened
	Late      bool
}

// PeriodText is the period as shown.
func (a *Aggregate) PeriodText() string { return PeriodText(a.Form.Period, a.Period) }

// Aggregate builds the street's report of form for period (for those who
// review the street).
func (s *Service) Aggregate(ctx context.Context, p *auth.Principal, formID int64, period string) (*Aggregate, error) {
	if err := p.Require(PermReview); err != nil {
		return nil, err
	}
	f, err := s.Form(ctx, p, formID)
	if err != nil {
		return nil, err
	}
	st, ok := s.Org.Lookup(ctx, f.StreetID)
	if !ok || !reviews(p, st) {
		return nil, auth.ErrNotFound
	}
	if period == "" {
		period = PrevPeriod(f.Period, CurrentPeriod(f.Period, s.now().In(locale.Zone)))
	}
	if _, _, ok := ParsePeriod(f.Period, period); !ok {
		return nil, auth.ErrNotFound
	}
	a := &Aggregate{Street: st, Form: f, Period: period, DueDate: DueDate(f.Period, period, f.DueDay), Figures: map[string]Figure{}, Numbers: map[string]float64{}}
	list, err := s.List(ctx, p, Filter{FormID: f.ID, Period: period})
	if err != nil {
		return nil, err
	}
	byComm := map[int64]*Report{}
	for _, r := range list {
		byComm[r.CommunityID] = r
	}
	comms, err := s.Org.Children(ctx, auth.System("reports"), st.ID)
	if err != nil {
		return nil, err
	}
	today := s.today()
	for _, c := range comms {
		if c.Level != org.Community || !p.Scope.AllowsCommunity(c.ID) {
			continue
		}
		r := byComm[c.ID]
		line := AggregateLine{Community: c, Report: r}
		switch {
		case r == nil:
			line.Late = a.DueDate < today
		case r.State == Approved:
			a.Approved++
			for _, row := range r.Rows {
				if row.Indicator() {
					x := a.Figures[row.Key]
					x.add(r.Figures[row.Key])
					a.Figures[row.Key] = x
				} else if row.Kind == KindNumber {
					if v, err := strconv.ParseFloat(r.Entered[row.Key], 64); err == nil {
						a.Numbers[row.Key] += v
					}
				}
			}
		default:
			line.Late = r.Late(today) || (r.State != Submitted && a.DueDate < today)
		}
		a.Lines = append(a.Lines, line)
	}
	return a, nil
}

// Value is a row's figure in the street's report.
func (a *Aggregate) Value(row Row) string {
	switch row.Kind {
	case KindIndicator:
		return a.Figures[row.Key].Text()
	case KindNumber:
		if a.Approved == 0 {
			return "—"
		}
		return num(a.Numbers[row.Key])
	}
	return ""
}

// ---- to-do ----

// Due are the reports waiting for p: drafts and returned reports of p's
// communities (to fill; not for the street's reviewers), submitted ones of
// the streets p reviews (to review), in due order.
func (s *Service) Due(ctx context.Context, p *auth.Principal) (fill, review []*Report, err error) {
	if !p.Can(PermRead) {
		return nil, nil, nil
	}
	list, err := s.List(ctx, p, Filter{})
	if err != nil {
		return nil, nil, err
	}
	for _, r := range list {
		u, ok := s.Org.Lookup(ctx, r.CommunityID)
		if !ok {
			continue
		}
		// The street reviews; its communities fill (a street leader, who
		// may fill too, is not handed every community's drafts).
		reviewer := reviews(p, s.Org.StreetOf(ctx, u))
		switch r.State {
		case Draft, Returned:
			if p.Can(PermFill) && p.Scope.AllowsCommunity(r.CommunityID) && !reviewer {
				fill = append(fill, r)
			}
		case Submitted:
			if reviewer {
				review = append(review, r)
			}
		}
	}
	sort.SliceStable(fill, func(i, j int) bool { return fill[i].DueDate < fill[j].DueDate })
	sort.SliceStable(review, func(i, j int) bool { return review[i].SubmittedAt < review[j].SubmittedAt })
	return fill, review, nil
}

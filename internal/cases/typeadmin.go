package cases

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/calendar"
	"linli/internal/db"
	"linli/internal/i18n"
)

// TypeJSON renders a definition as the administrator edits it.
func TypeJSON(t *TypeDef) string {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return "{}"
	}
	return string(b)
}

// Customized reports which types have a stored definition.
func (s *Service) Customized(ctx context.Context, p *auth.Principal) (map[string]bool, error) {
	if err := p.Require(PermConfigure); err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT code FROM case_type_config`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out[c] = true
	}
	return out, rows.Err()
}

// SaveTypeJSON replaces (or adds) a type definition. Stages and categories that
// cases still use cannot be removed, so no case is left in a stage that no
// longer exists.
func (s *Service) SaveTypeJSON(ctx context.Context, p *auth.Principal, raw string) error {
	if err := p.Require(PermConfigure); err != nil {
		return err
	}
	t, err := parseType([]byte(raw))
	if err != nil {
		return typeError("config", err)
	}
	types, err := s.Types(ctx)
	if err != nil {
		return err
	}
	for _, o := range types {
		if o.Code != t.Code && o.Prefix == t.Prefix {
			e := &i18n.Errors{}
			e.Add("config", "cases.type_prefix_taken", "prefix", t.Prefix, "type", o.Name)
			return e
		}
	}
	if old, ok := s.Type(ctx, t.Code); ok {
		if err := s.checkRemovals(ctx, old, t); err != nil {
			return err
		}
	}
	body, _ := json.Marshal(t)
	return s.inTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE case_type_config SET config = ?, updated_at = ?, updated_by = ? WHERE code = ?`, string(body), db.Now(), nullInt(p.UserID), t.Code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_type_config (code, config, updated_at, updated_by) VALUES (?, ?, ?, ?)`, t.Code, string(body), db.Now(), nullInt(p.UserID)); err != nil {
				return err
			}
		}
		tx.AfterCommit(s.invalidateTypes)
		return s.Audit.Record(ctx, tx, audit.Event(p, "case_type.save", "case_type", t.Code, 0, audit.Success).WithDetail(map[string]any{"name": t.Name}))
	})
}

func (s *Service) checkRemovals(ctx context.Context, old, t *TypeDef) error {
	e := &i18n.Errors{}
	for _, st := range old.Stages {
		if _, ok := t.Stage(st.Code); ok {
			continue
		}
		var n int
		if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE type = ? AND stage = ?`, old.Code, st.Code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			e.Add("config", "cases.type_stage_in_use", "stage", st.Name, "n", n)
		}
	}
	for _, c := range old.Categories {
		if _, ok := t.Category(c.Code); ok {
			continue
		}
		var n int
		if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE type = ? AND category = ?`, old.Code, c.Code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			e.Add("categories", "cases.type_category_in_use", "category", c.Name, "n", n)
		}
	}
	if e.Any() {
		return e
	}
	return nil
}

// TypeBasics are the parts of a type an administrator changes most: limits and
// categories.
type TypeBasics struct {
	Respond, Resolve string // "8h", "5d"
	RemindHours      string
	EscalateDays     string
	Categories       string // one per line: code|名称|处置时限|响应时限
	// Rows, when not nil, are the categories as the page's table gives
	// them (and Categories is not read); blank rows are left out.
	Rows []CategoryInput
}

// CategoryInput is one row of the categories table as typed: limits as
// ParseLimit reads them, "" for the type's own.
type CategoryInput struct {
	Code, Name, Resolve, Respond string
}

// Blank reports whether nothing was typed in the row.
func (c CategoryInput) Blank() bool {
	return strings.TrimSpace(c.Code+c.Name+c.Resolve+c.Respond) == ""
}

// CategoryInputs are a type's categories as rows of the table.
func CategoryInputs(t *TypeDef) []CategoryInput {
	out := make([]CategoryInput, 0, len(t.Categories))
	for _, c := range t.Categories {
		out = append(out, CategoryInput{Code: c.Code, Name: c.Name, Resolve: FormatLimit(c.Resolve), Respond: FormatLimit(c.Respond)})
	}
	return out
}

// rowError names a problem of row n's field: "第 3 行 办结时限：…"; its
// field is "cat.<n>.<part>", so that the page shows it beside the cell.
func rowError(errs *i18n.Errors, n int, part, labelKey, msgKey string, kv ...any) {
	errs.Add("cat."+strconv.Itoa(n)+"."+part, "cases.row_error", "row", n, "field", i18n.T(labelKey), "msg", i18n.T(msgKey, kv...))
}

// categoryRows reads the table's rows into categories, naming each problem by
// its row and field.
func categoryRows(rows []CategoryInput, errs *i18n.Errors) []Category {
	var out []Category
	seen := map[string]int{}
	for i, r := range rows {
		n := i + 1
		if r.Blank() {
			continue
		}
		c := Category{Code: strings.TrimSpace(r.Code), Name: strings.TrimSpace(r.Name)}
		ok := true
		switch {
		case c.Code == "":
			rowError(errs, n, "code", "cases.category_code", "cases.row_required")
			ok = false
		case !codeRe.MatchString(c.Code):
			rowError(errs, n, "code", "cases.category_code", "cases.row_code_format")
			ok = false
		case seen[c.Code] > 0:
			rowError(errs, n, "code", "cases.category_code", "cases.row_code_twice", "other", seen[c.Code])
			ok = false
		default:
			seen[c.Code] = n
		}
		if c.Name == "" {
			rowError(errs, n, "name", "cases.category_name", "cases.row_required")
			ok = false
		} else if len([]rune(c.Name)) > 40 {
			rowError(errs, n, "name", "cases.category_name", "cases.row_too_long", "max", 40)
			ok = false
		}
		for _, lim := range []struct {
			part, label, v string
			dst            **calendar.Limit
		}{{"resolve", "cases.type_resolve", r.Resolve, &c.Resolve}, {"respond", "cases.type_respond", r.Respond, &c.Respond}} {
			if v := strings.TrimSpace(lim.v); v != "" {
				l, good := ParseLimit(v)
				if !good {
					rowError(errs, n, lim.part, lim.label, "cases.row_limit")
					ok = false
					continue
				}
				*lim.dst = &l
			}
		}
		if ok {
			out = append(out, c)
		}
	}
	if len(out) == 0 && !errs.Any() {
		errs.Add("categories", "cases.categories_none")
	}
	return out
}

// ParseLimit reads "5d"/"5天" (working days) or "24h"/"24小时" (working hours).
func ParseLimit(s string) (calendar.Limit, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	for _, suf := range []string{"d", "天", "个工作日", "工作日"} {
		if v, ok := strings.CutSuffix(s, suf); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			return calendar.Limit{Days: n}, err == nil && n > 0 && n <= 365
		}
	}
	for _, suf := range []string{"h", "小时", "个工作小时", "工作小时"} {
		if v, ok := strings.CutSuffix(s, suf); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			return calendar.Limit{Hours: n}, err == nil && n > 0 && n <= 2000
		}
	}
	return calendar.Limit{}, false
}

// FormatLimit writes a limit the way ParseLimit reads it.
func FormatLimit(l *calendar.Limit) string {
	switch {
	case l == nil:
		return ""
	case l.Days > 0:
		return strconv.Itoa(l.Days) + "d"
	case l.Hours > 0:
		return strconv.Itoa(l.Hours) + "h"
	}
	return ""
}

// CategoryLines renders the categories for the basics form.
func CategoryLines(t *TypeDef) string {
	var b strings.Builder
	for _, c := range t.Categories {
		b.WriteString(c.Code + "|" + c.Name + "|" + FormatLimit(c.Resolve) + "|" + FormatLimit(c.Respond) + "\n")
	}
	return b.String()
}

// SaveTypeBasics changes a type's limits and categories.
func (s *Service) SaveTypeBasics(ctx context.Context, p *auth.Principal, code string, in TypeBasics) error {
	if err := p.Require(PermConfigure); err != nil {
		return err
	}
	cur, ok := s.Type(ctx, code)
	if !ok {
		return auth.ErrNotFound
	}
	t := *cur
	errs := &i18n.Errors{}
	if l, ok := ParseLimit(in.Respond); ok {
		t.Respond = l
	} else {
		errs.Add("respond", "cases.field_limit", "field", i18n.T("cases.type_respond"))
	}
	if l, ok := ParseLimit(in.Resolve); ok {
		t.Resolve = l
	} else {
		errs.Add("resolve", "cases.field_limit", "field", i18n.T("cases.type_resolve"))
	}
	if n, err := strconv.Atoi(strings.TrimSpace(in.RemindHours)); err == nil && n >= 0 && n <= 200 {
		t.RemindHours = n
	} else {
		errs.Add("remind_hours", "err.range", "field", i18n.T("cases.type_remind"), "min", 0, "max", 200)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(in.EscalateDays)); err == nil && n >= 1 && n <= 60 {
		t.EscalateDays = n
	} else {
		errs.Add("escalate_days", "err.range", "field", i18n.T("cases.type_escalate"), "min", 1, "max", 60)
	}
	t.Categories = nil
	if in.Rows != nil {
		t.Categories = categoryRows(in.Rows, errs)
		in.Categories = ""
	}
	for i, line := range strings.Split(strings.ReplaceAll(in.Categories, "\r", ""), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, "|")
		for len(parts) < 4 {
			parts = append(parts, "")
		}
		c := Category{Code: strings.TrimSpace(parts[0]), Name: strings.TrimSpace(parts[1])}
		if !codeRe.MatchString(c.Code) || c.Name == "" {
			errs.Add("categories", "cases.category_line", "line", i+1)
			continue
		}
		for j, dst := range []**calendar.Limit{&c.Resolve, &c.Respond} {
			if v := strings.TrimSpace(parts[2+j]); v != "" {
				l, ok := ParseLimit(v)
				if !ok {
					errs.Add("categories", "cases.category_line", "line", i+1)
					continue
				}
				*dst = &l
			}
		}
		t.Categories = append(t.Categories, c)
	}
	if errs.Any() {
		return errs
	}
	if err := t.validate(); err != nil {
		return typeError("categories", err)
	}
	body, _ := json.Marshal(&t)
	return s.SaveTypeJSON(ctx, p, string(body))
}

// ResetType returns a built-in type to its shipped definition, or removes a
// type added here that no case uses.
func (s *Service) ResetType(ctx context.Context, p *auth.Principal, code string) error {
	if err := p.Require(PermConfigure); err != nil {
		return err
	}
	builtin, err := builtinTypes()
	if err != nil {
		return err
	}
	cur, ok := s.Type(ctx, code)
	if !ok {
		return auth.ErrNotFound
	}
	if b, ok := builtin[code]; ok {
		if err := s.checkRemovals(ctx, cur, b); err != nil {
			return err
		}
	} else {
		// A type added here is removed, as long as no case is of it.
		var n int
		if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE type = ?`, code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			e := &i18n.Errors{}
			e.Add("config", "cases.type_in_use", "type", cur.Name, "n", n)
			return e
		}
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM case_type_config WHERE code = ?`, code); err != nil {
			return err
		}
		tx.AfterCommit(s.invalidateTypes)
		return s.Audit.Record(ctx, tx, audit.Event(p, "case_type.reset", "case_type", code, 0, audit.Success))
	})
}

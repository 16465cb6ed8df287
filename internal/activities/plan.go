package activities

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

// DefaultThemes are the monthly themes a street's plan starts with
// (January first), as the catalogue names them.
var DefaultThemes = []string{"m01", "m02", "m03", "m04", "m05", "m06", "m07", "m08", "m09", "m10", "m11", "m12"}

// DefaultDays are the special days a plan starts with: month, day, key.
var DefaultDays = []struct {
	Month int
	Day   string
	Key   string
}{
	{3, "03-08", "d0308"}, {3, "03-15", "d0315"}, {5, "05-12", "d0512"}, {5, "05-20", "d_sciweek"}, {6, "06-26", "d0626"}, {7, "07-01", "d0701"},
	{8, "08-08", "d0808"}, {9, "09-15", "d_scipop"}, {10, "10-11", "d_chongyang"}, {12, "12-01", "d1201"},
}

var (
	_ = i18n.Family("activities.theme.", DefaultThemes...)
	_ = i18n.Family("activities.day.", dayKeys()...)
)

func dayKeys() []string {
	var out []string
	for _, d := range DefaultDays {
		out = append(out, d.Key)
	}
	return out
}

const planCols = `id, community_id, year, kind, month, day, name, note`

// Plan returns the year's plan of org unit orgID (a street or community p
// reaches): its themes and special days by month.
func (s *Service) Plan(ctx context.Context, p *auth.Principal, orgID int64, year int) ([]*PlanEntry, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(ctx, p, "community_id")
	return s.plan(ctx, `SELECT `+planCols+` FROM activity_plan WHERE community_id = ? AND year = ? AND `+sc+` ORDER BY month, kind DESC, day, id`,
		append([]any{orgID, year}, args...)...)
}

// Themes are the monthly themes of the year that p's activities may serve:
// those of the org units p reaches.
func (s *Service) Themes(ctx context.Context, p *auth.Principal, year int) ([]*PlanEntry, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(ctx, p, "community_id")
	return s.plan(ctx, `SELECT `+planCols+` FROM activity_plan WHERE year = ? AND kind = 'theme' AND `+sc+` ORDER BY month, community_id, id LIMIT 500`,
		append([]any{year}, args...)...)
}

func (s *Service) plan(ctx context.Context, q string, args ...any) ([]*PlanEntry, error) {
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*PlanEntry
	for rows.Next() {
		e := &PlanEntry{}
		if err := rows.Scan(&e.ID, &e.CommunityID, &e.Year, &e.Kind, &e.Month, &e.Day, &e.Name, &e.Note); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AddPlan adds a theme or a special day to the plan of an org unit p holds.
func (s *Service) AddPlan(ctx context.Context, p *auth.Principal, e PlanEntry) (int64, error) {
	if err := p.Require(PermManage); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	e.Name, e.Note, e.Day = strings.TrimSpace(e.Name), strings.TrimSpace(e.Note), strings.TrimSpace(e.Day)
	if errs.Required("name", i18n.T("activities.plan_name"), e.Name) {
		errs.MaxLen("name", i18n.T("activities.plan_name"), e.Name, maxTitle)
	}
	errs.MaxLen("note", i18n.T("activities.note"), e.Note, maxShort)
	if !slices.Contains(PlanKinds, e.Kind) {
		errs.Add("kind", "err.choice", "field", i18n.T("activities.plan_kind"))
	}
	if e.Year < 2000 || e.Year > 2100 {
		errs.Add("year", "err.range", "field", i18n.T("activities.year"), "min", 2000, "max", 2100)
	}
	if e.Month < 1 || e.Month > 12 {
		errs.Add("month", "err.range", "field", i18n.T("activities.month"), "min", 1, "max", 12)
	}
	if e.Kind == PlanDay && (len(e.Day) != 5 || e.Day[2] != '-') {
		errs.Add("day", "activities.err_day")
	}
	if e.Kind == PlanTheme {
		e.Day = ""
	}
	if _, ok := s.Org.Lookup(ctx, e.CommunityID); !ok {
		errs.Add("org_id", "err.choice", "field", i18n.T("activities.org"))
	}
	if errs.Any() {
		return 0, errs
	}
	if !s.Org.HoldsPartition(ctx, p, e.CommunityID) {
		return 0, auth.ErrForbidden
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = insertPlan(ctx, tx, e, s.now().UnixMilli()); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.plan_add", "activity_plan", id, e.CommunityID, audit.Success).
			WithDetail(map[string]any{"name": e.Name}))
	})
	return id, err
}

func insertPlan(ctx context.Context, tx *db.Tx, e PlanEntry, now int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO activity_plan (community_id, year, kind, month, day, name, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.CommunityID, e.Year, e.Kind, e.Month, e.Day, e.Name, e.Note, now).Scan(&id)
	return id, err
}

// GetPlan is one plan entry p reaches.
func (s *Service) GetPlan(ctx context.Context, p *auth.Principal, id int64) (*PlanEntry, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(ctx, p, "community_id")
	list, err := s.plan(ctx, `SELECT `+planCols+` FROM activity_plan WHERE id = ? AND `+sc, append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, auth.ErrNotFound
	}
	return list[0], nil
}

// DeletePlan removes a plan entry p holds; activities that served it keep
// their own data and lose the link.
func (s *Service) DeletePlan(ctx context.Context, p *auth.Principal, id int64) error {
	e, err := s.GetPlan(ctx, p, id)
	if err != nil {
		return err
	}
	if !p.Can(PermManage) || !s.Org.HoldsPartition(ctx, p, e.CommunityID) {
		return auth.ErrForbidden
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE activity SET theme_id = 0 WHERE community_id = ? AND theme_id = ?`, e.CommunityID, e.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM activity_plan WHERE community_id = ? AND id = ?`, e.CommunityID, e.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.plan_delete", "activity_plan", e.ID, e.CommunityID, audit.Success).
			WithDetail(map[string]any{"name": e.Name}))
	})
}

// SeedPlan gives org unit orgID the default themes and special days for
// year, unless it has a plan for that year already.
func (s *Service) SeedPlan(ctx context.Context, p *auth.Principal, orgID int64, year int) error {
	if err := p.Require(PermManage); err != nil {
		return err
	}
	if !s.Org.HoldsPartition(ctx, p, orgID) {
		return auth.ErrForbidden
	}
	var n int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_plan WHERE community_id = ? AND year = ?`, orgID, year).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	now := s.now().UnixMilli()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var first int64
		for i, k := range DefaultThemes {
			id, err := insertPlan(ctx, tx, PlanEntry{CommunityID: orgID, Year: year, Kind: PlanTheme, Month: i + 1, Name: i18n.T("activities.theme." + k)}, now)
			if err != nil {
				return err
			}
			if first == 0 {
				first = id
			}
		}
		for _, d := range DefaultDays {
			if _, err := insertPlan(ctx, tx, PlanEntry{CommunityID: orgID, Year: year, Kind: PlanDay, Month: d.Month, Day: d.Day, Name: i18n.T("activities.day." + d.Key)}, now); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.plan_seed", "activity_plan", first, orgID, audit.Success))
	})
}

var _ = sql.ErrNoRows
var _ = errors.New

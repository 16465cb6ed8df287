package followups

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/locale"
)

// ExportFilter chooses the records of an export.
type ExportFilter struct {
	Month  string // YYYY-MM; "" this month
	GridID int64
	RuleID int64
	Kind   string
}

// exportPage is how many records an export reads at a time: each page is
// one range of the records' order, with its items read in one statement.
const exportPage = 1000

// ExportRecords hands fn the records of a month p may see (scope, and the
// sensitive groups' rules only for those who may see the group), with their
// items and their authors' names, in time order, a page at a time; and
// records the export in the audit log. It returns how many were handed.
func (s *Service) ExportRecords(ctx context.Context, p *auth.Principal, f ExportFilter, fn func(*Record) error) (int, error) {
	if err := p.Require(PermRead); err != nil {
		return 0, err
	}
	month := strings.TrimSpace(f.Month)
	if month == "" {
		month = s.now().In(locale.Zone).Format("2006-01")
	}
	start, err := time.ParseInLocation("2006-01", month, locale.Zone)
	errs := &i18n.Errors{}
	if err != nil {
		errs.Add("month", "followups.err_month")
	}
	if f.Kind != "" && !oneOf(f.Kind, Kinds) {
		errs.Add("kind", "err.choice", "field", i18n.T("followups.kind"))
	}
	if errs.Any() {
		return 0, errs.Err()
	}
	from, to := start.Format(day), start.AddDate(0, 1, -1).Format(day)
	visible, _, err := s.visibleRules(ctx, p)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for _, r := range visible {
		if (f.RuleID == 0 || r.ID == f.RuleID) && (f.Kind == "" || r.Kind == f.Kind) {
			ids = append(ids, r.ID)
		}
	}
	count := 0
	if len(ids) > 0 {
		d := s.DB.Dialect()
		sc, args := p.Scope.SQL(d, "r.community_id", "r.grid_id")
		rc, rargs := d.IDSet("r.rule_id", ids)
		where := sc + ` AND ` + rc + ` AND r.happened_on >= ? AND r.happened_on <= ?`
		args = append(append(args, rargs...), from, to)
		if f.GridID != 0 {
			where += ` AND r.grid_id = ?`
			args = append(args, f.GridID)
		}
		if f.Kind != "" {
			where += ` AND r.kind = ?`
			args = append(args, f.Kind)
		}
		names := map[int64]string{}
		lastOn, lastID := "", int64(0)
		for {
			// Keyset pages (day, id): no statement stays open while the
			// items of a page are read, and a page costs the same however
			// deep in the month it is.
			q, qa := where, append([]any{}, args...)
			if lastID != 0 {
				q += ` AND (r.happened_on > ? OR (r.happened_on = ? AND r.id > ?))`
				qa = append(qa, lastOn, lastOn, lastID)
			}
			page, err := s.readRecords(ctx, `SELECT `+recordCols+` FROM fu_record r WHERE `+q+` ORDER BY r.happened_on, r.id LIMIT ?`, append(qa, exportPage)...)
			if err != nil {
				return count, err
			}
			if err := s.WithItems(ctx, page); err != nil {
				return count, err
			}
			if err := s.authorNames(ctx, page, names); err != nil {
				return count, err
			}
			for _, rec := range page {
				if err := fn(rec); err != nil {
					return count, err
				}
				count++
			}
			if len(page) < exportPage {
				break
			}
			lastOn, lastID = page[len(page)-1].HappenedOn, page[len(page)-1].ID
		}
	}
	detail := map[string]any{"rows": count, "month": month, "grid_id": f.GridID, "rule_id": f.RuleID, "kind": f.Kind}
	return count, s.Audit.RecordAlone(ctx, s.DB, audit.Event(p, "followups.record_export", "fu_record", "", 0, audit.Success).WithDetail(detail))
}

func (s *Service) readRecords(ctx context.Context, q string, args ...any) ([]*Record, error) {
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// authorNames fills the records' CreatedByName (the account's display
// name), remembering names across pages in names.
func (s *Service) authorNames(ctx context.Context, recs []*Record, names map[int64]string) error {
	var missing []int64
	seen := map[int64]bool{}
	for _, r := range recs {
		if _, ok := names[r.CreatedBy]; !ok && !seen[r.CreatedBy] && r.CreatedBy != 0 {
			seen[r.CreatedBy] = true
			missing = append(missing, r.CreatedBy)
		}
	}
	if len(missing) > 0 {
		ic, args := s.DB.Dialect().IDSet("id", missing)
		rows, err := s.DB.QueryContext(ctx, `SELECT id, display_name FROM auth_user WHERE `+ic, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var name sql.NullString
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return err
			}
			names[id] = name.String
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range missing {
			if _, ok := names[id]; !ok {
				names[id] = ""
			}
		}
	}
	for _, r := range recs {
		r.CreatedByName = names[r.CreatedBy]
	}
	return nil
}

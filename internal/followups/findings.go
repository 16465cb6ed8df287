package followups

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

// Cases is what follow-ups need of the case engine (the adapter is in
// internal/app/links.go): a finding of a record (a failed item, a matter
// found, the needs told) opened as a case (事件) linked to the record.
type Cases interface {
	// Types lists the case types p may report, with their categories.
	Types(ctx context.Context, p *auth.Principal) ([]CaseType, error)
	// Open opens a case as p and links it to the record (in.RecordID).
	Open(ctx context.Context, p *auth.Principal, in CaseInput) (int64, error)
	// Linked lists the cases p may see linked to the record.
	Linked(ctx context.Context, p *auth.Principal, recordID int64) ([]CaseRef, error)
}

// CaseType is a case type p may report.
type CaseType struct {
	Code, Name string
	Categories []CaseCategory
}

// CaseCategory is one category of a case type.
type CaseCategory struct{ Code, Name string }

// CaseInput is a case opened from a finding.
type CaseInput struct {
	Type, Category     string
	Title, Description string
	Location           string
	CommunityID        int64
	GridID             int64
	RecordID           int64
	RecordKind         string // the record's kind: the adapter picks the case's source by it
}

// CaseRef is a case made from a record, as the record page lists it.
type CaseRef struct {
	ID                          int64
	Number, Type, Title, Status string
	Href                        string
}

// Finding is something a record found that may be made a case.
type Finding struct {
	Key    string // "item-3" (a failed item or a matter found), "needs"
	Label  string // 不合格 / 发现问题 / 诉求
	Text   string
	Note   string
	CaseID int64 // the case made from it, 0 when none
}

// Findings lists a record's findings, each with the case made from it.
func (s *Service) Findings(ctx context.Context, rec *Record) ([]Finding, error) {
	var out []Finding
	for _, it := range rec.Items {
		if it.Result == ResultFail || it.Result == ResultFound {
			out = append(out, Finding{Key: "item-" + strconv.Itoa(it.Seq), Label: i18n.T("followups.result." + it.Result), Text: it.Item, Note: it.Note})
		}
	}
	if rec.Needs != "" {
		out = append(out, Finding{Key: "needs", Label: i18n.T("followups.field_needs"), Text: rec.Needs})
	}
	if len(out) == 0 {
		return nil, nil
	}
	made, err := s.findingCases(ctx, rec)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].CaseID = made[out[i].Key]
	}
	return out, nil
}

// Finding returns one finding of a record by its key.
func (s *Service) Finding(ctx context.Context, rec *Record, key string) (Finding, bool, error) {
	list, err := s.Findings(ctx, rec)
	if err != nil {
		return Finding{}, false, err
	}
	for _, f := range list {
		if f.Key == key {
			return f, true, nil
		}
	}
	return Finding{}, false, nil
}

func (s *Service) findingCases(ctx context.Context, rec *Record) (map[string]int64, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT finding, COALESCE(case_id, 0) FROM fu_record_case WHERE community_id = ? AND record_id = ?`, rec.CommunityID, rec.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			return nil, err
		}
		if id != 0 {
			out[k] = id
		}
	}
	return out, rows.Err()
}

// CaseTypes lists the case types p may report from a finding (none without
// the case engine).
func (s *Service) CaseTypes(ctx context.Context, p *auth.Principal) ([]CaseType, error) {
	if s.Cases == nil {
		return nil, nil
	}
	return s.Cases.Types(ctx, p)
}

// LinkedCases lists the cases p may see that were made from a record.
func (s *Service) LinkedCases(ctx context.Context, p *auth.Principal, rec *Record) ([]CaseRef, error) {
	if s.Cases == nil {
		return nil, nil
	}
	return s.Cases.Linked(ctx, p, rec.ID)
}

// ErrFindingBusy: the same finding is being made a case by another request
// this moment.
var ErrFindingBusy = i18n.NewError("conflict", "followups.err_finding_busy")

// findingLease is how long a finding being made a case is held for the
// request doing it; one left behind (a request that died) is taken over.
const findingLease = 2 * 60 * 1000 // ms

// CaseFromFinding opens a case (事件) from a finding of record recordID and
// links it to the record. A finding already made a case is not made one
// again: its case is returned with existing true. in's community, grid,
// record and kind are the record's.
func (s *Service) CaseFromFinding(ctx context.Context, p *auth.Principal, recordID int64, key string, in CaseInput) (caseID int64, existing bool, err error) {
	if err := p.Require(PermRecord); err != nil {
		return 0, false, err
	}
	rec, err := s.GetRecord(ctx, p, recordID)
	if err != nil {
		return 0, false, err
	}
	f, ok, err := s.Finding(ctx, rec, key)
	if err != nil {
		return 0, false, err
	}
	if !ok {
		errs := &i18n.Errors{}
		errs.Add("finding", "followups.err_finding")
		return 0, false, errs.Err()
	}
	if f.CaseID != 0 {
		return f.CaseID, true, nil
	}
	if s.Cases == nil {
		return 0, false, auth.ErrForbidden
	}
	// Hold the finding first: a double tap, or two workers at once, make
	// one case, not two.
	now := db.Now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO fu_record_case (community_id, record_id, finding, case_id, created_by, created_at) VALUES (?, ?, ?, NULL, ?, ?)`,
			rec.CommunityID, rec.ID, key, p.UserID, now)
		return err
	})
	if db.IsUniqueViolation(err) {
		var held sql.NullInt64
		var at int64
		if err := s.DB.QueryRowContext(ctx, `SELECT case_id, created_at FROM fu_record_case WHERE community_id = ? AND record_id = ? AND finding = ?`,
			rec.CommunityID, rec.ID, key).Scan(&held, &at); err != nil {
			return 0, false, err
		}
		if held.Valid {
			return held.Int64, true, nil
		}
		if now-at < findingLease {
			return 0, false, ErrFindingBusy
		}
		res, err := s.DB.ExecContext(ctx, `UPDATE fu_record_case SET created_by = ?, created_at = ? WHERE community_id = ? AND record_id = ? AND finding = ? AND case_id IS NULL AND created_at = ?`,
			p.UserID, now, rec.CommunityID, rec.ID, key, at)
		if err != nil {
			return 0, false, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return 0, false, ErrFindingBusy
		}
	} else if err != nil {
		return 0, false, err
	}
	release := func() {
		_, _ = s.DB.ExecContext(context.WithoutCancel(ctx), `DELETE FROM fu_record_case WHERE community_id = ? AND record_id = ? AND finding = ? AND case_id IS NULL AND created_at = ?`,
			rec.CommunityID, rec.ID, key, now)
	}
	in.Title, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	in.CommunityID, in.GridID, in.RecordID, in.RecordKind = rec.CommunityID, rec.GridID, rec.ID, rec.Kind
	if in.Location == "" && rec.Location != "" {
		in.Location = rec.Location
	}
	caseID, err = s.Cases.Open(ctx, p, in)
	if err != nil {
		release()
		return 0, false, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE fu_record_case SET case_id = ? WHERE community_id = ? AND record_id = ? AND finding = ?`,
			caseID, rec.CommunityID, rec.ID, key); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "followups.record_case", "fu_record", rec.ID, rec.CommunityID, audit.Success).
			WithDetail(map[string]any{"finding": key, "case": caseID, "type": in.Type}))
	})
	return caseID, false, err
}

// FindingCaseDraft is the prefilled case of a finding: a type fitting the
// record's kind (among those p may report), a title and a description.
func FindingCaseDraft(rec *Record, f Finding, types []CaseType) (typ, category, title, description string) {
	want := map[string]string{KindInspection: "hazard", KindScreening: "dispute"}[rec.Kind]
	if f.Key == "needs" {
		want = "request"
	}
	for _, t := range types {
		if t.Code == want {
			typ = t.Code
		}
	}
	if typ == "" && len(types) > 0 {
		typ = types[0].Code
	}
	for _, t := range types {
		if t.Code != typ {
			continue
		}
		for _, c := range t.Categories {
			if c.Code == "other" || category == "" {
				category = c.Code
			}
		}
	}
	text := f.Text
	switch {
	case f.Key == "needs":
		title = i18n.T("followups.case_title_needs", "subject", rec.SubjectName, "text", clip(text, 40))
	case rec.Kind == KindInspection:
		title = i18n.T("followups.case_title_fail", "subject", rec.SubjectName, "text", clip(text, 40))
	default:
		title = i18n.T("followups.case_title_found", "subject", rec.SubjectName, "text", clip(text, 40))
	}
	title = clip(title, 100)
	description = i18n.T("followups.case_description", "on", rec.HappenedOn, "kind", i18n.T("followups.kind."+rec.Kind), "subject", rec.SubjectName,
		"label", f.Label, "text", text)
	if f.Note != "" {
		description += "\n" + i18n.T("followups.item_note") + "：" + f.Note
	}
	return typ, category, title, description
}

// clip cuts s after n characters, marking the cut.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

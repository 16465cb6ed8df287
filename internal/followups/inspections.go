package followups

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

// Results of a checklist item, and a screening's matter found.
const (
	ResultPass  = "pass"
	ResultFail  = "fail"
	ResultNA    = "na"
	ResultFound = "found"
)

// ItemResults are the answers an inspection's item may have, in form order.
var ItemResults = []string{ResultPass, ResultFail, ResultNA}

// A screening's answer to 是否发现问题.
const (
	FoundNone = "none"  // 零报告
	FoundSome = "found" // matters found
)

var _ = i18n.Family("followups.result.", ResultPass, ResultFail, ResultNA, ResultFound)

// Limits of checklists and findings.
const (
	maxChecklist   = 30
	maxItemText    = 100
	maxMatters     = 10
	maxFindingText = 500
)

// RecordItem is one answered checklist item or one matter found.
type RecordItem struct {
	Seq    int
	Item   string // the item's text as it was asked, or the matter found
	Result string
	Note   string
}

// ItemAnswer is the answer to one checklist item a record is made with.
type ItemAnswer struct {
	Seq    int
	Result string
	Note   string
}

func parseChecklist(s string) []string {
	var out []string
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

func checklistJSON(items []string) string {
	if len(items) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(items)
	return string(b)
}

// ChecklistLines splits the rule form's checklist (one item a line).
func ChecklistLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// checkChecklist checks an inspection rule's items (others have none).
func checkChecklist(errs *i18n.Errors, r *Rule) {
	if r.Kind != KindInspection {
		r.Checklist = nil
		return
	}
	var items []string
	seen := map[string]bool{}
	for _, it := range r.Checklist {
		it = strings.TrimSpace(it)
		switch {
		case it == "":
			continue
		case utf8.RuneCountInString(it) > maxItemText:
			errs.Add("checklist", "followups.err_item_long", "item", it, "max", maxItemText)
		case seen[it]:
			errs.Add("checklist", "followups.err_item_twice", "item", it)
		}
		seen[it] = true
		items = append(items, it)
	}
	if len(items) > maxChecklist {
		errs.Add("checklist", "followups.err_checklist_many", "max", maxChecklist)
	}
	r.Checklist = items
}

// checkFindings checks an inspection's answers (every item of its rule's
// checklist answered) and a screening's report (零报告, or the matters
// found), and returns the items to write and whether it is a zero report.
func checkFindings(errs *i18n.Errors, r *Rule, in *RecordInput) ([]RecordItem, bool) {
	switch r.Kind {
	case KindInspection:
		if len(r.Checklist) == 0 {
			if len(in.Items) > 0 {
				errs.Add("items", "followups.err_no_checklist")
			}
			return nil, false
		}
		bySeq := map[int]ItemAnswer{}
		for _, a := range in.Items {
			if a.Seq < 1 || a.Seq > len(r.Checklist) {
				errs.Add("items", "followups.err_item_seq", "seq", a.Seq)
				continue
			}
			bySeq[a.Seq] = a
		}
		out := make([]RecordItem, 0, len(r.Checklist))
		for i, text := range r.Checklist {
			seq := i + 1
			field := "items." + strconv.Itoa(seq)
			a, ok := bySeq[seq]
			a.Note = strings.TrimSpace(a.Note)
			switch {
			case !ok || a.Result == "":
				errs.Add(field, "followups.err_item_missing", "item", text)
			case !oneOf(a.Result, ItemResults):
				errs.Add(field, "followups.err_item_result", "item", text)
			case utf8.RuneCountInString(a.Note) > maxFindingText:
				errs.Add(field, "err.too_long", "field", text, "max", maxFindingText)
			}
			if a.Result != ResultFail {
				a.Note = "" // a note tells what failed
			}
			out = append(out, RecordItem{Seq: seq, Item: text, Result: a.Result, Note: a.Note})
		}
		return out, false
	case KindScreening:
		var matters []string
		for _, m := range in.Matters {
			if m = strings.TrimSpace(m); m != "" {
				matters = append(matters, m)
			}
		}
		switch {
		case in.Found != "" && in.Found != FoundNone && in.Found != FoundSome:
			errs.Add("found", "err.choice", "field", i18n.T("followups.found"))
		case in.Found == FoundNone && len(matters) > 0:
			errs.Add("matters", "followups.err_zero_with_matters")
		case in.Found == FoundSome && len(matters) == 0:
			errs.Add("matters", "followups.err_matters_missing")
		case len(matters) > maxMatters:
			errs.Add("matters", "followups.err_matters_many", "max", maxMatters)
		}
		out := make([]RecordItem, 0, len(matters))
		for i, m := range matters {
			if utf8.RuneCountInString(m) > maxFindingText {
				errs.Add("matters", "err.too_long", "field", i18n.T("followups.matter_n", "n", i+1), "max", maxFindingText)
			}
			out = append(out, RecordItem{Seq: i + 1, Item: m, Result: ResultFound})
		}
		return out, len(matters) == 0
	}
	if len(in.Items) > 0 || len(in.Matters) > 0 {
		errs.Add("items", "followups.err_no_checklist")
	}
	return nil, false
}

// writeFindings stores a new record's items and zero report in tx.
func writeFindings(ctx context.Context, tx *db.Tx, communityID, recordID int64, items []RecordItem, zero bool) error {
	for _, it := range items {
		if _, err := tx.ExecContext(ctx, `INSERT INTO fu_record_item (community_id, record_id, seq, item, result, note) VALUES (?, ?, ?, ?, ?, ?)`,
			communityID, recordID, it.Seq, it.Item, it.Result, it.Note); err != nil {
			return err
		}
	}
	if zero {
		if _, err := tx.ExecContext(ctx, `UPDATE fu_record SET zero_report = TRUE WHERE community_id = ? AND id = ?`, communityID, recordID); err != nil {
			return err
		}
	}
	return nil
}

// GetRecord reads one record p may see: in scope, of a rule p may see (a
// sensitive group's records only for those who may see the group), with its
// items.
func (s *Service) GetRecord(ctx context.Context, p *auth.Principal, id int64) (*Record, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	// The scope's condition in the statement, not only checked after: it
	// names the community, so that on Citus the read goes to its one shard.
	sc, args := p.Scope.SQL(s.DB.Dialect(), "r.community_id", "r.grid_id")
	rec, err := scanRecord(s.DB.QueryRowContext(ctx, `SELECT `+recordCols+` FROM fu_record r WHERE r.id = ? AND `+sc, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !p.Scope.Allows(rec.CommunityID, rec.GridID) || rec.RuleID == 0 {
		return nil, auth.ErrNotFound
	}
	r, err := scanRule(s.DB.QueryRowContext(ctx, `SELECT `+ruleCols+` FROM fu_rule r WHERE r.id = ?`, rec.RuleID))
	if err != nil {
		return nil, err
	}
	if !s.ruleVisible(ctx, p, r) {
		return nil, auth.ErrNotFound
	}
	items, err := s.recordItems(ctx, []*Record{rec})
	if err != nil {
		return nil, err
	}
	rec.Items = items[rec.ID]
	if err := s.fillPhotos(ctx, []*Record{rec}); err != nil {
		return nil, err
	}
	return rec, nil
}

// recordItems reads the items of records (any communities), by record.
func (s *Service) recordItems(ctx context.Context, recs []*Record) (map[int64][]RecordItem, error) {
	out := map[int64][]RecordItem{}
	if len(recs) == 0 {
		return out, nil
	}
	comms := map[int64]bool{}
	var cids, rids []int64
	for _, r := range recs {
		if !comms[r.CommunityID] {
			comms[r.CommunityID] = true
			cids = append(cids, r.CommunityID)
		}
		rids = append(rids, r.ID)
	}
	d := s.DB.Dialect()
	cc, cargs := d.IDSet("community_id", cids)
	rc, rargs := d.IDSet("record_id", rids)
	rows, err := s.DB.QueryContext(ctx, `SELECT record_id, seq, item, result, note FROM fu_record_item WHERE `+cc+` AND `+rc+` ORDER BY record_id, seq`,
		append(cargs, rargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var it RecordItem
		if err := rows.Scan(&id, &it.Seq, &it.Item, &it.Result, &it.Note); err != nil {
			return nil, err
		}
		out[id] = append(out[id], it)
	}
	return out, rows.Err()
}

// WithItems fills the items of records read by a list.
func (s *Service) WithItems(ctx context.Context, recs []*Record) error {
	items, err := s.recordItems(ctx, recs)
	if err != nil {
		return err
	}
	for _, r := range recs {
		r.Items = items[r.ID]
	}
	return nil
}

// ItemsText says a record's items in one line, as the export writes them:
// 消防通道畅通：合格；灭火器在有效期：不合格（过期）.
func (rec *Record) ItemsText() string {
	var parts []string
	for _, it := range rec.Items {
		if it.Result == ResultFound {
			parts = append(parts, strconv.Itoa(it.Seq)+". "+it.Item)
			continue
		}
		p := it.Item + "：" + i18n.T("followups.result."+it.Result)
		if it.Note != "" {
			p += "（" + it.Note + "）"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "；")
}

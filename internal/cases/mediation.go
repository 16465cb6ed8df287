package cases

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
)

// DocField is one field of a printed document.
type DocField struct {
	Key      string
	Type     string // text, textarea, date
	Required bool
	Max      int
	Auto     bool // given by the system (a notice's number), never typed
}

// Label is the field's catalogue label.
func (f DocField) Label(kind string) string { return i18n.T("cases.doc." + kind + "." + f.Key) }

// DocFields are the fields of each document kind, in print order.
var DocFields = map[string][]DocField{
	// 人民调解协议书: parties come from the case; the rest is written here.
	DocAgreement: {
		{Key: "number", Type: "text", Max: 40},
		{Key: "committee", Type: "text", Required: true, Max: 60},
		{Key: "facts", Type: "textarea", Required: true, Max: 4000},
		{Key: "terms", Type: "textarea", Required: true, Max: 4000},
		{Key: "performance", Type: "textarea", Required: true, Max: 1000},
		{Key: "perform_by", Type: "date", Required: true},
		{Key: "mediators", Type: "text", Required: true, Max: 100},
		{Key: "made_on", Type: "date", Required: true},
		{Key: "place", Type: "text", Max: 100},
	},
	// 安全隐患整改通知书.
	DocNotice: {
		{Key: "number", Type: "text", Auto: true},
		{Key: "target", Type: "text", Required: true, Max: 100},
		{Key: "address", Type: "text", Max: 200},
		{Key: "problems", Type: "textarea", Required: true, Max: 4000},
		{Key: "requirements", Type: "textarea", Required: true, Max: 4000},
		{Key: "deadline", Type: "date", Required: true},
		{Key: "issuer", Type: "text", Required: true, Max: 60},
		{Key: "issued_on", Type: "date", Required: true},
	},
}

// The documents' titles ("cases.doc.agreement") and their fields' labels
// ("cases.doc.agreement.facts").
var _ = i18n.Family("cases.doc.", docLabelKeys()...)

func docLabelKeys() []string {
	var out []string
	for kind, fields := range DocFields {
		out = append(out, kind)
		for _, f := range fields {
			out = append(out, kind+"."+f.Key)
		}
	}
	return out
}

// Document is a printed document kept with its case.
type Document struct {
	ID        int64
	Kind      string
	Content   map[string]string
	CreatedAt int64
	UpdatedAt int64
}

// Get returns a field's value, for templates.
func (d *Document) Get(key string) string {
	if d == nil {
		return ""
	}
	return d.Content[key]
}

// Date returns a date field as documents print it: 2026年12月10日.
func (d *Document) Date(key string) string { return locale.DocumentDate(d.Get(key)) }

// numberedDocs are the documents numbered per community and year when first
// issued, with the message that writes the number (〔2026〕整改字第 3 号).
var numberedDocs = map[string]string{DocNotice: "cases.notice_number"}

// numberDocument gives a document of a numbered kind, issued in tx, the next
// number of its community and year (the year of its date, issued_on, else
// today's): the counter row is raised by one upsert, which holds its lock
// until tx ends, so two issues at once get different numbers and a rolled
// back issue gives its number back.
func numberDocument(ctx context.Context, tx *db.Tx, community int64, kind string, content map[string]string) error {
	format, ok := numberedDocs[kind]
	if !ok || content["number"] != "" {
		return nil
	}
	year := time.Now().In(locale.Zone).Year()
	if t, err := time.Parse(time.DateOnly, content["issued_on"]); err == nil {
		year = t.Year()
	}
	var n int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO case_doc_counter (community_id, year, kind, last) VALUES (?, ?, ?, 1)
		ON CONFLICT (community_id, year, kind) DO UPDATE SET last = case_doc_counter.last + 1 RETURNING last`, community, year, kind).Scan(&n); err != nil {
		return err
	}
	content["number"] = i18n.T(format, "year", year, "n", n)
	return nil
}

func (s *Service) document(ctx context.Context, community, caseID int64, kind string) (*Document, error) {
	d := &Document{Kind: kind}
	var content string
	err := s.DB.QueryRowContext(ctx, `SELECT id, content, created_at, updated_at FROM case_document WHERE community_id = ? AND case_id = ? AND kind = ?`, community, caseID, kind).
		Scan(&d.ID, &content, &d.CreatedAt, &d.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d.Content = map[string]string{}
	_ = json.Unmarshal([]byte(content), &d.Content)
	return d, nil
}

// Document returns a case's document of kind (nil when not written yet).
func (s *Service) Document(ctx context.Context, p *auth.Principal, caseID int64, kind string) (*Case, *Document, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, nil, err
	}
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return nil, nil, err
	}
	if c.Type == nil || !c.Type.HasDocument(kind) {
		return nil, nil, auth.ErrNotFound
	}
	d, err := s.document(ctx, c.CommunityID, c.ID, kind)
	return c, d, err
}

// DocumentDefaults proposes values for a document not written yet.
func (s *Service) DocumentDefaults(ctx context.Context, c *Case, kind string) map[string]string {
	today := time.Now().In(locale.Zone).Format(time.DateOnly)
	out := map[string]string{}
	switch kind {
	case DocAgreement:
		out["number"] = fmt.Sprintf("%s调字第%d号", time.Now().In(locale.Zone).Format("2006"), c.ID)
		out["committee"] = c.CommunityName + "人民调解委员会"
		out["facts"] = c.Description
		out["made_on"] = today
		out["place"] = c.CommunityName
	case DocNotice:
		// The number is given when the notice is first saved (numberDocument).
		out["address"] = c.Location
		out["problems"] = c.Description
		out["issuer"] = c.CommunityName + "居民委员会"
		out["issued_on"] = today
		if cal, err := s.cal(ctx); err == nil && c.Type != nil {
			_, resolve := c.Type.Limits(c.Category)
			out["deadline"] = cal.Add(time.Now(), resolve).In(locale.Zone).Format(time.DateOnly)
		}
	}
	return out
}

// SaveDocument writes (or rewrites) a case's document while the case is open.
func (s *Service) SaveDocument(ctx context.Context, p *auth.Principal, caseID int64, kind string, values map[string]string) error {
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return err
	}
	if err := mayWork(p, c); err != nil {
		return err
	}
	if c.Type == nil || !c.Type.HasDocument(kind) {
		return auth.ErrNotFound
	}
	if !c.Open() {
		return conflict("cases.closed_no_change")
	}
	errs := &i18n.Errors{}
	content := map[string]string{}
	for _, f := range DocFields[kind] {
		if f.Auto {
			continue
		}
		v := strings.TrimSpace(values[f.Key])
		if f.Required && !errs.Required(f.Key, f.Label(kind), v) {
			continue
		}
		if f.Type == "date" && v != "" {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				errs.Add(f.Key, "err.invalid_date", "field", f.Label(kind))
				continue
			}
		}
		if f.Max > 0 {
			errs.MaxLen(f.Key, f.Label(kind), v, f.Max)
		}
		content[f.Key] = v
	}
	if kind == DocNotice && content["deadline"] != "" && content["issued_on"] != "" && content["deadline"] < content["issued_on"] {
		errs.Add("deadline", "err.date_order", "field", i18n.T("cases.doc.notice.deadline"), "other", i18n.T("cases.doc.notice.issued_on"))
	}
	if kind == DocAgreement && content["perform_by"] != "" && content["made_on"] != "" && content["perform_by"] < content["made_on"] {
		errs.Add("perform_by", "err.date_order", "field", i18n.T("cases.doc.agreement.perform_by"), "other", i18n.T("cases.doc.agreement.made_on"))
	}
	if errs.Any() {
		return errs
	}
	if _, numbered := numberedDocs[kind]; !numbered && content["number"] == "" {
		content["number"] = s.DocumentDefaults(ctx, c, kind)["number"]
	}
	now := db.Now()
	return s.inTx(ctx, func(tx *db.Tx) error {
		if _, numbered := numberedDocs[kind]; numbered {
			// A notice keeps the number it was issued with, however often
			// it is corrected and printed again.
			var old string
			err := tx.QueryRowContext(ctx, `SELECT content FROM case_document WHERE community_id = ? AND case_id = ? AND kind = ?`, c.CommunityID, c.ID, kind).Scan(&old)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			prev := map[string]string{}
			_ = json.Unmarshal([]byte(old), &prev)
			content["number"] = prev["number"]
		}
		res, err := tx.ExecContext(ctx, `UPDATE case_document SET content = ?, updated_at = ? WHERE community_id = ? AND case_id = ? AND kind = ?`, jsonString(content), now, c.CommunityID, c.ID, kind)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if err := numberDocument(ctx, tx, c.CommunityID, kind, content); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_document (case_id, community_id, kind, content, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				c.ID, c.CommunityID, kind, jsonString(content), now, nullInt(p.UserID), now); err != nil {
				return err
			}
		}
		if _, err := insertEvent(ctx, tx, event{caseID: c.ID, community: c.CommunityID, at: now, actor: p, kind: "document",
			data: map[string]any{"label": i18n.T("cases.doc." + kind)}}); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "case.document", "case", c.ID, c.CommunityID, audit.Success).WithDetail(map[string]any{"kind": kind}))
	})
}

// Session is one mediation session.
type Session struct {
	ID           int64
	HeldOn       string
	Place        string
	Mediators    string
	Participants string
	Notes        string
	CreatedAt    int64
}

// Sessions lists a dispute's mediation sessions.
func (s *Service) Sessions(ctx context.Context, p *auth.Principal, caseID int64) ([]Session, error) {
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, held_on, place, mediators, participants, notes, created_at FROM case_session WHERE community_id = ? AND case_id = ? ORDER BY held_on, id`, c.CommunityID, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var x Session
		if err := rows.Scan(&x.ID, &x.HeldOn, &x.Place, &x.Mediators, &x.Participants, &x.Notes, &x.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// AddSession records a mediation session while the dispute is being mediated.
func (s *Service) AddSession(ctx context.Context, p *auth.Principal, caseID int64, in Session) error {
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return err
	}
	if err := mayWork(p, c); err != nil {
		return err
	}
	st, ok := c.Type.Stage(c.Stage)
	if !ok || !st.Sessions || !c.Open() {
		return conflict("cases.no_sessions_now", "stage", c.StageName())
	}
	in.HeldOn, in.Place, in.Mediators, in.Participants, in.Notes = strings.TrimSpace(in.HeldOn), strings.TrimSpace(in.Place), strings.TrimSpace(in.Mediators), strings.TrimSpace(in.Participants), strings.TrimSpace(in.Notes)
	errs := &i18n.Errors{}
	if errs.Required("held_on", i18n.T("cases.session_on"), in.HeldOn) {
		if _, err := time.Parse(time.DateOnly, in.HeldOn); err != nil {
			errs.Add("held_on", "err.invalid_date", "field", i18n.T("cases.session_on"))
		}
	}
	if errs.Required("mediators", i18n.T("cases.session_mediators"), in.Mediators) {
		errs.MaxLen("mediators", i18n.T("cases.session_mediators"), in.Mediators, 100)
	}
	errs.MaxLen("participants", i18n.T("cases.session_participants"), in.Participants, 500)
	errs.MaxLen("place", i18n.T("cases.session_place"), in.Place, 100)
	if errs.Required("notes", i18n.T("cases.session_notes"), in.Notes) {
		errs.MaxLen("notes", i18n.T("cases.session_notes"), in.Notes, 8000)
	}
	if errs.Any() {
		return errs
	}
	now := db.Now()
	return s.inTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_session (case_id, community_id, held_on, place, mediators, participants, notes, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.CommunityID, in.HeldOn, in.Place, in.Mediators, in.Participants, in.Notes, now, nullInt(p.UserID)); err != nil {
			return err
		}
		if _, err := insertEvent(ctx, tx, event{caseID: c.ID, community: c.CommunityID, at: now, actor: p, kind: "session", note: in.Notes,
			data: map[string]any{"label": in.HeldOn}}); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "case.session", "case", c.ID, c.CommunityID, audit.Success).WithDetail(map[string]any{"held_on": in.HeldOn}))
	})
}

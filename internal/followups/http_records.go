package followups

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/org"
	"linli/internal/web"
)

// recordRoutes: one record's page, a finding of it made a case, and the
// records of a month as an .xlsx.
func (s *Service) recordRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/followups/records/export", PermRead, "", h.recordsExport)
	srv.Page("GET", "/followups/records/{id}", PermRead, "fu_record", h.recordView)
	srv.Page("GET", "/followups/records/{id}/case", PermRecord, "fu_record", h.findingCasePage)
	srv.Page("POST", "/followups/records/{id}/case", PermRecord, "fu_record", h.findingCase)
}

// readFindings reads the record form's checklist answers (item_N, its note
// item_note_N), a screening's answer (found) and matters found (matter).
func readFindings(r *http.Request, in *RecordInput) {
	for k, v := range r.PostForm {
		seqText, ok := strings.CutPrefix(k, "item_")
		if !ok || strings.HasPrefix(seqText, "note_") || len(v) == 0 {
			continue
		}
		seq, err := strconv.Atoi(seqText)
		if err != nil {
			continue
		}
		in.Items = append(in.Items, ItemAnswer{Seq: seq, Result: v[0], Note: r.PostFormValue("item_note_" + seqText)})
	}
	in.Found = r.PostFormValue("found")
	in.Matters = r.PostForm["matter"]
	if in.Found == FoundNone && strings.TrimSpace(in.Way) == "" {
		// 零报告 is one tap: the screening was made where the worker is.
		in.Way = "onsite"
	}
}

// checklistOf is the record form's checklist of a duty's rule.
func checklistOf(r *Rule) []RecordItem {
	if r == nil {
		return nil
	}
	out := make([]RecordItem, len(r.Checklist))
	for i, it := range r.Checklist {
		out[i] = RecordItem{Seq: i + 1, Item: it}
	}
	return out
}

type recordViewData struct {
	Record   *Record
	Rule     *Rule
	GridName string
	Fields   []string
	Findings []Finding
	Cases    []CaseRef
	CanCase  bool
}

// recordView shows one record: what was done, found and needed, and the
// cases made from it.
func (h *handlers) recordView(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := h.s.GetRecord(ctx, p, id)
	if err != nil {
		return err
	}
	d := recordViewData{Record: rec, Fields: RecordFields}
	if d.Rule, err = h.s.GetRule(ctx, p, rec.RuleID); err != nil && !errors.Is(err, auth.ErrNotFound) {
		return err
	}
	if g, ok := h.s.Org.Lookup(ctx, rec.GridID); ok {
		d.GridName = g.Name
	}
	if err := h.s.authorNames(ctx, []*Record{rec}, map[int64]string{}); err != nil {
		return err
	}
	if d.Findings, err = h.s.Findings(ctx, rec); err != nil {
		return err
	}
	if d.Cases, err = h.s.LinkedCases(ctx, p, rec); err != nil {
		return err
	}
	if p.Can(PermRecord) && len(d.Findings) > 0 {
		types, err := h.s.CaseTypes(ctx, p)
		if err != nil {
			return err
		}
		d.CanCase = len(types) > 0
	}
	title := rec.HappenedOn + " " + i18n.T("followups.kind."+rec.Kind) + " · " + rec.SubjectName
	return h.srv.Render(w, r, "followups/record_view.html", web.View{Title: title, ActiveNav: "/followups", Data: d})
}

type findingCaseData struct {
	Record   *Record
	Finding  Finding
	Types    []CaseType
	Existing int64 // the case already made from the finding
}

// caseForm is the values of the case form of a finding.
func caseForm(typ, category, title, description string) url.Values {
	return url.Values{"tc": {typ + "/" + category}, "title": {title}, "description": {description}}
}

func (h *handlers) findingCaseData(r *http.Request, p *auth.Principal) (findingCaseData, error) {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		return findingCaseData{}, err
	}
	rec, err := h.s.GetRecord(ctx, p, id)
	if err != nil {
		return findingCaseData{}, err
	}
	key := r.FormValue("finding")
	f, ok, err := h.s.Finding(ctx, rec, key)
	if err != nil {
		return findingCaseData{}, err
	}
	if !ok {
		return findingCaseData{}, auth.ErrNotFound
	}
	d := findingCaseData{Record: rec, Finding: f, Existing: f.CaseID}
	if d.Types, err = h.s.CaseTypes(ctx, p); err != nil {
		return findingCaseData{}, err
	}
	if len(d.Types) == 0 {
		return findingCaseData{}, auth.ErrForbidden
	}
	return d, nil
}

// findingCasePage is the prefilled case form of one finding (?finding=):
// one tap more opens it.
func (h *handlers) findingCasePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.findingCaseData(r, p)
	if err != nil {
		return err
	}
	form := caseForm(FindingCaseDraft(d.Record, d.Finding, d.Types))
	form.Set("finding", d.Finding.Key)
	return h.srv.Render(w, r, "followups/record_case.html", web.View{Title: i18n.T("followups.to_case"), ActiveNav: "/followups", Data: d, Form: form})
}

func (h *handlers) findingCase(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	d, err := h.findingCaseData(r, p)
	if err != nil {
		return err
	}
	typ, category, _ := strings.Cut(r.PostFormValue("tc"), "/")
	caseID, existing, err := h.s.CaseFromFinding(ctx, p, d.Record.ID, d.Finding.Key, CaseInput{Type: typ, Category: category,
		Title: r.PostFormValue("title"), Description: r.PostFormValue("description")})
	var verrs *i18n.Errors
	switch {
	case errors.As(err, &verrs):
		// The case form names type and category in one choice.
		if m := verrs.For("type") + verrs.For("category"); m != "" {
			verrs.Add("tc", "err.choice", "field", i18n.T("followups.case_type"))
		}
		return h.srv.RenderStatus(w, r, http.StatusUnprocessableEntity, "followups/record_case.html",
			web.View{Title: i18n.T("followups.to_case"), ActiveNav: "/followups", Data: d, Form: r.PostForm, Errors: verrs})
	case err != nil:
		return err
	case existing:
		d.Existing = caseID
		return h.srv.RenderStatus(w, r, http.StatusConflict, "followups/record_case.html",
			web.View{Title: i18n.T("followups.to_case"), ActiveNav: "/followups", Data: d, Form: r.PostForm})
	}
	return h.srv.Redirect(w, r, "/followups/records/"+itoa(d.Record.ID), i18n.T("followups.case_made"))
}

// exportFilter reads the export's filters; a grid given as ?org= (the
// rates page's unit) counts when it is a grid.
func (h *handlers) exportFilter(r *http.Request) ExportFilter {
	q := r.URL.Query()
	f := ExportFilter{Month: q.Get("month"), GridID: queryInt(r, "grid"), RuleID: queryInt(r, "rule"), Kind: q.Get("kind")}
	if f.GridID == 0 {
		if u, ok := h.s.Org.Lookup(r.Context(), queryInt(r, "org")); ok && u.Level == org.Grid {
			f.GridID = u.ID
		}
	}
	return f
}

// recordsExport writes a month's records as .xlsx, streamed row by row: the
// subject as lists name it (never an ID number), the checklist's results and
// the matters found in one column.
func (h *handlers) recordsExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	f := h.exportFilter(r)
	month := f.Month
	if month == "" {
		month = h.s.Today()[:7]
	}
	var xw *importexport.Writer
	rules := map[int64]string{}
	if list, err := h.s.ListRules(ctx, p); err == nil {
		for _, ru := range list {
			rules[ru.ID] = ru.Name
		}
	}
	yes, no := i18n.T("followups.yes"), i18n.T("followups.no")
	yn := func(b bool) string {
		if b {
			return yes
		}
		return no
	}
	_, err := h.s.ExportRecords(ctx, p, f, func(rec *Record) error {
		if xw == nil {
			// The sheet starts with the first record: a refusal or bad
			// month before it is still a page, not a broken file.
			var err error
			if xw, err = h.startExport(w, p, month); err != nil {
				return err
			}
		}
		grid := ""
		if g, ok := h.s.Org.Lookup(ctx, rec.GridID); ok {
			grid = g.Name
		}
		zero := ""
		if rec.Kind == KindScreening {
			zero = yn(rec.ZeroReport)
		}
		way := rec.Way
		if oneOf(way, Ways) {
			way = i18n.T("followups.way." + way)
		}
		return xw.Write(time.UnixMilli(rec.HappenedAt).In(web.Local).Format("2006-01-02 15:04"), i18n.T("followups.kind."+rec.Kind), rules[rec.RuleID],
			rec.SubjectName, grid, way, rec.DueOn, yn(rec.OnTime), rec.Met, rec.Note, rec.ItemsText(), zero, rec.Needs, rec.CreatedByName)
	})
	if err != nil {
		if xw != nil {
			// Half a file already went out: nothing better to say.
			_ = xw.Close()
		}
		return err
	}
	if xw == nil {
		if xw, err = h.startExport(w, p, month); err != nil {
			return err
		}
	}
	return xw.Close()
}

func (h *handlers) startExport(w http.ResponseWriter, p *auth.Principal, month string) (*importexport.Writer, error) {
	headers := []string{i18n.T("followups.happened_at"), i18n.T("followups.kind"), i18n.T("followups.rule_name"), i18n.T("followups.subject"),
		i18n.T("followups.grid"), i18n.T("followups.way"), i18n.T("followups.due_on"), i18n.T("followups.export_on_time"), i18n.T("followups.field_met"),
		i18n.T("followups.field_note"), i18n.T("followups.export_items"), i18n.T("followups.export_zero_report"), i18n.T("followups.field_needs"),
		i18n.T("followups.export_by")}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(i18n.T("followups.export_file", "month", month)+".xlsx"))
	return importexport.NewWriter(w, importexport.Meta{Title: i18n.T("followups.export_title"), ExportedBy: p.DisplayName + "（" + p.Username + "）",
		ExportedAt: time.Now().In(web.Local), Masked: true, Filter: month}, headers)
}

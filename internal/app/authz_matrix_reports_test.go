package app_test

import (
	"fmt"
	"time"

	"linli/internal/apptest"
	"linli/internal/locale"
)

// Reports (报表与上报): a community's leaders fill and submit their own
// community's reports; the street reads them all, reviews the submitted ones,
// reads the street's report and keeps the forms.
var (
	rpReaders = []string{"street_admin", "community_admin", "community_admin_c2"}
	rpStreet  = []string{"street_admin"}
)

func init() {
	month := func() string { return time.Now().In(locale.Zone).AddDate(0, -2, 0).Format("2006-01") }
	reportState := func(state string) func(p proofArgs) error {
		return func(p proofArgs) error {
			return want(p.count(`SELECT COUNT(*) FROM report WHERE id = ? AND state = ?`, p.id, state) == 1, "the report is not %s", state)
		}
	}
	addMatrix(map[string]matrixEntry{
		"GET /reports/assets/reports.css": {skip: "public stylesheet"},
		"GET /reports":                    {allow: rpReaders},
		"GET /api/v1/reports":             {allow: rpReaders},
		"GET /reports/summary":            {allow: rpStreet},
		"GET /reports/{id}":               {allow: rpReaders, kind: "report", reach: reachCommunity},
		"GET /api/v1/reports/{id}":        {allow: rpReaders, kind: "report", reach: reachCommunity},
		"GET /reports/{id}/print":         {allow: rpReaders, kind: "report", reach: reachCommunity},
		"GET /reports/{id}/export":        {allow: rpReaders, kind: "report", reach: reachCommunity},
		"GET /reports/{id}/edit":          {allow: rpReaders, kind: "report", reach: reachCommunity},
		"GET /reports/{id}/submit":        {allow: rpReaders, kind: "report", reach: reachCommunity},
		"GET /reports/{id}/return":        {allow: rpStreet, kind: "report_submitted", reach: reachCommunity},
		"GET /reports/{id}/approve":       {allow: rpStreet, kind: "report_submitted", reach: reachCommunity},
		"GET /report-forms":               {allow: rpStreet},
		"GET /report-forms/new":           {allow: rpStreet},
		"GET /report-forms/{id}":          {allow: rpStreet, kind: "report_form", reach: reachAll},

		// Opening a period's report: an earlier month, not yet opened.
		"POST /reports": {allow: rpReaders, scopedBody: true, reach: reachCommunity, audit: "reports.open", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("form_id=%d&org=%d&period=%s", w.Objects["report_form"][apptest.InA], community(w, wh), month())
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM report WHERE community_id = ? AND period = ? AND state = 'draft'`, community(p.w, p.wh), month()) == 1,
					"no draft of %s", month())
			}},
		"POST /reports/{id}/edit": {allow: rpReaders, kind: "report", reach: reachCommunity, audit: "reports.save", body: form("field.1=7&remarks=矩阵备注"),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM report WHERE id = ? AND remarks = '矩阵备注'`, p.id) == 1, "the remarks were not saved")
			}},
		"POST /reports/{id}/submit": {allow: rpReaders, kind: "report", reach: reachCommunity, audit: "reports.submit", proof: reportState("submitted")},
		"POST /reports/{id}/return": {allow: rpStreet, kind: "report_submitted", reach: reachCommunity, audit: "reports.return", body: form("comment=矩阵退回"),
			proof: reportState("returned")},
		"POST /reports/{id}/approve": {allow: rpStreet, kind: "report_submitted", reach: reachCommunity, audit: "reports.approve",
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM report WHERE id = ? AND state = 'approved' AND snapshot <> '' AND computed_at > 0`, p.id) == 1, "no snapshot")
			}},
		"POST /report-forms": {allow: rpStreet, audit: "reports.form_save", auditOther: true,
			body: func(w *apptest.World, _ apptest.Where) string {
				return fmt.Sprintf("street_id=%d&name=矩阵季报&period=quarterly&due_day=10&indicators=cases.received&active=1", w.Street)
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM report_form WHERE name = '矩阵季报' AND community_id = ?`, p.w.Street) == 1, "no form")
			}},
		"POST /report-forms/{id}": {allow: rpStreet, kind: "report_form", reach: reachAll, audit: "reports.form_save",
			body: func(w *apptest.World, _ apptest.Where) string {
				return fmt.Sprintf("street_id=%d&name=改名月报&period=monthly&due_day=8&fields=走访户数|户|数字&active=1", w.Street)
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM report_form WHERE id = ? AND name = '改名月报' AND due_day = 8`, p.id) == 1, "the form did not change")
			}},
	})
}

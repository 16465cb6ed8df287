package app_test

import (
	"fmt"
	"strings"

	"linli/internal/apptest"
)

// The cases module: staff pages, the resident portal, the JSON API, Open311,
// and the system administrator's case types and working-day calendar.

// caseReaders see cases (volunteers only those they reported) and report them.
var caseReaders = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker", "volunteer"}

// caseWorkers work cases in their scope.
var caseWorkers = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker"}

// communityLevel may act on a case the community holds (the fixture requests):
// a grid worker may not unless it is assigned to them.
var communityLevel = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker"}

// safetyWorkers work disputes (综治) and hazards (安全): the fixture social
// worker is of 民政, so not them.
var safetyWorkers = []string{"street_admin", "community_admin", "community_admin_c2", "grid_worker"}

var statsReaders = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker"}

// ownRequest: in A the resident's own request; in B and D other people's.
func ownRequest(user string, wh apptest.Where) bool { return user == "resident" && wh == apptest.InA }

func noBody(*apptest.World, apptest.Where) string { return "" }

func init() {
	form := func(s string) func(*apptest.World, apptest.Where) string {
		return func(*apptest.World, apptest.Where) string { return s }
	}
	sysOnly := []string{"sys_admin"}
	addMatrix(map[string]matrixEntry{
		"GET /cases/assets/cases.css": {skip: "public stylesheet"},

		"GET /cases":                  {allow: caseReaders},
		"GET /cases/all":              {allow: caseReaders},
		"GET /cases/export":           {allow: caseWorkers},
		"GET /cases/new":              {allow: caseReaders},
		"GET /cases/report":           {allow: caseReaders},
		"POST /cases/alerts/read":     {allow: caseWorkers, audit: "case.alerts_read", auditOther: true},
		"GET /cases/stats":            {allow: statsReaders},
		"GET /cases/stats/export":     {allow: statsReaders},
		"GET /api/v1/case-types":      {allow: caseReaders},
		"GET /api/v1/cases":           {allow: caseReaders},
		"GET /api/v1/cases/mywork":    {allow: caseReaders},
		"GET /api/v1/cases/stats":     {allow: statsReaders},
		"GET /admin/case-types":       {allow: sysOnly, reach: reachAll},
		"GET /admin/calendar":         {allow: sysOnly, reach: reachAll},
		"POST /admin/case-types":      {allow: sysOnly, body: form("type=request&mode=reset"), audit: "case_type.reset"},
		"POST /admin/calendar":        {allow: sysOnly, body: form("date=2027-01-06&kind=holiday&name=测试"), audit: "calendar.set"},
		"POST /admin/calendar/delete": {allow: sysOnly, body: form("date=2025-01-01"), audit: "calendar.delete"},
		"POST /admin/calendar/hours":  {allow: sysOnly, body: form("start=08:30&end=17:30"), audit: "calendar.hours"},
		"POST /cases": {allow: caseReaders, scopedBody: true, audit: "case.create", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("type=grid_event&category=facility&title=新事件&grid_id=%d", grid(w, wh))
		}},
		"POST /api/v1/cases": {allow: caseReaders, scopedBody: true, audit: "case.create", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf(`{"type":"grid_event","category":"facility","title":"新事件","grid_id":%d}`, grid(w, wh))
		}},

		// One case: the fixture requests are held by the community.
		"GET /cases/{id}":                     {allow: caseWorkers, kind: "case"},
		"GET /api/v1/cases/{id}":              {allow: caseWorkers, kind: "case"},
		"GET /case-files/{id}":                {allow: append([]string{"resident"}, caseWorkers...), kind: "case_file", reach: staffReach},
		"POST /cases/{id}/transition":         {allow: communityLevel, kind: "case", body: form("action=accept"), audit: "case.transition", proof: caseStage("accepted")},
		"POST /api/v1/cases/{id}/transitions": {allow: communityLevel, kind: "case", body: form(`{"action":"accept"}`), audit: "case.transition", proof: caseStage("accepted")},
		"POST /cases/{id}/comment":            {allow: caseWorkers, kind: "case", body: form("note=已电话联系"), audit: "case.comment"},
		"POST /api/v1/cases/{id}/comments":    {allow: caseWorkers, kind: "case", body: form(`{"note":"已电话联系"}`), audit: "case.comment"},
		"POST /cases/{id}/escalate":           {allow: communityLevel, kind: "case", body: form("reason=疑难问题"), audit: "case.escalate"},
		"POST /cases/{id}/merge": {allow: communityWriters, kind: "case", audit: "case.merge", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("into=%d", w.Objects["case_duplicate"][wh])
		}},
		"POST /cases/{id}/reveal": {allow: caseWorkers, kind: "case", audit: "case.reveal_phone", proof: func(p proofArgs) error {
			return want(strings.Contains(p.body, "13800138000"), "the page does not show the full phone number")
		}},
		"POST /cases/{id}/links": {allow: communityLevel, kind: "case", audit: "case.link", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("kind=dwelling&ref_id=%d", w.Objects["empty_dwelling"][wh])
		}},
		"POST /cases/{id}/links/delete": {allow: communityLevel, kind: "case", audit: "case.unlink", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("link_id=%d", w.Objects["case_link"][wh])
		}},

		// Disputes and hazards: 综治 and 安全 work.
		"POST /cases/{id}/parties": {allow: safetyWorkers, kind: "case_dispute", body: form("role=respondent&name=王五"), audit: "case.party_add"},
		"POST /cases/{id}/parties/delete": {allow: safetyWorkers, kind: "case_dispute", audit: "case.party_remove", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("party_id=%d", w.Objects["case_party"][wh])
		}},
		"POST /cases/{id}/sessions":      {allow: safetyWorkers, kind: "case_dispute", body: form("held_on=2026-03-01&mediators=调解员&notes=双方到场"), audit: "case.session"},
		"GET /cases/{id}/agreement":      {allow: safetyWorkers, kind: "case_dispute"},
		"GET /cases/{id}/agreement/edit": {allow: safetyWorkers, kind: "case_dispute"},
		"POST /cases/{id}/agreement": {allow: safetyWorkers, kind: "case_dispute", audit: "case.document",
			body: form("committee=调委会&facts=漏水&terms=修好并赔偿&performance=当场履行&perform_by=2026-04-01&mediators=调解员&made_on=2026-03-01")},
		"GET /cases/{id}/notice":      {allow: safetyWorkers, kind: "case_hazard"},
		"GET /cases/{id}/notice/edit": {allow: safetyWorkers, kind: "case_hazard"},
		"POST /cases/{id}/notice": {allow: safetyWorkers, kind: "case_hazard", audit: "case.document",
			body: form("target=业主&problems=堆物&requirements=清理&deadline=2026-04-01&issuer=居委会&issued_on=2026-03-01")},

		// The portal: a resident reaches only their own request.
		"GET /portal/requests":     {allow: []string{"resident"}},
		"GET /portal/requests/new": {allow: []string{"resident"}},
		"POST /portal/requests": {allow: []string{"resident"}, audit: "case.create", body: func(w *apptest.World, _ apptest.Where) string {
			return fmt.Sprintf("community_id=%d&category=repair&title=新诉求", w.C1)
		}},
		"GET /portal/requests/{id}":          {allow: []string{"resident"}, kind: "case_own", reach: ownRequest},
		"POST /portal/requests/{id}/rate":    {allow: []string{"resident"}, kind: "case_own", reach: ownRequest, body: form("rating=satisfied"), audit: "case.transition", proof: caseStage("closed")},
		"POST /portal/requests/{id}/comment": {allow: []string{"resident"}, kind: "case_own", reach: ownRequest, body: form("note=补充说明"), audit: "case.comment"},

		// Open311: the service list is public; everything else takes an API token
		// in api_key, which no matrix account sends, so all are refused here (the
		// token paths are tested in the cases package).
		"GET /open311/v2/services.json":  {skip: "public Open311 service list"},
		"GET /open311/v2/services.xml":   {skip: "public Open311 service list"},
		"GET /open311/v2/requests.json":  {kind: "", body: noBody},
		"GET /open311/v2/requests.xml":   {kind: "", body: noBody},
		"POST /open311/v2/requests.json": {body: form("service_code=request.noise&description=噪音")},
		"POST /open311/v2/requests.xml":  {body: form("service_code=request.noise&description=噪音")},
		"GET /open311/v2/requests/{id}":  {kind: "case"},
	})
}

// staffReach: files of the fixture requests reach the staff who see the request
// (not the volunteer, who did not report it, nor the resident).
func staffReach(user string, wh apptest.Where) bool {
	return user != "volunteer" && user != "resident" && apptest.Reaches(user, wh)
}

// caseStage: the case of the route is now at stage.
func caseStage(stage string) func(p proofArgs) error {
	return func(p proofArgs) error {
		return want(p.count(`SELECT COUNT(*) FROM cases WHERE id = ? AND stage = ?`, p.id, stage) == 1, "the case is not at stage %s", stage)
	}
}

package app_test

import (
	"fmt"

	"linli/internal/apptest"
)

// The follow-up pages: the due list, the overview, a duty and its record
// form, the rules. (The JSON API's entries are in their own file.)

// fuReaders read and record follow-ups in their scope.
var fuReaders = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker"}

// fuKeepers keep the rules of the street or communities they hold.
var fuKeepers = []string{"street_admin", "community_admin", "community_admin_c2"}

func init() {
	addMatrix(map[string]matrixEntry{
		"GET /followups/assets/followups.css":        {skip: "public stylesheet"},
		"GET /followups/assets/followups-offline.js": {skip: "public script"},
		"GET /followups/sw.js":                       {skip: "public service worker script"},

		"GET /followups":                    {allow: fuReaders},
		"GET /followups/all":                {allow: fuReaders},
		"GET /followups/rules":              {allow: fuReaders},
		"GET /followups/stats":              {allow: fuReaders},
		"GET /followups/stats/export":       {allow: fuReaders},
		"GET /api/v1/followups/rates":       {allow: fuReaders},
		"GET /followups/duties/{id}":        {allow: fuReaders, kind: "fu_duty"},
		"GET /followups/duties/{id}/record": {allow: fuReaders, kind: "fu_duty"},
		"POST /followups/duties/{id}/record": {allow: fuReaders, kind: "fu_duty", audit: "followups.record", auditOther: true,
			body: form("way=phone&met=本人&note=矩阵电话走访&field_health=良好&key=matrix-key-1"),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM fu_record WHERE duty_id = ? AND note = '矩阵电话走访' AND way = 'phone'`, p.id) == 1,
					"no record of the duty with the note posted")
			}},
		// A record, a finding of it (the fixture visit's needs) made a case,
		// and the month's records as .xlsx.
		"GET /followups/records/export":    {allow: fuReaders},
		"GET /followups/records/{id}":      {allow: fuReaders, kind: "fu_record"},
		"GET /followups/records/{id}/case": {allow: fuReaders, kind: "fu_record", query: func(*apptest.World, apptest.Where) string { return "?finding=needs" }},
		"POST /followups/records/{id}/case": {allow: fuReaders, kind: "fu_record", audit: "followups.record_case",
			body: form("finding=needs&tc=request/repair&title=矩阵走访转事件&description=矩阵"),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM case_link l JOIN cases c ON c.community_id = l.community_id AND c.id = l.case_id
					WHERE l.kind = 'fu_record' AND l.ref_id = ? AND c.title = '矩阵走访转事件'`, p.id) == 1, "no case of the record's needs linked to it")
			}},
		"GET /followups/rules/new":                 {allow: fuKeepers},
		"GET /followups/records/{id}/photos/{seq}": {allow: fuReaders, kind: "fu_record", params: map[string]string{"seq": "1"}},
		"POST /followups/rules/new": {allow: fuKeepers, scopedBody: true, reach: reachCommunity, audit: "followups.rule_create", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("org_id=%d&name=矩阵网格巡查&kind=inspection&subject=grid&every=1&unit=week&assign=grid_worker&escalate_after=2", community(w, wh))
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM fu_rule WHERE name = '矩阵网格巡查' AND org_id = ?`, community(p.w, p.wh)) == 1, "no rule of the community")
			}},
		"GET /followups/rules/{id}/edit": {allow: fuKeepers, kind: "fu_rule"},
		"POST /followups/rules/{id}/edit": {allow: fuKeepers, kind: "fu_rule", audit: "followups.rule_update",
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("name=矩阵改名检查&kind=inspection&subjects=%d&every=2&unit=week&assign=grid_worker&escalate_after=5&active=1", w.Objects["building"][wh])
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM fu_rule WHERE id = ? AND name = '矩阵改名检查' AND every_n = 2 AND escalate_after = 5`, p.id) == 1, "the rule did not change")
			}},
	})
}

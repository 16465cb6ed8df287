package app_test

import (
	"fmt"

	"linli/internal/apptest"
)

// The street's topic and format lists (活动主题和形式): managers open the
// page (a community's staff see no list); only the street's staff, who hold
// it, change it.
func init() {
	addMatrix(map[string]matrixEntry{
		"GET /activities/terms": {allow: acManagers},
		"POST /activities/terms": {allow: acManagers, scopedBody: true, reach: func(user string, _ apptest.Where) bool { return user == "street_admin" },
			audit: "activities.term_add", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("street=%d&kind=topic&op=add&label=矩阵主题%d", w.Street, wh)
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM activity_term WHERE community_id = ? AND kind = 'topic' AND label = ?`, p.w.Street,
					fmt.Sprintf("矩阵主题%d", p.wh)) == 1, "no topic added")
			}},
	})
}

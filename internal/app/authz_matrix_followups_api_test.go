package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"linli/internal/apptest"
)

// The follow-ups JSON API. Duties and records of the 帮教 rule
// (fu_duty_sensitive, fu_record_sensitive) are only ever shown to those who
// may see the sensitive group: leakReach.

// followupReaders read and record follow-ups in their scope.
var followupReaders = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker"}

func init() {
	dutyAt := func(w *apptest.World, wh apptest.Where) int64 { return w.Objects["fu_duty"][wh] }
	addMatrix(map[string]matrixEntry{
		"GET /api/v1/followups/due":          {allow: followupReaders, query: func(*apptest.World, apptest.Where) string { return "?when=week" }},
		"GET /api/v1/followups/rules":        {allow: followupReaders},
		"GET /api/v1/followups/duties/{id}":  {allow: followupReaders, kind: "fu_duty"},
		"GET /api/v1/followups/records/{id}": {allow: followupReaders, kind: "fu_record"},
		"GET /api/v1/followups/records": {allow: followupReaders, scopedBody: true, query: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("?duty_id=%d", dutyAt(w, wh))
		}},
		// The duty is named in the body: one out of reach is a field error
		// (422 on duty_id), which the phone shows rather than retries.
		"POST /api/v1/followups/records": {allow: followupReaders, scopedBody: true, refusedInBody: http.StatusUnprocessableEntity, audit: "followups.record",
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf(`{"duty_id":%d,"way":"home","note":"矩阵走访","fields":{"health":"良好"}}`, dutyAt(w, wh))
			},
			proof: func(p proofArgs) error {
				var got struct{ ID int64 }
				if err := json.Unmarshal([]byte(p.body), &got); err != nil || got.ID == 0 {
					return fmt.Errorf("the answer %q names no record", p.body)
				}
				return want(p.count(`SELECT COUNT(*) FROM fu_record WHERE id = ? AND duty_id = ? AND created_by = ? AND note = '矩阵走访'`,
					got.ID, dutyAt(p.w, p.wh), p.w.Users[p.user]) == 1, "record %d of the duty by %s is not there", got.ID, p.user)
			}},
	})
}

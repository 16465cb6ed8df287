package app_test

import (
	"fmt"

	"linli/internal/apptest"
)

// The activity ledger import (导入活动台账): managers upload; the staged
// upload is its owner's.
func init() {
	addMatrix(map[string]matrixEntry{
		"GET /activities/ledger/import": {allow: acManagers},
		"POST /activities/ledger/import": {allow: acManagers, scopedBody: true, reach: reachCommunityStaff, audit: "import.upload",
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("community_id=%d", community(w, wh))
			},
			file: ledgerFile("活动台账.csv", "日期,活动名称,参加人次\n2025-05-01,矩阵活动,10\n")},
		"GET /activities/ledger/import/{id}":        {allow: []string{"community_admin"}, kind: "upload_activities", reach: ownUpload},
		"POST /activities/ledger/import/{id}/check": {allow: []string{"community_admin"}, kind: "upload_activities", reach: ownUpload, proof: checkedAgain},
		"POST /activities/ledger/import/{id}/commit": {allow: []string{"community_admin"}, kind: "upload_activities", reach: ownUpload, audit: "activities.import",
			auditOther: true, proof: func(p proofArgs) error {
				if err := uploadState("committed")(p); err != nil {
					return err
				}
				return want(p.count(`SELECT COUNT(*) FROM activity WHERE title = '矩阵导入讲座' AND status = 'summarised' AND walkins = 42 AND topic = 'law'`) == 1,
					"the ledger's activity is not there")
			}},
		"GET /activities/ledger/import/{id}/report":   {allow: []string{"community_admin"}, kind: "upload_activities", reach: ownUpload},
		"POST /activities/ledger/import/{id}/discard": {allow: []string{"community_admin"}, kind: "upload_activities", reach: ownUpload, audit: "import.discard", proof: uploadGone},
	})
}

package app_test

import (
	"fmt"

	"linli/internal/apptest"
)

// Visit and talk ledger imports: community-wide staff, on communities they
// wholly reach (grid workers record visit by visit); a staged file is its
// uploader's alone.
var followupImporters = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker"}

func init() {
	addMatrix(map[string]matrixEntry{
		"GET /followups/import": {allow: followupImporters},
		"POST /followups/import": {allow: followupImporters, scopedBody: true, reach: reachCommunityStaff, audit: "import.upload", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("community_id=%d", community(w, wh))
		}, file: ledgerFile("走访台账.csv", "姓名,走访日期,走访方式\n矩阵居民,2026-01-05,入户\n")},
		"GET /followups/import/{id}":          {allow: []string{"community_admin"}, kind: "upload_followups", reach: ownUpload},
		"POST /followups/import/{id}/check":   {allow: []string{"community_admin"}, kind: "upload_followups", reach: ownUpload, proof: checkedAgain},
		"POST /followups/import/{id}/commit":  {allow: []string{"community_admin"}, kind: "upload_followups", reach: ownUpload, audit: "followups.import", auditOther: true, proof: importedVisit},
		"GET /followups/import/{id}/report":   {allow: []string{"community_admin"}, kind: "upload_followups", reach: ownUpload},
		"POST /followups/import/{id}/discard": {allow: []string{"community_admin"}, kind: "upload_followups", reach: ownUpload, audit: "import.discard", proof: uploadGone},
	})
}

// importedVisit: the upload was committed and its visit is recorded.
func importedVisit(p proofArgs) error {
	if err := uploadState("committed")(p); err != nil {
		return err
	}
	return want(p.count(`SELECT COUNT(*) FROM fu_record WHERE note = '矩阵导入走访'`) == 1, "the ledger's visit is not recorded")
}

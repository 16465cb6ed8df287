package app_test

import (
	"fmt"

	"linli/internal/apptest"
)

// Resident ledger imports: registry importers, on communities they wholly reach;
// a staged file is its uploader's alone.
var registryImporters = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker"}

func init() {
	addMatrix(map[string]matrixEntry{
		// The export is asked for as CSV here so that the leak check can read it.
		"GET /registry/export": {allow: registryImporters, query: func(*apptest.World, apptest.Where) string { return "?format=csv" }},
		"GET /registry/import": {allow: registryImporters},
		"POST /registry/import": {allow: registryImporters, scopedBody: true, reach: reachCommunityStaff, audit: "import.upload", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("community_id=%d", community(w, wh))
		}, file: ledgerFile("花名册.csv", "姓名,与户主关系,小区,楼栋,房号\n矩阵居民,本人,小区甲苑,甲楼,105\n")},
		"GET /registry/import/{id}":          {allow: []string{"community_admin"}, kind: "upload_residents", reach: ownUpload},
		"POST /registry/import/{id}/check":   {allow: []string{"community_admin"}, kind: "upload_residents", reach: ownUpload, proof: checkedAgain},
		"POST /registry/import/{id}/commit":  {allow: []string{"community_admin"}, kind: "upload_residents", reach: ownUpload, audit: "registry.import", auditOther: true, proof: uploadState("committed")},
		"GET /registry/import/{id}/report":   {allow: []string{"community_admin"}, kind: "upload_residents", reach: ownUpload},
		"POST /registry/import/{id}/discard": {allow: []string{"community_admin"}, kind: "upload_residents", reach: ownUpload, audit: "import.discard", proof: uploadGone},
	})
}

// reachCommunityStaff: community-wide staff (leaders and social workers) reach
// their whole community.
func reachCommunityStaff(user string, wh apptest.Where) bool {
	return reachCommunity(user, wh) || (user == "social_worker" && wh != apptest.InD)
}

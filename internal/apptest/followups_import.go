package apptest

import (
	"context"
	"strings"
	"testing"
	"time"

	"linli/internal/followups"
)

// A visit ledger staged for import by the leader of community 1
// ("upload_followups"): one visit to the head of grid A's household, whose
// duty the follow-up fixtures made; checked among the write targets, so that
// the matrix may commit it.
func init() {
	Register(51, func(t testing.TB, w *World) {
		leader := w.Principal(t, "community_admin")
		day := time.Now().AddDate(0, 0, -3).Format("2006-01-02")
		up, err := w.App.Imports.Stage(context.Background(), leader, followups.Importer{S: w.App.Followups}, w.C1, "甲走访台账.csv",
			strings.NewReader("姓名,身份证号,走访日期,走访方式,走访情况\n居民甲户主,"+HeadIDNumber(InA)+","+day+",入户,矩阵导入走访\n"))
		if err != nil {
			t.Fatalf("fixture upload: %v", err)
		}
		w.Uploads["upload_followups"] = up
		w.Add("upload_followups", InA, 0, "甲走访台账.csv")
	})
	RegisterWriteTargets(51, func(t testing.TB, w *World) { w.checkUpload(t, "upload_followups") })
}

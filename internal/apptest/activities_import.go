package apptest

import (
	"context"
	"strings"
	"testing"
	"time"

	"linli/internal/activities"
)

// An activity ledger staged for import by the leader of community 1
// ("upload_activities"): one lecture held a week ago with its attendance;
// checked among the write targets, so that the matrix may commit it.
func init() {
	Register(77, func(t testing.TB, w *World) {
		leader := w.Principal(t, "community_admin")
		day := time.Now().AddDate(0, 0, -7).Format("2006-01-02")
		up, err := w.App.Imports.Stage(context.Background(), leader, activities.Importer{S: w.App.Activities}, w.C1, "甲活动台账.csv",
			strings.NewReader("日期,时间,活动名称,类别,形式,参加人次,小结\n"+day+",14:00-16:00,矩阵导入讲座,法律,讲座,42,矩阵导入小结\n"))
		if err != nil {
			t.Fatalf("fixture upload: %v", err)
		}
		w.Uploads["upload_activities"] = up
		w.Add("upload_activities", InA, 0, "甲活动台账.csv")
	})
	RegisterWriteTargets(77, func(t testing.TB, w *World) { w.checkUpload(t, "upload_activities") })
}

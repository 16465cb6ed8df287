package apptest

import (
	"context"
	"strings"
	"testing"

	"linli/internal/registry"
)

// A resident ledger staged for import by the leader of community 1.
func init() {
	Register(11, func(t testing.TB, w *World) {
		leader := w.Principal(t, "community_admin")
		up, err := w.App.Imports.Stage(context.Background(), leader, registry.Importer{S: w.App.Registry}, w.C1, "甲花名册.csv",
			strings.NewReader("姓名,身份证号,与户主关系,小区,楼栋,房号\n新居民,,本人,小区甲苑,甲楼,103\n"))
		if err != nil {
			t.Fatalf("fixture upload: %v", err)
		}
		w.Uploads["upload_residents"] = up
		w.Add("upload_residents", InA, 0, "甲花名册.csv")
	})
}

package registry_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"linli/internal/apptest"
	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/registry"
)

func TestExportIsMaskedScopedAndAudited(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		leader := w.Principal(t, "community_admin")
		var buf bytes.Buffer
		n, err := reg.Export(ctx, leader, registry.NewFilter(), "xlsx", false, "", &buf)
		if err != nil || n != 4 {
			t.Fatalf("export: %d %v", n, err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("Sheet1")
		if len(rows) != 6 || !strings.Contains(rows[0][0], "导出人") || !strings.Contains(rows[0][0], "脱敏") || rows[1][0] != "姓名" {
			t.Fatalf("export layout: %q", rows[:2])
		}
		all := ""
		for _, r := range rows[2:] {
			all += strings.Join(r, "|") + "\n"
		}
		if strings.Contains(all, "居民丁") || !strings.Contains(all, "110***********") || !strings.Contains(all, "138****8001") || !strings.Contains(all, "刑释解教") {
			t.Fatalf("leader's export:\n%s", all)
		}
		// A social worker of the 民政 line gets the same people without the hidden group.
		buf.Reset()
		if _, err := reg.Export(ctx, w.Principal(t, "social_worker"), registry.NewFilter(), "csv", false, "", &buf); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "刑释解教") || !strings.Contains(buf.String(), "老年人") {
			t.Fatalf("social worker's export leaks the hidden group:\n%s", buf.String())
		}
		// Grid workers do not export; unmasked needs the reveal permission and a reason.
		if _, err := reg.Export(ctx, w.Principal(t, "grid_worker"), registry.NewFilter(), "xlsx", false, "", &buf); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker export: %v", err)
		}
		if _, err := reg.Export(ctx, leader, registry.NewFilter(), "csv", true, "", &buf); err == nil {
			t.Fatal("unmasked export without a reason")
		}
		buf.Reset()
		if _, err := reg.Export(ctx, leader, registry.Filter{Q: "居民甲户主", AgeMin: -1, AgeMax: -1}, "csv", true, "报送民政局", &buf); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), apptest.RegistryID("110105", 1950, 1)) {
			t.Fatalf("unmasked export:\n%s", buf.String())
		}
		entries, _, _ := audit.Search(ctx, w.DB.Reader(), audit.Filter{Action: "person.export"})
		if len(entries) != 3 || entries[0].Action != "person.export_unmasked" || !strings.Contains(entries[0].Detail, "报送民政局") {
			t.Fatalf("export audit: %+v", entries)
		}
	})
}

// The export's info line says what was selected in words: a group by its name,
// places by their names, a status by its label — never a code or an id.
func TestExportDescribesTheFilterInWords(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		leader := w.Principal(t, "community_admin")
		for _, tc := range []struct {
			f    registry.Filter
			want []string
		}{
			{registry.Filter{Tag: "elderly", Status: "all", AgeMin: 60, AgeMax: -1}, []string{"人员分组：老年人", "状态：全部（含迁出、已故）", "年龄：60–"}},
			{registry.Filter{EstateID: w.Objects["estate"][apptest.InA], Status: "moved_out", AgeMin: -1, AgeMax: -1}, []string{"小区：小区甲苑", "状态：已迁出"}},
			{registry.Filter{BuildingID: w.Objects["building"][apptest.InA], AgeMin: -1, AgeMax: -1}, []string{"楼栋：小区甲苑 甲楼"}},
			{registry.Filter{DwellingID: w.Objects["dwelling"][apptest.InA], AgeMin: -1, AgeMax: -1}, []string{"房屋：小区甲苑 甲楼 甲单元 101"}},
		} {
			var buf bytes.Buffer
			if _, err := w.App.Registry.Export(ctx, leader, tc.f, "xlsx", false, "", &buf); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows("Sheet1")
			info := rows[0][0]
			for _, s := range tc.want {
				if !strings.Contains(info, s) {
					t.Errorf("export info %q lacks %q", info, s)
				}
			}
			for _, raw := range []string{"elderly", "moved_out", "all"} {
				if strings.Contains(info, raw) {
					t.Errorf("export info %q shows the code %q", info, raw)
				}
			}
		}
	})
}

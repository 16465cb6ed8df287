package activities_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"linli/internal/apptest"
	"linli/internal/auth"
)

// The annual plan exports as it is shown: each theme and special day with
// its month, for a unit the reader sees; another community's is not found.
func TestPlanExport(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		year := 2031 // a year the fixtures plan nothing in: SeedPlan fills it
		if err := w.App.Activities.SeedPlan(ctx, auth.System("test"), w.C1, year); err != nil {
			t.Fatal(err)
		}
		srv := w.Server(t)
		leader := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		path := fmt.Sprintf("/activities/plan/export?org=%d&year=%d", w.C1, year)
		resp, body := leader.Get(path)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("export: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
		rows := sheetRows(t, body)
		var themes, days int
		for _, r := range rows {
			if len(r) < 4 {
				continue
			}
			switch {
			case r[0] == "12" && r[1] == "月度主题":
				themes++
			case slices.Equal(r[:4], []string{"6", "纪念日", "06-26", "国际禁毒日"}):
				days++
			}
		}
		if themes == 0 || days != 1 {
			t.Fatalf("the plan's sheet lacks December's theme (%d) or 国际禁毒日 once (%d): %q", themes, days, rows)
		}
		// Another community's leader asking for it gets their own unit's plan
		// (as the page shows), never community 1's.
		other := apptest.NewClient(t, srv.URL).Login("community_admin_c2", apptest.Password)
		resp, body = other.Get(path)
		if resp.StatusCode != 200 {
			t.Fatalf("another community's plan: %d", resp.StatusCode)
		}
		if rows := sheetRows(t, body); len(rows) != 2 || strings.Contains(rows[0][0], "一号社区") {
			t.Fatalf("another community's leader got community 1's plan: %q", rows)
		}
	})
}

// sheetRows are the rows of an .xlsx body's first sheet.
func sheetRows(t *testing.T, body string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

package cases_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/cases"
)

// Rectification notices are numbered per community and year when first
// issued (〔2026〕整改字第 N 号), keep their number when corrected and printed
// again, and print dates as documents do (2099年12月31日). The fixture has
// issued one notice in 2026 in each of grids A and B (community 1) and D
// (community 2).
func TestNoticeNumbersPerCommunityAndYear(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		sys := auth.System("test")
		notice := func(grid int64, title, issued string) (int64, string) {
			t.Helper()
			id, err := s.Create(ctx, sys, cases.CreateInput{Type: "hazard", Category: "fire", Title: title, Source: "patrol", GridID: grid})
			mustNil(t, err)
			mustNil(t, s.SaveDocument(ctx, sys, id, cases.DocNotice, map[string]string{"target": "业主", "problems": "堆物", "requirements": "清理",
				"deadline": "2099-12-31", "issuer": "居委会", "issued_on": issued, "number": "假编号"}))
			_, doc, err := s.Document(ctx, sys, id, cases.DocNotice)
			mustNil(t, err)
			return id, doc.Get("number")
		}
		numbers := map[string]bool{}
		for _, tc := range []struct {
			grid           int64
			issued, number string
		}{
			{w.GridA, "2026-03-01", "〔2026〕整改字第 3 号"},
			{w.GridB, "2026-12-10", "〔2026〕整改字第 4 号"},
			{w.GridD, "2026-12-10", "〔2026〕整改字第 2 号"},
			{w.GridA, "2027-01-04", "〔2027〕整改字第 1 号"},
		} {
			_, got := notice(tc.grid, "编号"+tc.issued, tc.issued)
			if got != tc.number {
				t.Errorf("notice issued %s in grid %d numbered %q, want %q", tc.issued, tc.grid, got, tc.number)
			}
			numbers[got] = true
		}
		// Corrected and saved again: the same number, whatever the form says.
		id, first := notice(w.GridA, "再次保存", "2026-12-10")
		mustNil(t, s.SaveDocument(ctx, sys, id, cases.DocNotice, map[string]string{"target": "物业公司", "problems": "堆物", "requirements": "清理",
			"deadline": "2099-12-31", "issuer": "居委会", "issued_on": "2027-02-01", "number": "〔2026〕整改字第 99 号"}))
		if _, doc, _ := s.Document(ctx, sys, id, cases.DocNotice); doc.Get("number") != first || doc.Get("target") != "物业公司" {
			t.Fatalf("re-saved notice: number %q (was %q), target %q", doc.Get("number"), first, doc.Get("target"))
		}

		// Two notices issued at once get different numbers.
		var ids [2]int64
		for i := range ids {
			var err error
			ids[i], err = s.Create(ctx, sys, cases.CreateInput{Type: "hazard", Category: "fire", Title: fmt.Sprintf("并发%d", i), Source: "patrol", GridID: w.GridB})
			mustNil(t, err)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(ids))
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.SaveDocument(ctx, sys, id, cases.DocNotice, map[string]string{"target": "业主", "problems": "堆物", "requirements": "清理",
					"deadline": "2099-12-31", "issuer": "居委会", "issued_on": "2026-12-10"})
			}()
		}
		wg.Wait()
		got := map[string]bool{}
		for i, id := range ids {
			mustNil(t, errs[i])
			_, doc, err := s.Document(ctx, sys, id, cases.DocNotice)
			mustNil(t, err)
			got[doc.Get("number")] = true
		}
		if !got["〔2026〕整改字第 6 号"] || !got["〔2026〕整改字第 7 号"] {
			t.Fatalf("two notices issued at once numbered %v, want 6 and 7", got)
		}

		// The printed notice: its number and dates as documents write them.
		srv := w.Server(t)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		resp, page := gw.Get(fmt.Sprintf("/cases/%d/notice", id))
		if resp.StatusCode != 200 || !strings.Contains(page, first) || !strings.Contains(page, "2027年2月1日") || !strings.Contains(page, "请于 2099年12月31日 前") ||
			strings.Contains(page, "2099-12-31") {
			t.Fatalf("printed notice: %d\n%s", resp.StatusCode, page)
		}
	})
}

// The hazard step that needs the notice asks to 填写 it while it is not
// written, and offers 查看 and 修改 once it is.
func TestHazardStepNamesTheNoticeLink(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		leader := w.Principal(t, "community_admin")
		id, err := s.Create(ctx, leader, cases.CreateInput{Type: "hazard", Category: "fire", Title: "楼道堆物隐患", Source: "patrol", GridID: w.GridA})
		mustNil(t, err)
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		link := func() string {
			t.Helper()
			_, page := c.Get(fmt.Sprintf("/cases/%d", id))
			i := strings.Index(page, "安全隐患整改通知书》")
			if i < 0 {
				t.Fatalf("no step needs the notice:\n%s", page)
			}
			return page[i : i+400]
		}
		if l := link(); !strings.Contains(l, ">填写</a>") || strings.Contains(l, ">修改</a>") {
			t.Fatalf("unwritten notice: %s", l)
		}
		mustNil(t, s.SaveDocument(ctx, leader, id, cases.DocNotice, map[string]string{"target": "业主", "problems": "堆物", "requirements": "清理",
			"deadline": "2099-12-31", "issuer": "居委会", "issued_on": "2026-12-10"}))
		if l := link(); !strings.Contains(l, ">查看</a>") || !strings.Contains(l, ">修改</a>") || strings.Contains(l, ">填写</a>") {
			t.Fatalf("written notice: %s", l)
		}
	})
}

package activities_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"linli/internal/activities"
	"linli/internal/apptest"
	"linli/internal/importexport"
	"linli/internal/locale"
)

// A WPS-style activity ledger (a merged title row above the header,
// full-width digits, 人次 with units): a bad date refuses the commit with its
// row and column named and nothing saved; without it the dry run saves
// nothing, the commit creates held and summarised activities with the
// stated attendance, and the same ledger again adds nothing.
func TestImportLedger(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		leader := w.Principal(t, "community_admin")
		im := activities.Importer{S: w.App.Activities}
		dir := t.TempDir()
		y := time.Now().In(locale.Zone).Year() - 1
		ledger := func(name string, rows ...[]any) string {
			var buf bytes.Buffer
			xw, err := importexport.NewWriter(&buf, importexport.Meta{Title: "翠苑社区活动台账", ExportedAt: time.Now()},
				[]string{"序号", "日期", "时间", "活动名称", "类别", "形式", "地点", "组织者", "主讲人", "参加人次", "小结"})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if err := xw.Write(r...); err != nil {
					t.Fatal(err)
				}
			}
			if err := xw.Close(); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		count := func() int {
			var n int
			w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity WHERE community_id = ?`, w.C1).Scan(&n)
			return n
		}
		before := count()
		row1 := []any{1, fmt.Sprintf("%d年3月5日", y), "１４:００-１６:００", "防诈骗知识讲座", "安全", "讲座", "一楼活动室", "翠苑社区", "李警官", "３５人", "居民反响好，下次增加案例。"}
		row2 := []any{2, fmt.Sprintf("%d.10.11", y), "", "重阳节联欢会", "文化活动", "演出", "社区广场", "", "", "１２０", ""}
		badRow := []any{3, fmt.Sprintf("%d-02-30", y), "9:00-11:00", "植树活动", "", "", "", "", "", "20", ""}

		bad := ledger("bad.xlsx", row1, row2, badRow)
		res, _, err := w.App.Imports.RunNow(ctx, leader, im, w.C1, bad, true)
		if err != nil {
			t.Fatal(err)
		}
		if res.Bad != 1 || res.Good != 2 || res.Committed || count() != before || len(res.Problems) != 1 {
			t.Fatalf("a ledger with a bad date: %+v, %d activities", res, count()-before)
		}
		// The data rows follow the title row and the header: the third is row 5.
		if p := res.Problems[0]; p.Row != 5 || !strings.Contains(p.Column, "日期") || !strings.Contains(p.Reason, "日期") {
			t.Fatalf("the bad date's problem: %+v", p)
		}

		good := ledger("good.xlsx", row1, row2)
		res, _, err = w.App.Imports.RunNow(ctx, leader, im, w.C1, good, false)
		if err != nil || res.Bad != 0 || res.Good != 2 || res.Summary[0].Count != 2 || res.Summary[1].Count != 155 || count() != before {
			t.Fatalf("dry run: %v %+v, %d activities", err, res, count()-before)
		}
		res, _, err = w.App.Imports.RunNow(ctx, leader, im, w.C1, good, true)
		if err != nil || !res.Committed || count() != before+2 {
			t.Fatalf("commit: %v %+v", err, res)
		}
		var status, topic, format, speakers string
		var walkins int
		var starts, ends int64
		w.DB.QueryRowContext(ctx, `SELECT status, topic, format, speakers, walkins, starts_at, ends_at FROM activity WHERE community_id = ? AND title = '防诈骗知识讲座'`, w.C1).
			Scan(&status, &topic, &format, &speakers, &walkins, &starts, &ends)
		wantStart := time.Date(y, 3, 5, 14, 0, 0, 0, locale.Zone).UnixMilli()
		if status != activities.StatusSummarised || topic != "safety" || format != "lecture" || speakers != "李警官" || walkins != 35 || starts != wantStart ||
			ends != wantStart+2*3600_000 {
			t.Fatalf("the lecture: %s %s %s %q %d %d–%d", status, topic, format, speakers, walkins, starts, ends)
		}
		w.DB.QueryRowContext(ctx, `SELECT status, topic, format, walkins FROM activity WHERE community_id = ? AND title = '重阳节联欢会'`, w.C1).
			Scan(&status, &topic, &format, &walkins)
		if status != activities.StatusHeld || topic != "culture" || format != "show" || walkins != 120 {
			t.Fatalf("the show: %s %s %s %d", status, topic, format, walkins)
		}
		var audits int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'activities.import'`).Scan(&audits)
		if audits != 1 {
			t.Fatalf("%d import audit entries", audits)
		}
		// The same ledger again: both skipped, nothing added.
		res, _, err = w.App.Imports.RunNow(ctx, leader, im, w.C1, good, true)
		if err != nil || count() != before+2 || res.Summary[2].Count != 2 {
			t.Fatalf("again: %v %+v", err, res)
		}

		// The page is the leader's; a grid worker may not import.
		srv := w.Server(t)
		if resp, _ := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password).Get("/activities/ledger/import"); resp.StatusCode != 200 {
			t.Fatalf("import page: %d", resp.StatusCode)
		}
		if resp, _ := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password).Get("/activities/ledger/import"); resp.StatusCode != 403 {
			t.Fatalf("grid worker's import page: %d", resp.StatusCode)
		}
	})
}

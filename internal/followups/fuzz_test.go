package followups_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/dbtest"
	"linli/internal/followups"
)

// FuzzImportLedger feeds arbitrary visit ledgers (as CSV, so that every byte
// reaches the importer's own reading of names, numbers, dates and ways)
// through a dry run on a real database: whatever the file holds, the importer
// answers with a result or a message, never a crash, every row it reads is
// counted good or bad, and a good row is planned as a record or skipped.
func FuzzImportLedger(f *testing.F) {
	head := apptest.HeadIDNumber(apptest.InA)
	seeds := []string{
		"姓名,身份证号,走访日期,走访方式,走访情况\n居民甲户主," + head + ",2026-03-05,入户,良好\n",
		"一号社区走访台账\n\n序号,姓 名,公民身份号码,日期,方式,见到的人,发现问题/需求,身体状况,走访人\n1,居民甲户主," + head[:6] + " " + head[6:14] + " " + head[14:] + ",2026/3/5,上门,本人,无,好,张三\n2,居民乙户主,,46090,电话回访,,,,\n,,,,,,,,\n",
		"帮教谈话记录\n姓名,身份证号,谈话日期,谈话内容,思想动态\n居民甲户主," + head + ",2026年3月5日,按时报到,稳定\n查无此人,,2026.3.5,谈话,\n",
		"姓名,走访日期,走访方式\n居民甲户主,3月5日,飞鸽传书\n居民甲户主,2999-01-01,入户\n居民甲户主,1026-01-01,电话\n",
		"姓名,身份证号,走访日期\n居民甲户主,1.10105E+17,2026-03-05\n居民甲户主,11010519491231002Y,2026-03-05\n",
		"\xef\xbb\xbf姓名,走访日期,情况记录\n\"未闭合,2026-03-05\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	d := dbtest.SQLite(f, apptest.Migrations())
	w := apptest.New(f, d)
	im := followups.Importer{S: w.App.Followups}
	sys := auth.System("fuzz")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		path := filepath.Join(dir, "ledger.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		res, _, err := w.App.Imports.RunNow(context.Background(), sys, im, w.C1, path, false)
		if err != nil {
			return // a refused file is an answer too (it carries a message)
		}
		if res.Good+res.Bad != res.Rows || res.Good < 0 {
			t.Fatalf("rows %d = good %d + bad %d does not add up", res.Rows, res.Good, res.Bad)
		}
		planned := 0
		for _, l := range res.Summary {
			if l.Label == "新增走访记录" || l.Label == "已有记录（跳过）" {
				planned += l.Count
			}
		}
		if planned != res.Good {
			t.Fatalf("%d good rows, %d planned or skipped", res.Good, planned)
		}
		rows := map[int]bool{}
		for _, p := range res.Problems {
			rows[p.Row] = true
		}
		if len(rows) != res.Bad {
			t.Fatalf("%d bad rows, problems on %d rows", res.Bad, len(rows))
		}
	})
}

package registry_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/dbtest"
	"linli/internal/registry"
)

// FuzzImportLedger feeds arbitrary ledgers (as CSV, so that every byte reaches
// the importer's own parsing) through a dry run on a real database: whatever
// the file holds, the importer answers with a result or a message, never a crash,
// and every row it reads is counted good or bad.
func FuzzImportLedger(f *testing.F) {
	seeds := []string{
		"姓名,身份证号,与户主关系,小区,楼栋,单元,房号,网格\n张三,11010519491231002X,本人,翠苑,3幢,1单元,201,001\n",
		"标题\n\n姓名,现住址,户号,关系,出生日期,性别,电话,特殊人群\n李四,翠苑3幢2单元201室,H1,户主,1980.1.2,男,13800138000,老年人、党员\n王五,,H1,妻,1980年13月2日,女,12,不存在\n",
		"姓名,身份证号\n\"未闭合,1\n",
		"姓名,身份证号,房号\n赵六,1.10105E+17,1\n",
		"姓名,楼栋,房号,与户主关系\n,,,\n钱七,１２幢,３０１,本人\n孙八,12幢,301,本人\n",
		"\xef\xbb\xbf姓名,证件类型,证件号码,现住址\n周九,护照,E1234567,甲楼 101\n吴十,外国人永久居留身份证,ABC123456789012,小区甲苑 甲楼 甲单元 101\n",
		// Numbers typed in groups; a bad head and its members; a phone with letters.
		"姓名,身份证号,电话,户号,与户主关系,现住址,网格\n郑一, 110105 19491231 002x ,138\u00a00013-8000,H9,户主,翠苑3幢2单元201,001\n郑二,110105-1949O231-002X,+86 139 1234 5678,H8,户主,翠苑3幢2单元202,001\n郑三,,138abc12345,H8,子,翠苑3幢2单元202,001\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	d := dbtest.SQLite(f, apptest.Migrations())
	w := apptest.New(f, d)
	im := registry.Importer{S: w.App.Registry}
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
		// Every row with a problem is counted in the groups by kind.
		rows, counted := map[int]bool{}, 0
		for _, p := range res.Problems {
			rows[p.Row] = true
		}
		for _, g := range res.Groups {
			counted += g.Rows
		}
		if counted < len(rows) || (len(res.Problems) > 0) != (len(res.Groups) > 0) {
			t.Fatalf("%d rows with problems, %d counted in %d groups", len(rows), counted, len(res.Groups))
		}
	})
}

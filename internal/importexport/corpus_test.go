package importexport

import (
	"archive/zip"
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The corpus: spreadsheets as offices produce them, committed under
// testdata/corpus and rebuilt by scripts/make-xlsx-corpus.sh. lo-*.xlsx are
// made by LibreOffice, gen-*.xlsx by the generator in corpus_gen_test.go.
// Each is read sheet by sheet by the fast reader and by excelize, which
// must agree on every row, column and value; where the fast reader is not
// sure of a file it must hand it to excelize, which the files marked so
// prove.

var writeCorpus = flag.Bool("write-corpus", false, "rewrite testdata/corpus/gen-*.xlsx from the generator")

const corpusDir = "testdata/corpus"

type corpusCase struct {
	fallback string            // "" = read by the fast reader alone; else why it hands over (a Fallback* reason)
	cells    map[string]string // "sheet!A1" → raw value, a few that matter for an import
}

var corpusCases = map[string]corpusCase{
	"lo-csv-guessed.xlsx": {cells: map[string]string{
		"residents!A1": "姓名", "residents!A2": "张三",
		// LibreOffice guesses numbers: the ID and 户号 lose digits and
		// zeros, and the exponent has three digits.
		"residents!B2": "1.1010519800102E+017", "residents!F2": "123", "residents!D2": "29222",
	}},
	"lo-csv-text-columns.xlsx": {cells: map[string]string{
		"residents!B2": "110105198001020018", "residents!F2": "00123", "residents!B3": "11010519850315002X",
	}},
	"lo-ods-ledger.xlsx": {cells: map[string]string{
		"花名册!A1": "和平里社区居民花名册（2024年）", "花名册!A3": "姓名",
		"花名册!B4": "110105198001020018", "花名册!D4": "29222", "花名册!F4": "00123",
		"花名册!B5": "1.1010519850315E+017", "花名册!D5": "31121",
		"填表说明!A1": "请在“花名册”工作表中填写，不要修改表头。",
	}},
	"lo-xls-ledger.xlsx": {cells: map[string]string{
		"花名册!A1": "和平里社区居民花名册（2024年）", "花名册!B4": "110105198001020018", "花名册!D4": "29222", "花名册!F4": "00123",
	}},
	"gen-excel-rich.xlsx": {cells: map[string]string{
		"居民信息!A1": "和平里社区居民信息登记表", "居民信息!F2": "*户号", "居民信息!A4": "单于", "居民信息!A6": "李四 ",
		"居民信息!B3": "110105198001020018", "居民信息!B4": "1.1010519850315002E+17", "居民信息!D3": "29222",
		"居民信息!G3": "北京市朝阳区和平里\n一区1号楼 ", "居民信息!H3": "男性", "居民信息!I3": "1", "居民信息!E4": "#REF!",
		"居民信息!H4": "回车\r换行",
	}},
	"gen-excel-1904.xlsx": {cells: map[string]string{"Sheet1!B2": "27760", "Sheet1!B3": "29659"}},
	"gen-inline-norefs.xlsx": {cells: map[string]string{
		"居民信息!A1": "姓名", "居民信息!B2": "1.10105198001002E17", "居民信息!D2": "北京市朝阳区", "居民信息!E2": "13800138000",
		"居民信息!A4": " 李四 ", "居民信息!E4": "#N/A", "居民信息!C5": "只填了第三列", "居民信息!D5": "4.5E-2", "字典!B1": "女",
	}},
	"gen-wps.xlsx":          {cells: map[string]string{"人口信息!A1": "人口信息表", "人口信息!B3": "110105199912310011", "人口信息!C4": "36585"}},
	"gen-wps-prefixed.xlsx": {cells: map[string]string{"人口信息!A1": "人口信息表", "人口信息!B3": "110105199912310011", "人口信息!C4": "36585"}},
	"gen-excel-strict.xlsx": {fallback: "workbook", cells: map[string]string{"Sheet1!A2": "张三", "Sheet1!B2": "27760"}},
	// excelize merges rows that go backwards into the row before them, and
	// the fast reader, handing over, gives the same: rows 2 and 3 end up
	// appended to row 4.
	"gen-rows-unordered.xlsx": {fallback: "sheet", cells: map[string]string{
		"统计!A4": "合计", "统计!B4": "300", "统计!C4": "第一网格", "统计!F4": "180",
	}},
}

// TestXLSXCorpus reads every committed corpus file both ways.
func TestXLSXCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	var want []string
	for name := range corpusCases {
		want = append(want, name)
	}
	sort.Strings(want)
	if !slices.Equal(names, want) {
		t.Fatalf("corpus files %v, cases for %v: every file needs its case", names, want)
	}
	for _, name := range names {
		c := corpusCases[name]
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(corpusDir, name))
			if err != nil {
				t.Fatal(err)
			}
			if len(data) > 16<<10 {
				t.Errorf("%d bytes: keep corpus files small", len(data))
			}
			n := diffSheets(t, data, Limits{})
			if c.fallback == "" && n != 0 {
				t.Fatalf("fast reader handed %d sheets to excelize", n)
			}
			if c.fallback != "" && n == 0 {
				t.Fatal("expected the fast reader to hand over to excelize")
			}
			s := mustOpen(t, data, name)
			got := map[string]string{}
			for _, sheet := range s.Sheets() {
				res := collect(s.xlsxIter(sheet))
				if res.Err != nil {
					t.Fatalf("sheet %s: %v", sheet, res.Err)
				}
				for _, r := range res.Rows {
					for i, v := range r.Cells {
						got[sheet+"!"+ColumnName(i)+strconv.Itoa(r.Num)] = v
					}
				}
			}
			var reasons []string
			for i, r := range fallbackReasons {
				if s.fellBack&(1<<i) != 0 {
					reasons = append(reasons, r)
				}
			}
			if got := strings.Join(reasons, ","); got != c.fallback {
				t.Errorf("handed to excelize for %q, want %q", got, c.fallback)
			}
			for ref, v := range c.cells {
				if got[ref] != v {
					t.Errorf("%s = %q, want %q", ref, got[ref], v)
				}
			}
		})
	}
}

// TestXLSXCorpusGenerated: the committed gen-*.xlsx are what the generator
// writes (with -write-corpus it writes them).
func TestXLSXCorpusGenerated(t *testing.T) {
	for name, b := range genCorpus() {
		path := filepath.Join(corpusDir, name)
		parts := b.parts()
		if *writeCorpus {
			if err := os.WriteFile(path, zipParts(t, parts), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v: run scripts/make-xlsx-corpus.sh", err)
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) != len(parts) {
			t.Fatalf("%s: %d parts, the generator writes %d: run scripts/make-xlsx-corpus.sh", name, len(zr.File), len(parts))
		}
		for i, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != parts[i][0] || string(body) != parts[i][1] {
				t.Fatalf("%s: part %s differs from what the generator writes: run scripts/make-xlsx-corpus.sh", name, f.Name)
			}
		}
	}
}

// TestXLSXCorpusDates: serial dates read through Rows come out as the
// workbook counts them, the 1904 date system included.
func TestXLSXCorpusDates(t *testing.T) {
	fields := []Field{{Key: "name", Label: "姓名"}, {Key: "birth", Label: "出生日期"}}
	for file, want := range map[string]map[string]string{
		"gen-excel-1904.xlsx": {"张三": "1980-01-02", "李四": "1985-03-15"},
		"gen-excel-rich.xlsx": {"张三": "1980-01-02", "单于": "1985-03-15"},
		"lo-ods-ledger.xlsx":  {"张三": "1980-01-02", "李四": "1985-03-15"},
	} {
		data, err := os.ReadFile(filepath.Join(corpusDir, file))
		if err != nil {
			t.Fatal(err)
		}
		s := mustOpen(t, data, file)
		sheet := ""
		if file == "lo-ods-ledger.xlsx" {
			sheet = "花名册"
		}
		m, err := s.Detect(sheet, fields)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		if err := s.Rows(m, func(r Row) error {
			if d, ok := r.ParseDate(r.Values["birth"]); ok {
				got[r.Values["name"]] = d
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for name, d := range want {
			if got[name] != d {
				t.Errorf("%s: %s born %q, want %q", file, name, got[name], d)
			}
		}
	}
}

// TestFallbackCounter: a file whose reading goes to excelize counts once
// under its reason, however often it is read; a file the fast reader reads
// counts nowhere.
func TestFallbackCounter(t *testing.T) {
	corpus := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	oddSST := oneSheet(t, sheetDoc(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`),
		sstDoc(`<si><t>姓名</t></si>`, `<si><t>出生日期</t></si>`, `<si><unknown/></si>`))
	for _, c := range []struct {
		name   string
		data   []byte
		reason string
	}{
		{"fast", corpus("gen-excel-rich.xlsx"), ""},
		{"strict", corpus("gen-excel-strict.xlsx"), FallbackWorkbook},
		{"shared strings", oddSST, FallbackSharedStrings},
		{"rows backwards", corpus("gen-rows-unordered.xlsx"), FallbackSheet},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := Fallbacks()
			s := mustOpen(t, c.data, "a.xlsx")
			fields := []Field{{Key: "name", Label: "姓名"}, {Key: "birth", Label: "出生日期"}, {Key: "grid", Label: "网格"}, {Key: "n", Label: "户数"}}
			m, err := s.Detect("", fields)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if err := s.Rows(m, func(Row) error { return nil }); err != nil {
					t.Fatal(err)
				}
			}
			after := Fallbacks()
			for _, r := range fallbackReasons {
				want := before[r]
				if r == c.reason {
					want++
				}
				if after[r] != want {
					t.Errorf("%s: %d → %d, want %d", r, before[r], after[r], want)
				}
			}
		})
	}
}

package importexport

import (
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

var testMeta = Meta{
	Title:      "居民名单",
	ExportedBy: "张三（community_admin）",
	ExportedAt: time.Date(2024, 1, 31, 10, 5, 0, 0, time.UTC),
	Masked:     true,
	Filter:     "网格：一网格；标签：独居",
}

func TestWriterRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, testMeta, []string{"姓名", "身份证号", "年龄", "出生日期", "党员", "电话"})
	if err != nil {
		t.Fatal(err)
	}
	birth := time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC)
	if err := w.Write("张三", "110105198001020018", 44, birth, true, "=HYPERLINK(\"x\")"); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("李四", "000123", 3.5, nil, false, int64(13800138000123456)); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Fatal("wrote before Close")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("late"); err == nil {
		t.Fatal("write after close accepted")
	}

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, _ := f.GetCellValue("Sheet1", "A1")
	for _, part := range []string{"居民名单", "导出人：张三（community_admin）", "导出时间：2024-01-31 10:05:00", "敏感信息已脱敏", "筛选条件：网格：一网格；标签：独居"} {
		if !strings.Contains(info, part) {
			t.Errorf("info line %q lacks %q", info, part)
		}
	}
	if merged, _ := f.GetMergeCells("Sheet1"); len(merged) != 1 || merged[0].GetStartAxis() != "A1" || merged[0].GetEndAxis() != "F1" {
		t.Errorf("merge %v", merged)
	}
	panes, _ := f.GetPanes("Sheet1")
	if !panes.Freeze || panes.YSplit != 2 || panes.TopLeftCell != "A3" {
		t.Errorf("panes %+v", panes)
	}
	style, _ := f.GetCellStyle("Sheet1", "A2")
	if st, _ := f.GetStyle(style); st == nil || st.Font == nil || !st.Font.Bold {
		t.Error("header not bold")
	}
	names := f.GetDefinedName()
	if len(names) != 1 || names[0].Name != "_xlnm.Print_Titles" || names[0].RefersTo != "'Sheet1'!$1:$2" {
		t.Errorf("defined names %+v", names)
	}
	for cell, want := range map[string]excelize.CellType{"B3": excelize.CellTypeInlineString, "C3": excelize.CellTypeUnset, "B4": excelize.CellTypeInlineString, "F4": excelize.CellTypeInlineString} {
		if got, _ := f.GetCellType("Sheet1", cell); got != want {
			t.Errorf("%s type %v, want %v", cell, got, want)
		}
	}
	got := map[string]string{}
	for _, c := range []string{"B3", "C3", "D3", "E3", "F3", "B4", "C4", "D4", "E4", "F4"} {
		got[c], _ = f.GetCellValue("Sheet1", c)
	}
	want := map[string]string{"B3": "110105198001020018", "C3": "44", "D3": "1980-01-02", "E3": "是",
		"F3": "=HYPERLINK(\"x\")", "B4": "000123", "C4": "3.5", "D4": "", "E4": "否", "F4": "13800138000123456"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if fm, _ := f.GetCellFormula("Sheet1", "F3"); fm != "" {
		t.Errorf("text became a formula: %q", fm)
	}

	// Our own importer reads the export back: the info line is a title row.
	s := mustOpen(t, buf.Bytes(), "export.xlsx")
	m, err := s.Detect("", residentFields())
	if err != nil || m.HeaderRow != 2 {
		t.Fatal(m, err)
	}
	var ids []string
	s.Rows(m, func(r Row) error { ids = append(ids, r.Values["id_number"]); return nil })
	if len(ids) != 2 || ids[0] != "110105198001020018" || ids[1] != "000123" {
		t.Fatal(ids)
	}
}

func TestWriterUnmaskedInfo(t *testing.T) {
	meta := testMeta
	meta.Masked, meta.Filter = false, ""
	if info := meta.infoLine(); strings.Contains(info, "已脱敏") || !strings.Contains(info, "未脱敏") || strings.Contains(info, "筛选") {
		t.Fatal(info)
	}
}

func TestCSVWriter(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewCSVWriter(&buf, testMeta, []string{"姓名", "身份证号", "年龄", "备注"})
	if err != nil {
		t.Fatal(err)
	}
	w.Write("张三", "110105198001020018", 44, "=1+1")
	w.Write("李四", "", -3, "@SUM(A1)")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, utf8BOM) || !bytes.Contains(b, []byte("\r\n")) {
		t.Fatal("no BOM or CRLF")
	}
	cr := csv.NewReader(bytes.NewReader(b[3:]))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || !strings.HasPrefix(recs[0][0], "# 居民名单") || recs[1][1] != "身份证号" ||
		recs[2][3] != "'=1+1" || recs[3][2] != "-3" || recs[3][3] != "'@SUM(A1)" {
		t.Fatal(recs)
	}
	// And it imports.
	s := mustOpen(t, b, "export.csv")
	m, err := s.Detect("", residentFields())
	if err != nil || m.HeaderRow != 2 {
		t.Fatal(m, err)
	}
}

func TestWriteReport(t *testing.T) {
	var buf bytes.Buffer
	err := WriteReport(&buf, "居民导入", []Problem{
		{Row: 5, Column: "身份证号", Value: "110***********0018", Reason: "校验位不正确"},
		{Row: 0, Column: "", Value: "", Reason: "缺少“户号”列"},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("Sheet1")
	if len(rows) != 4 || !strings.Contains(rows[0][0], "共 2 个问题") ||
		strings.Join(rows[1], ",") != "行号,列,内容,问题" ||
		strings.Join(rows[2], ",") != "5,身份证号,110***********0018,校验位不正确" || rows[3][0] != "" {
		t.Fatal(rows)
	}
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// TestWriterSplitsSheets writes 1,100,000 rows: the first sheet fills up to
// Excel's 1,048,576 rows and the rest continues on Sheet2 under the same top
// rows, while the heap stays small because rows spill to a temp file.
func TestWriterSplitsSheets(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1.1 million rows")
	}
	const total = 1_100_000
	p := filepath.Join(t.TempDir(), "big.xlsx")
	out, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w, err := NewWriter(out, testMeta, []string{"序号", "姓名", "身份证号"})
	if err != nil {
		t.Fatal(err)
	}
	var peak uint64
	var ms runtime.MemStats
	for i := 1; i <= total; i++ {
		if err := w.Write(i, "张三", "110105198001020018"); err != nil {
			t.Fatal(err)
		}
		if i%100_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapInuse)
	t.Logf("heap in use at most %d MiB while writing", peak>>20)
	if peak > 128<<20 {
		t.Errorf("heap grew to %d MiB", peak>>20)
	}

	out.Seek(0, io.SeekStart)
	f, err := excelize.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[1] != "Sheet2" {
		t.Fatal(got)
	}
	perSheet := excelize.TotalRows - 2
	for sheet, want := range map[string]int{"Sheet1": perSheet, "Sheet2": total - perSheet} {
		rows, err := f.Rows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		n, last := 0, []string(nil)
		for rows.Next() {
			n++
			if n <= 3 || n == want+2 {
				last, _ = rows.Columns()
			}
			if n == 2 && strings.Join(last, ",") != "序号,姓名,身份证号" {
				t.Fatalf("%s row 2 = %v", sheet, last)
			}
			if n == 1 && !strings.Contains(last[0], "导出人") {
				t.Fatalf("%s row 1 = %v", sheet, last)
			}
		}
		rows.Close()
		if n != want+2 {
			t.Fatalf("%s has %d rows, want %d", sheet, n, want+2)
		}
		wantLast := strconv.Itoa(total)
		if sheet == "Sheet1" {
			wantLast = strconv.Itoa(perSheet)
		}
		if last[0] != wantLast {
			t.Fatalf("%s last row %v, want %s", sheet, last, wantLast)
		}
	}
}

func BenchmarkWriteXLSX(b *testing.B) {
	headers := []string{"序号", "姓名", "身份证号", "性别", "出生日期", "电话", "住址", "网格", "标签", "备注"}
	b.ReportAllocs()
	var bytesOut int64
	for b.Loop() {
		cw := &countingWriter{}
		w, err := NewWriter(cw, testMeta, headers)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 10_000; i++ {
			if err := w.Write(i, "张三", "110105198001020018", "男", "1980-01-02", "13800138000",
				"北京市朝阳区XX路1号院2号楼3单元401", "第一网格", "独居老人", ""); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		bytesOut = cw.n
	}
	b.ReportMetric(float64(b.N*10_000)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(bytesOut), "file-bytes")
}

// TestWriteReportGroups: the report's title row sums the problems up by
// column and kind before the rows, so a wrong column shows as one line.
func TestWriteReportGroups(t *testing.T) {
	var buf bytes.Buffer
	groups := []ProblemGroup{
		{Column: "D 列（网格）", Kind: "places.import_grid_unknown", Reason: "一号社区没有这个网格", FirstRow: 5, Rows: 415},
		{Column: "C 列（身份证号）", Kind: "identity.id_check", Reason: "身份证号校验位不正确", FirstRow: 9, Rows: 2},
		{Column: "", Kind: "x", Reason: "缺少“户号”列", Rows: 1},
	}
	for i := 0; i < 20; i++ {
		groups = append(groups, ProblemGroup{Column: "E 列", Kind: strconv.Itoa(i), Reason: "其他", FirstRow: 100 + i, Rows: 1})
	}
	err := WriteReport(&buf, "居民导入", []Problem{{Row: 5, Column: "D 列（网格）", Value: "三网格", Reason: "一号社区没有这个网格"}}, groups...)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("Sheet1")
	title := rows[0][0]
	for _, want := range []string{
		"按问题类别：D 列（网格）：415 行（如第 5 行：一号社区没有这个网格）；C 列（身份证号）：2 行（如第 9 行：身份证号校验位不正确）；整个文件：缺少“户号”列；",
		"另有 11 类问题",
	} {
		if !strings.Contains(title, want) {
			t.Errorf("title row %q lacks %q", title, want)
		}
	}
	if strings.Join(rows[1], ",") != "行号,列,内容,问题" || rows[2][2] != "三网格" {
		t.Fatal(rows)
	}
}

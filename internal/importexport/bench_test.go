package importexport

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

var (
	benchOnce sync.Once
	benchDir  string
	benchPath string
	benchErr  error
)

const benchRows = 100_000

func benchFields() []Field {
	fields := []Field{
		{Key: "name", Label: "姓名"}, {Key: "id_number", Label: "身份证号"}, {Key: "sex", Label: "性别"},
		{Key: "birth_date", Label: "出生日期"}, {Key: "phone", Label: "联系电话"}, {Key: "address", Label: "现住址"},
	}
	for i := len(fields); i < 15; i++ {
		fields = append(fields, Field{Key: fmt.Sprintf("f%d", i), Label: fmt.Sprintf("字段%d", i)})
	}
	return fields
}

// benchFile writes, once per test binary, a 100,000 × 15 ledger to a temp
// dir, laid out as Excel saves it: text in the shared string table, dates as
// serial numbers, every cell with its reference.
func benchFile(b *testing.B) string {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "linli-bench-")
		if benchErr == nil {
			benchPath = filepath.Join(benchDir, "ledger.xlsx")
			benchErr = writeExcelStyle(benchPath, benchFields(), benchRows)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

func writeExcelStyle(path string, fields []Field, rows int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	part := func(name, body string) error {
		w, err := zw.Create(name)
		if err == nil {
			_, err = io.WriteString(w, body)
		}
		return err
	}
	const xmlHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	parts := [][2]string{
		{"[Content_Types].xml", xmlHead + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", xmlHead + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="居民台账" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
	}
	for _, p := range parts {
		if err := part(p[0], p[1]); err != nil {
			return err
		}
	}
	// Shared strings: headers, then the distinct values the rows use.
	var sst []string
	index := map[string]int{}
	str := func(s string) int {
		if i, ok := index[s]; ok {
			return i
		}
		index[s] = len(sst)
		sst = append(sst, s)
		return len(sst) - 1
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(xmlHead + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	cell := func(col, row int, v string, shared bool) {
		name, _ := excelize.CoordinatesToCellName(col+1, row)
		if shared {
			fmt.Fprintf(bw, `<c r="%s" t="s"><v>%d</v></c>`, name, str(v))
		} else {
			fmt.Fprintf(bw, `<c r="%s"><v>%s</v></c>`, name, v)
		}
	}
	fmt.Fprintf(bw, `<row r="1" spans="1:%d">`, len(fields))
	for i, fl := range fields {
		cell(i, 1, fl.Label, true)
	}
	bw.WriteString(`</row>`)
	for r := 0; r < rows; r++ {
		n := r + 2
		fmt.Fprintf(bw, `<row r="%d" spans="1:%d">`, n, len(fields))
		cell(0, n, fmt.Sprintf("居民%d", r), true)
		cell(1, n, fmt.Sprintf("1101051980%08d", r), true)
		cell(2, n, "男", true)
		cell(3, n, strconv.Itoa(29222+r%10000), false)
		cell(4, n, "13800138000", true)
		cell(5, n, "北京市朝阳区XX街道XX社区XX路1号院2号楼3单元401", true)
		for j := 6; j < len(fields); j++ {
			cell(j, n, fmt.Sprintf("值%d", r%100+j), true)
		}
		bw.WriteString(`</row>`)
	}
	bw.WriteString(`</sheetData></worksheet>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	w, err = zw.Create("xl/sharedStrings.xml")
	if err != nil {
		return err
	}
	bw = bufio.NewWriter(w)
	fmt.Fprintf(bw, xmlHead+`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(sst), len(sst))
	for _, s := range sst {
		bw.WriteString(`<si><t>`)
		xml.EscapeText(bw, []byte(s))
		bw.WriteString(`</t></si>`)
	}
	bw.WriteString(`</sst>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// BenchmarkReadXLSX measures the whole import read path on 100,000 rows ×
// 15 columns: open, detect the header, stream every row.
func BenchmarkReadXLSX(b *testing.B) {
	path := benchFile(b)
	fields := benchFields()
	b.ReportAllocs()
	for b.Loop() {
		s, err := Open(path, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		m, err := s.Detect("", fields)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		if err := s.Rows(m, func(r Row) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != benchRows {
			b.Fatalf("%d rows", n)
		}
		s.Close()
	}
	b.ReportMetric(float64(b.N*benchRows)/b.Elapsed().Seconds(), "rows/s")
}

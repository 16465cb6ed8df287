package importexport

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"linli/internal/i18n"
)

// The fast xlsx reader is proven by difference: every workbook here is read
// by it and by excelize's row iterator (the reader it replaces), and the
// rows — numbers, cells, positions — and the outcome must be the same.

type readRow struct {
	Num   int
	Cells []string
}

type readResult struct {
	Rows []readRow
	Err  error
}

func collect(it rowIter, err error) readResult {
	if err != nil {
		return readResult{Err: err}
	}
	defer it.close()
	var res readResult
	for {
		num, cells, ok := it.next()
		if !ok {
			break
		}
		res.Rows = append(res.Rows, readRow{num, append([]string(nil), cells...)})
	}
	res.Err = it.err()
	return res
}

func errKey(err error) string {
	var ie *i18n.Error
	if errors.As(err, &ie) {
		return ie.Msg.Key
	}
	if err != nil {
		return "not an i18n error: " + err.Error()
	}
	return ""
}

// diffSheets reads every sheet both ways and returns the fast reader's
// fallbacks to excelize.
func diffSheets(t *testing.T, data []byte, lim Limits) int {
	t.Helper()
	s, err := OpenReader(bytes.NewReader(data), int64(len(data)), "a.xlsx", lim)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s.Close()
	for _, sheet := range s.Sheets() {
		fast := collect(s.xlsxIter(sheet))
		slow := collect(s.excelizeIter(sheet))
		compareResults(t, sheet, fast, slow)
	}
	return s.fallbacks
}

func compareResults(t *testing.T, sheet string, fast, slow readResult) {
	t.Helper()
	if errKey(fast.Err) != errKey(slow.Err) {
		t.Fatalf("sheet %q: error %v, excelize %v", sheet, fast.Err, slow.Err)
	}
	if len(fast.Rows) != len(slow.Rows) {
		t.Fatalf("sheet %q: %d rows, excelize %d\nfast %v\nslow %v", sheet, len(fast.Rows), len(slow.Rows),
			head(fast.Rows), head(slow.Rows))
	}
	for i := range fast.Rows {
		f, x := fast.Rows[i], slow.Rows[i]
		if f.Num != x.Num || len(f.Cells) != len(x.Cells) || (len(f.Cells) > 0 && !reflect.DeepEqual(f.Cells, x.Cells)) {
			t.Fatalf("sheet %q row %d:\n fast %d %q\nslow %d %q", sheet, i, f.Num, f.Cells, x.Num, x.Cells)
		}
	}
}

func head(r []readRow) []readRow { return r[:min(len(r), 5)] }

// wantFast checks that the fast reader read data itself, without excelize.
func wantFast(t *testing.T, data []byte) {
	t.Helper()
	if n := diffSheets(t, data, Limits{MaxCols: 20000}); n != 0 {
		t.Fatalf("fast reader fell back to excelize %d times", n)
	}
}

func TestXLSXDiffExcelizeWorkbooks(t *testing.T) {
	birth := time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC)
	build := func(fill func(f *excelize.File)) []byte {
		f := excelize.NewFile()
		defer f.Close()
		fill(f)
		buf, err := f.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	cases := map[string][]byte{
		"messy ledger": messyLedger(t),
		"types": build(func(f *excelize.File) {
			f.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "数", "小数", "真", "假", "日期", "长号", "空", "符号"})
			f.SetSheetRow("Sheet1", "A2", &[]any{"张三", 42, 3.14159, true, false, birth, "110105198001020018", "", `<&>"'`})
			f.SetSheetRow("Sheet1", "A3", &[]any{int64(110105198001020018), 1e20, -0.5, nil, 0, birth.Add(36 * time.Hour), "1.10105E+17"})
			f.SetCellValue("Sheet1", "C5", "跳过一行")
			f.SetCellValue("Sheet1", "Z5", "远处")
			f.SetCellValue("Sheet1", "A7", "行内\r\n换行\t制表\x01控制")
			f.SetCellValue("Sheet1", "B7", "  前后空格  ")
			f.SetCellValue("Sheet1", "C7", "_x000D_ 字面")
		}),
		"formulas": build(func(f *excelize.File) {
			f.SetSheetRow("Sheet1", "A1", &[]any{1, 2})
			f.SetCellFormula("Sheet1", "C1", "A1+B1")
			f.SetCellFormula("Sheet1", "D1", `CONCAT("a","b")`)
			f.SetCellFormula("Sheet1", "A3", "SUM(A1:B1)")
		}),
		"rich text": build(func(f *excelize.File) {
			f.SetCellRichText("Sheet1", "A1", []excelize.RichTextRun{
				{Text: "北京", Font: &excelize.Font{Bold: true, Color: "FF0000", Size: 12}},
				{Text: "市朝阳区", Font: &excelize.Font{Italic: true, Family: "宋体"}},
			})
			f.SetCellValue("Sheet1", "B1", "普通")
		}),
		"merged and sheets": xlsxBytes(t, map[string][][]any{
			"台账": {{"标题"}, {}, {"姓名", "户号"}, {"张三", 1}, {}, {}, {"李四", 2}},
			"说明": {{"填表说明"}, {nil, nil, "C2"}},
		}, []string{"台账", "说明"}, [][2]string{{"A1", "B2"}}),
		"stream writer": func() []byte {
			f := excelize.NewFile()
			defer f.Close()
			sw, err := f.NewStreamWriter("Sheet1")
			if err != nil {
				t.Fatal(err)
			}
			sw.SetRow("A1", []any{"姓名", "身份证号", "出生日期"})
			for i := 2; i < 50; i++ {
				sw.SetRow(fmt.Sprintf("A%d", i*2), []any{fmt.Sprintf("居民%d", i), "110105198001020018", birth, excelize.Cell{Formula: "1+1"}, true})
			}
			sw.Flush()
			buf, _ := f.WriteToBuffer()
			return buf.Bytes()
		}(),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) { wantFast(t, data) })
	}
}

const xmlDecl = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

type handSheet struct{ name, target, xml string }

// handXLSX writes a package by hand, so that the XML is exactly what other
// writers produce (or what an attacker writes). sst == "" leaves out the
// shared strings part.
func handXLSX(t testing.TB, sheets []handSheet, sst string, extra ...[2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	var wb, rels strings.Builder
	for i, s := range sheets {
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, s.name, i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="%s"/>`, i+1, s.target)
	}
	add("[Content_Types].xml", xmlDecl+`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>`)
	add("_rels/.rels", xmlDecl+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	add("xl/workbook.xml", xmlDecl+`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`+wb.String()+`</sheets></workbook>`)
	add("xl/_rels/workbook.xml.rels", xmlDecl+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+rels.String()+`</Relationships>`)
	for _, s := range sheets {
		name := "xl/" + s.target // relative to the workbook part
		if strings.HasPrefix(s.target, "/") {
			name = s.target[1:]
		}
		add(name, s.xml)
	}
	if sst != "" {
		add("xl/sharedStrings.xml", sst)
	}
	for _, e := range extra {
		add(e[0], e[1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func oneSheet(t testing.TB, sheetXML, sst string) []byte {
	return handXLSX(t, []handSheet{{"Sheet1", "worksheets/sheet1.xml", sheetXML}}, sst)
}

func sheetDoc(rows string) string {
	return xmlDecl + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><dimension ref="A1:D9"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="12" customWidth="1"/></cols><sheetData>` +
		rows + `</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/><extLst><ext uri="{x}"><x14:foo xmlns:x14="urn:x"/></ext></extLst></worksheet>`
}

func sstDoc(items ...string) string {
	return xmlDecl + `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="` + fmt.Sprint(len(items)) + `" uniqueCount="` + fmt.Sprint(len(items)) + `">` + strings.Join(items, "") + `</sst>`
}

var handSST = sstDoc(
	`<si><t>姓名</t></si>`,
	`<si><t xml:space="preserve">  户号 </t></si>`,
	`<si><r><rPr><b/><sz val="11"/><color theme="1" tint="-0.25"/><rFont val="宋体"/><family val="3"/><charset val="134"/><scheme val="minor"/></rPr><t>北京</t></r><r><t xml:space="preserve">市 </t></r><rPh sb="0" eb="2"><t>ペキン</t></rPh><phoneticPr fontId="1" type="noConversion"/></si>`,
	`<si><t>a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#34;&#x4E2D;&#25991;</t></si>`,
	`<si><t>第一行_x000D_
第二行_x005F_x000D_ _x0008_ _xD800_ _x00e9_</t></si>`,
	`<si><t/></si>`,
	`<si/>`,
	"<si><t>CR\r\nLF\rend</t></si>",
	`<si><t>前</t><r><t>跑</t></r><t>后</t></si>`,
	`<si><r><t>_x00</t></r><r><t>41_</t></r></si>`,
)

func TestXLSXDiffHandWritten(t *testing.T) {
	cases := map[string]string{
		"shared, inline, types": `<row r="1" spans="1:4"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>` +
			`<row r="2"><c r="A2" t="inlineStr"><is><t>行内</t></is></c><c r="B2" t="inlineStr"><is><r><t>富</t></r><r><rPr><i/></rPr><t>文本</t></r></is></c><c r="C2" t="b"><v>1</v></c><c r="D2" t="e"><v>#N/A</v></c><c r="E2" t="str"><f>A1&amp;B1</f><v>公式结果</v></c><c r="F2" t="n"><v>29222</v></c><c r="G2"><v>1.5E-3</v></c><c r="H2" t="d"><v>2024-01-31T00:00:00</v></c></row>`,
		"no r attributes":                  `<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row><c><v>1</v></c><c/><c><v>3</v></c></row><row/><row><c t="s"><v>4</v></c></row>`,
		"gaps and empty rows":              `<row r="2"><c r="C2"><v>1</v></c><c r="F2" t="s"><v>0</v></c></row><row r="3"/><row r="7" spans="1:3"><c r="A7" s="1"/><c r="B7" s="2"/><c r="D7" t="s"><v>5</v></c></row><row r="9"><c r="B9" t="s" s="3"><v>6</v></c></row>`,
		"entities in cells and attributes": `<row r="1"><c r="A&#49;" t="&#115;"><v>3</v></c><c r="B1" t="inlineStr"><is><t>&lt;tag&gt; &amp;&#x1F600;&#12288;</t></is></c><c r="C1"><v> 12 </v></c></row>`,
		"escapes and CR":                   `<row r="1"><c r="A1" t="s"><v>4</v></c><c r="B1" t="s"><v>7</v></c><c r="C1" t="inlineStr"><is><t>x_x000D_y</t></is></c><c r="D1" t="str"><v>_x000D_ not unescaped in v</v></c></row>`,
		"formulas":                         `<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1</f><v>2</v></c><c r="C1"><f>NOW()</f></c><c r="E1"><f ca="1">RAND()</f><v></v></c></row><row r="2"><c r="B2"><f t="shared" si="0"/><v>3</v></c></row>`,
		"odd shared indexes":               `<row r="1"><c r="A1" t="s"><v> 1 </v></c><c r="B1" t="s"><v>99</v></c><c r="C1" t="s"><v>abc</v></c><c r="D1" t="s"><v>-1</v></c><c r="E1" t="s"><v>+2</v></c><c r="F1" t="s"><v></v></c><c r="G1" t="s"><v>5</v></c><c r="H1" t="s"><v>8</v></c><c r="I1" t="s"><v>9</v></c><c r="J1" t="s"><v>6</v></c></row>`,
		"cells out of order and repeated":  `<row r="1"><c r="C1"><v>3</v></c><c r="A1"><v>1</v></c><c r="C1"><v>again</v></c><c><v>next</v></c><c r="$E$1"><v>abs</v></c><c r="f1"><v>lower</v></c></row>`,
		"prefixed elements":                `<x:row r="1" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1"><x:v>7</x:v></x:c></x:row>`,
		"whitespace and pretty printing":   "\n  <row r=\"1\">\n    <c r=\"A1\" t=\"s\">\n      <v>0</v>\n    </c>\n    <c r=\"B1\" >\t<v >5</v ></c >\n  </row>\r\n  <row r=\"2\" ><c r = 'B2' t = 'inlineStr'><is><t>单引号</t></is></c></row>\n",
		"multiple v and is":                `<row r="1"><c r="A1"><v>first</v><v>second</v></c><c r="B1" t="inlineStr"><is><t>a</t></is><is><r><t>b</t></r></is></c><c r="C1" t="inlineStr"><v>fallback</v></c><c r="D1" t="inlineStr"><is/></c></row>`,
		"row numbers beyond":               `<row r="1048575"><c r="A1048575"><v>1</v></c></row><row><c r="B1048576"><v>2</v></c></row>`,
		"cell at XFD":                      `<row r="1"><c r="XFD1"><v>far</v></c></row><row r="2"><c r="A2"><v>near</v></c></row>`,
		"attributes without spaces":        `<row r="1"><c r="A1"t="s"><v>0</v></c><c xmlns:foo="u" foo:r="C1"><v>prefixed r</v></c></row>`,
	}
	for name, rows := range cases {
		t.Run(name, func(t *testing.T) {
			wantFast(t, oneSheet(t, sheetDoc(rows), handSST))
		})
	}
	t.Run("prefixed shared strings", func(t *testing.T) {
		wantFast(t, oneSheet(t, sheetDoc(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`),
			xmlDecl+`<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns="urn:other" count="2"><x:si><x:t>姓名</x:t></x:si><si><r><t>北</t></r><x:r><x:t>京</x:t></x:r></si></x:sst>`))
	})
	t.Run("no shared strings part", func(t *testing.T) {
		wantFast(t, oneSheet(t, sheetDoc(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1</v></c></row>`), ""))
	})
	t.Run("no sheetData rows", func(t *testing.T) {
		wantFast(t, oneSheet(t, xmlDecl+`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>`, handSST))
		wantFast(t, oneSheet(t, sheetDoc(""), handSST))
	})
	t.Run("no declaration, BOM", func(t *testing.T) {
		wantFast(t, oneSheet(t, "\uFEFF<worksheet><sheetData><row><c><v>1</v></c></row></sheetData></worksheet>", handSST))
	})
}

// TestXLSXDiffGenerated compares the readers on random sheets built from
// the pieces writers use, which reach far more of the fast reader's paths
// than byte-level fuzzing of well-formed XML does.
func TestXLSXDiffGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 1))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	texts := []string{"", "1", "29222", "1.5E+17", " 3 ", "12", "0", "abc", "张三", "北京市 朝阳区", "a&amp;b", "&#x4E2D;&#25991;",
		"x_x000D_y", "_x005F_x0041_", "  空格  ", "line\r\nbreak", "tab\there", "&lt;&gt;&quot;&apos;", "#N/A", "TRUE", "-0"}
	space := func() string { return pick("", "", "", " ", "\n  ", "\r\n\t") }
	const sheets = 1000
	fallbacks := 0
	for range sheets {
		var b strings.Builder
		row := 0
		for range 1 + rng.IntN(25) {
			b.WriteString(space())
			b.WriteString("<row")
			switch rng.IntN(10) {
			case 0, 1, 2:
				row++
			case 3:
				fmt.Fprintf(&b, ` r="0"`)
				row++
			case 4:
				if rng.IntN(4) == 0 && row > 1 {
					fmt.Fprintf(&b, ` r="%d"`, row-1) // backwards: excelize merges, the fast reader hands over
				} else {
					row += 1 + rng.IntN(5)
					fmt.Fprintf(&b, ` r="%d"`, row)
				}
			default:
				row++
				fmt.Fprintf(&b, ` r="%d"`, row)
			}
			if rng.IntN(3) == 0 {
				b.WriteString(` spans="1:9" x14ac:dyDescent="0.25"`)
			}
			if rng.IntN(8) == 0 {
				b.WriteString("/>")
				continue
			}
			b.WriteString(">")
			col := 0
			for range rng.IntN(9) {
				b.WriteString(space())
				b.WriteString("<c")
				switch rng.IntN(6) {
				case 0:
				case 1:
					col = 1 + rng.IntN(12) // anywhere, even backwards
					fmt.Fprintf(&b, ` r="%s%d"`, pick("", "$")+ColumnName(col-1), max(row, 1))
				default:
					col += 1 + rng.IntN(3)
					fmt.Fprintf(&b, ` r="%s%d"`, ColumnName(col-1), max(row, 1))
				}
				if rng.IntN(3) == 0 {
					fmt.Fprintf(&b, ` s="%d"`, rng.IntN(5))
				}
				typ := pick("", "s", "s", "s", "inlineStr", "str", "b", "e", "n", "d")
				if typ != "" {
					fmt.Fprintf(&b, ` t="%s"`, typ)
				}
				if rng.IntN(7) == 0 {
					b.WriteString("/>")
					continue
				}
				b.WriteString(">")
				if rng.IntN(5) == 0 {
					fmt.Fprintf(&b, `<f%s>%s</f>`, pick("", ` t="shared" si="0"`, ` ca="1"`), pick("A1+1", "SUM(A1:B2)", ""))
				}
				text := pick(texts...)
				if typ == "s" && rng.IntN(3) > 0 {
					text = fmt.Sprint(rng.IntN(13))
				}
				switch {
				case typ == "inlineStr" && rng.IntN(4) > 0:
					if rng.IntN(2) == 0 {
						fmt.Fprintf(&b, `<is><t%s>%s</t></is>`, pick("", ` xml:space="preserve"`), text)
					} else {
						fmt.Fprintf(&b, `<is><r><rPr><b/><sz val="11"/></rPr><t>%s</t></r><r><t>%s</t></r><rPh sb="0" eb="1"><t>ヨミ</t></rPh></is>`, text, pick(texts...))
					}
				case rng.IntN(6) == 0:
				default:
					fmt.Fprintf(&b, `<v>%s</v>`, text)
				}
				b.WriteString(space() + "</c>")
			}
			b.WriteString(space() + "</row>")
		}
		data := oneSheet(t, sheetDoc(b.String()), handSST)
		fallbacks += diffSheets(t, data, Limits{MaxCols: 20000})
	}
	// About a quarter have a row numbered backwards, which excelize merges
	// into the row before: those are handed over mid-sheet.
	t.Logf("%d sheets, %d handed over to excelize", sheets, fallbacks)
	if fallbacks > sheets/3 {
		t.Fatalf("%d of %d sheets handed over: the fast reader is not what is being tested", fallbacks, sheets)
	}
}

// TestXLSXSheetResolution: sheet names lead to parts through the workbook
// and its relationships, whatever the parts are called.
func TestXLSXSheetResolution(t *testing.T) {
	data := handXLSX(t, []handSheet{
		{"数据", "worksheets/data.xml", sheetDoc(`<row r="1"><c r="A1" t="inlineStr"><is><t>数据表</t></is></c></row>`)},
		{"Sheet1", "/xl/worksheets/other.xml", sheetDoc(`<row r="1"><c r="A1" t="inlineStr"><is><t>另一张</t></is></c></row>`)},
	}, handSST)
	wantFast(t, data)
	s := mustOpen(t, data, "a.xlsx")
	for sheet, want := range map[string]string{"数据": "数据表", "sheet1": "另一张"} {
		res := collect(s.xlsxIter(sheet))
		if res.Err != nil || len(res.Rows) != 1 || res.Rows[0].Cells[0] != want {
			t.Fatalf("%s: %+v", sheet, res)
		}
	}
}

// TestXLSXFallbacks: where the fast reader is unsure it hands over to
// excelize, and the result is still excelize's, row for row.
func TestXLSXFallbacks(t *testing.T) {
	cases := map[string]struct{ sheet, sst string }{
		"rows going backwards": {sheetDoc(`<row r="1"><c r="A1"><v>1</v></c></row><row r="3"><c r="A3"><v>3</v></c></row><row r="2"><c r="B2"><v>2</v></c></row><row r="4"><c r="A4"><v>4</v></c></row>`), handSST},
		"comment":              {sheetDoc(`<row r="1"><c r="A1"><v>1</v></c></row><!-- note --><row r="2"><c r="A2"><v>2</v></c></row>`), handSST},
		"syntax error":         {sheetDoc(`<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c><c r="B2"><v>&bad;</v></c></row><row r="3"><c r="A3"><v>3</v></c></row>`), handSST},
		"row after sheetData":  {xmlDecl + `<worksheet><sheetData><row r="1"><c><v>1</v></c></row></sheetData><foo><row r="5"><c><v>5</v></c></row></foo></worksheet>`, handSST},
		"row before sheetData": {xmlDecl + `<worksheet><sheetPr><row><c><v>0</v></c></row></sheetPr><sheetData><row><c><v>1</v></c></row></sheetData></worksheet>`, handSST},
		"unknown cell child":   {sheetDoc(`<row r="1"><c r="A1"><extLst/><v>1</v></c></row>`), handSST},
		"bad style":            {sheetDoc(`<row r="1"><c r="A1" s="x"><v>1</v></c><c r="B1"><v>2</v></c></row>`), handSST},
		"CDATA":                {sheetDoc(`<row r="1"><c r="A1" t="str"><v><![CDATA[<x>]]></v></c></row>`), handSST},
		"GBK declaration":      {`<?xml version="1.0" encoding="GBK"?><worksheet><sheetData><row><c><v>1</v></c></row></sheetData></worksheet>`, handSST},
		"truncated":            {sheetDoc(`<row r="1"><c r="A1"><v>1</v></c></row>`)[:300], handSST},
		"sst without namespace": {sheetDoc(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`),
			`<sst><si><t>x</t></si></sst>`},
		"sst bad count": {sheetDoc(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`),
			`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="x"><si><t>x</t></si></sst>`},
		"sst bad run property": {sheetDoc(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`),
			sstDoc(`<si><r><rPr><sz val="big"/></rPr><t>x</t></r></si>`)},
		"sst prefix bound elsewhere": {sheetDoc(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`),
			`<x:sst xmlns:x="urn:other" xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:si><x:t>x</x:t></x:si></x:sst>`},
		"sst prefix unbound": {sheetDoc(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`),
			`<x:sst><x:si><x:t>x</x:t></x:si></x:sst>`},
		"strict namespace": {sheetDoc(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`),
			sstDoc(`<si><t>http://purl.oclc.org/ooxml/spreadsheetml/main</t></si>`)},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if n := diffSheets(t, oneSheet(t, c.sheet, c.sst), Limits{}); n == 0 {
				t.Fatal("expected a fallback to excelize")
			}
		})
	}
}

// TestXLSXErrorsMatch: where excelize fails a sheet, the fast reader fails
// it at the same row with the same error.
func TestXLSXErrorsMatch(t *testing.T) {
	for name, rows := range map[string]string{
		"bad row number":  `<row r="1"><c r="A1"><v>1</v></c></row><row r="x"><c><v>2</v></c></row>`,
		"row too far":     `<row r="1"><c r="A1"><v>1</v></c></row><row r="1048577"><c><v>2</v></c></row>`,
		"bad cell ref":    `<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="2A"><v>2</v></c></row>`,
		"column too far":  `<row r="1"><c r="XFE1"><v>1</v></c></row>`,
		"blank rows then": `<row r="1"><c r="A1"><v>1</v></c></row><row r="40"><c r="A40"><v>1</v></c><c r="1"><v>2</v></c></row>`,
	} {
		t.Run(name, func(t *testing.T) {
			data := oneSheet(t, sheetDoc(rows), handSST)
			if n := diffSheets(t, data, Limits{}); n != 0 {
				t.Fatalf("%d fallbacks", n)
			}
			s := mustOpen(t, data, "a.xlsx")
			if res := collect(s.xlsxIter("Sheet1")); res.Err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// TestXLSXBounds: hostile sheets cost bounded memory. These are the
// deliberate differences from excelize, which would read them.
func TestXLSXBounds(t *testing.T) {
	// Varied text, so that the zip's ratio check lets it through.
	var g strings.Builder
	for x := uint32(1); g.Len() < maxCellBytes+10; {
		x = x*1664525 + 1013904223
		g.WriteRune(rune(0x4E00 + x>>16%0x5000))
	}
	giant := g.String()
	s := mustOpen(t, oneSheet(t, sheetDoc(`<row r="1"><c r="A1" t="inlineStr"><is><t>`+giant+`</t></is></c></row>`), handSST), "a.xlsx")
	wantErr(t, collect(s.xlsxIter("Sheet1")).Err, "importexport.xlsx_cell_too_long")

	s = mustOpen(t, oneSheet(t, sheetDoc(""), sstDoc(`<si><t>`+giant+`</t></si>`)), "a.xlsx")
	wantErr(t, collect(s.xlsxIter("Sheet1")).Err, "importexport.xlsx_cell_too_long")

	deep := strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)
	s = mustOpen(t, oneSheet(t, `<worksheet>`+deep+`<sheetData><row><c><v>1</v></c></row></sheetData></worksheet>`, handSST), "a.xlsx")
	wantErr(t, collect(s.xlsxIter("Sheet1")).Err, "importexport.damaged")

	// A row far down costs nothing for the rows before it.
	s = mustOpen(t, oneSheet(t, sheetDoc(`<row r="1048576"><c r="A1048576"><v>1</v></c></row>`), handSST), "a.xlsx")
	var before, after runtime.MemStats
	it, _ := s.xlsxIter("Sheet1")
	n := 0
	runtime.ReadMemStats(&before)
	for {
		num, _, ok := it.next()
		if !ok {
			break
		}
		n = num
	}
	runtime.ReadMemStats(&after)
	it.close()
	if n != 1048576 || after.TotalAlloc-before.TotalAlloc > 1<<20 {
		t.Fatalf("%d rows, %d bytes allocated", n, after.TotalAlloc-before.TotalAlloc)
	}

	// A row wider than MaxCols keeps only MaxCols+1 cells, and is refused.
	var wide strings.Builder
	wide.WriteString(`<row r="1">`)
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&wide, `<c t="inlineStr"><is><t>列%d</t></is></c>`, i)
	}
	wide.WriteString(`</row>`)
	data := oneSheet(t, sheetDoc(wide.String()), handSST)
	s2, _ := openBytes(t, data, "a.xlsx", Limits{MaxCols: 10})
	res := collect(s2.xlsxIter("Sheet1"))
	if len(res.Rows) != 1 || len(res.Rows[0].Cells) != 11 {
		t.Fatalf("%+v", res)
	}
	_, err := s2.Detect("", []Field{{Key: "a", Label: "列0"}})
	wantErr(t, err, "importexport.too_many_cols")
	diffSheets(t, data, Limits{MaxCols: 20000})
}

// TestXLSXDetectAndRowsUseFastReader: the public API reads through the fast
// reader and gives what the excelize path gives.
func TestXLSXDetectAndRowsUseFastReader(t *testing.T) {
	data := messyLedger(t)
	read := func(fast bool) ([]Row, *Mapping, int) {
		defer func(old bool) { useFastXLSX = old }(useFastXLSX)
		useFastXLSX = fast
		s := mustOpen(t, data, "a.xlsx")
		m, err := s.Detect("", residentFields())
		if err != nil {
			t.Fatal(err)
		}
		var rows []Row
		if err := s.Rows(m, func(r Row) error { rows = append(rows, r); return nil }); err != nil {
			t.Fatal(err)
		}
		return rows, m, s.fallbacks
	}
	fastRows, fastMap, n := read(true)
	slowRows, slowMap, _ := read(false)
	if n != 0 || !reflect.DeepEqual(fastRows, slowRows) || !reflect.DeepEqual(fastMap, slowMap) {
		t.Fatalf("fallbacks %d\nfast %+v\nslow %+v", n, fastRows, slowRows)
	}
	// A large upload is spooled to a temp file, which the fast reader reads.
	defer func(old int64) { spoolAbove = old }(spoolAbove)
	spoolAbove = 1024
	spooled, spooledMap, n := read(true)
	if n != 0 || !reflect.DeepEqual(spooled, slowRows) || !reflect.DeepEqual(spooledMap, slowMap) {
		t.Fatalf("spooled: fallbacks %d\n%+v", n, spooled)
	}
	// Open keeps the file for the fast reader.
	s, err := Open(writeTemp(t, "a.xlsx", data), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if res := collect(s.xlsxIter(s.Sheets()[0])); res.Err != nil || len(res.Rows) != 12 || s.fallbacks != 0 {
		t.Fatalf("%d fallbacks, %+v", s.fallbacks, res)
	}
}

func TestUnescapeOOXML(t *testing.T) {
	for in, want := range map[string]string{
		"a_x000D_b":        "a\rb",
		"_x005F_x000D_":    "_x000D_",
		"_x005f_":          "_",
		"_xD800_x":         "x",
		"_x00e9__x00E9_":   "éé",
		"_x12_ _x0041":     "_x12_ _x0041",
		"__x0041_":         "_A",
		"_x0041__x0042_xy": "ABxy",
	} {
		if got := string(unescapeOOXML([]byte(in))); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func diffSeedBase(t testing.TB) []byte {
	return oneSheet(t, sheetDoc(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`), handSST)
}

// FuzzXLSXDifferential mutates the worksheet and shared strings of a valid
// workbook (with ownSST false the shared strings stay valid, so that the
// fuzzer spends its time on the sheet). The fast reader must not panic,
// must stay within bounded memory, and must return excelize's rows and
// outcome — except where it refuses on purpose (a cell beyond any Excel
// limit, nesting deeper than maxDepth; see TestXLSXBounds).
func FuzzXLSXDifferential(f *testing.F) {
	for _, rows := range []string{
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>x</t></is></c><c r="C3"><f>1+1</f><v>2</v></c></row>`,
		`<row><c><v>1</v></c><c/><c t="b"><v>0</v></c></row><row/><row><c r="D4" t="s"><v>4</v></c></row>`,
		`<row r="2"><c r="A2" t="e"><v>#DIV/0!</v></c></row><row r="1"><c r="A1"><v>1</v></c></row>`,
		`<row r="1"><c r="A1" t="s"><v>7</v></c><c r="B1" t="inlineStr"><is><r><rPr><b val="0"/><color rgb="FFFF0000"/></rPr><t>&#x41;_x0042_</t></r><rPh sb="0" eb="1"><t>x</t></rPh></is></c><c r="C1" t="str"><v>a&amp;b&#13;&#10;c</v></c></row>`,
	} {
		f.Add([]byte(sheetDoc(rows)), []byte(handSST), true)
		f.Add([]byte(sheetDoc(rows)), []byte(nil), false)
	}
	// Far rows and columns; the 1,048,576-row case is in TestXLSXBounds, as
	// each run of it would take the fuzzer a second.
	f.Add([]byte(`<worksheet><sheetData><row r="5000"><c r="XFD5000"><v>1</v></c></row></sheetData></worksheet>`), []byte(sstDoc(`<si><t>a</t></si>`)), true)
	base := diffSeedBase(f)
	lim := Limits{MaxRows: 2000, MaxCols: 20000, MaxUncompressed: 64 << 20}
	f.Fuzz(func(t *testing.T, sheet, sst []byte, ownSST bool) {
		if len(sheet)+len(sst) > 1<<20 {
			t.Skip("inputs are capped at 1 MiB")
		}
		if !ownSST {
			sst = []byte(handSST)
		}
		data := replaceEntry(t, replaceEntry(t, base, "xl/worksheets/sheet1.xml", sheet), "xl/sharedStrings.xml", sst)
		s, err := OpenReader(bytes.NewReader(data), int64(len(data)), "a.xlsx", lim)
		if err != nil {
			return // Open is shared by both paths
		}
		defer s.Close()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if it, err := s.xlsxIter("Sheet1"); err == nil {
			for {
				if _, _, ok := it.next(); !ok {
					break
				}
			}
			it.close()
		}
		runtime.ReadMemStats(&after)
		fast := collect(s.xlsxIter("Sheet1"))
		if s.fallbacks == 0 {
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20+uint64(50*(len(sheet)+len(sst))) {
				t.Fatalf("fast reader allocated %d bytes for %d bytes of XML", alloc, len(sheet)+len(sst))
			}
		}
		switch errKey(fast.Err) {
		case "importexport.xlsx_cell_too_long":
			return // deliberate: excelize would read such a cell
		case "importexport.damaged":
			if s.fallbacks == 0 && depthOver(sheet) {
				return // deliberate: nesting deeper than maxDepth
			}
		}
		slow := collect(s.excelizeIter("Sheet1"))
		compareResults(t, "Sheet1", fast, slow)
	})
}

// depthOver reports whether XML may nest deeper than maxDepth (roughly: more
// start tags than the limit).
func depthOver(b []byte) bool { return bytes.Count(b, []byte("<")) > maxDepth }

// BenchmarkReadXLSXExcelize is BenchmarkReadXLSX through excelize's row
// iterator, the reader the fast one replaces, for comparison.
func BenchmarkReadXLSXExcelize(b *testing.B) {
	defer func(old bool) { useFastXLSX = old }(useFastXLSX)
	useFastXLSX = false
	BenchmarkReadXLSX(b)
}

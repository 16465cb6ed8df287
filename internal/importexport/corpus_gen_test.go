package importexport

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The generator of testdata/corpus/gen-*.xlsx: workbooks with the traits of
// Excel and WPS that LibreOffice never writes, each part written out as
// those programs write it. scripts/make-xlsx-corpus.sh runs it (go test
// -run TestXLSXCorpusGenerated -write-corpus); TestXLSXCorpusGenerated
// checks that the committed files are what it writes.

const (
	nsRel      = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkgRel   = "http://schemas.openxmlformats.org/package/2006/relationships"
	nsStrict   = "http://purl.oclc.org/ooxml/spreadsheetml/main"
	nsStrictR  = "http://purl.oclc.org/ooxml/officeDocument/relationships"
	ctWorkbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
	ctSheet    = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
)

// genBook is one generated workbook. With prefixed, every SpreadsheetML
// element the generator writes has the prefix "x:" bound to the main
// namespace (the .NET Open XML SDK does this, and so do systems whose
// exports arrive as "WPS" files); rows and shared string items are taken as
// written, prefixes and all.
type genBook struct {
	app      string // docProps/app.xml's Application: "Microsoft Excel", "WPS 表格"
	date1904 bool
	strict   bool // ISO 29500 Strict namespaces, as Excel's "Strict Open XML" saves
	prefixed bool
	sheets   []genSheet
	sst      []string // <si> contents, "x:" already in them when prefixed; nil: no part
	numFmts  string   // <numFmt> elements
	xfs      []string // attributes of each <xf> in cellXfs
	extra    [][2]string
}

type genSheet struct {
	name, state string // state: "" or "hidden"
	dimension   string // the <dimension ref>, which writers do not always get right
	cols        string
	rows        string // the <row> elements
	merges      []string
	tail        string // what follows sheetData (validations, page setup)
}

func (b genBook) ns() (main, rel string) {
	if b.strict {
		return nsStrict, nsStrictR
	}
	return nsMain, nsRel
}

// el names an element of the main namespace as the book writes it.
func (b genBook) el(name string) string {
	if b.prefixed {
		return "x:" + name
	}
	return name
}

func (b genBook) root(name, attrs string) string {
	main, rel := b.ns()
	if b.prefixed {
		return fmt.Sprintf(`<x:%s xmlns:x=%q xmlns:r=%q%s>`, name, main, rel, attrs)
	}
	return fmt.Sprintf(`<%s xmlns=%q xmlns:r=%q%s>`, name, main, rel, attrs)
}

// parts returns the package's parts in the order Excel writes them.
func (b genBook) parts() [][2]string {
	_, rel := b.ns()
	relType := func(t string) string { return rel + "/" + t }
	e := b.el
	var ct, wbRels, sheets strings.Builder
	ct.WriteString(xmlDecl + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>`)
	fmt.Fprintf(&ct, `<Override PartName="/xl/workbook.xml" ContentType="%s"/>`, ctWorkbook)
	wbRels.WriteString(xmlDecl + `<Relationships xmlns="` + nsPkgRel + `">`)
	for i, s := range b.sheets {
		fmt.Fprintf(&ct, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="%s"/>`, i+1, ctSheet)
		fmt.Fprintf(&wbRels, `<Relationship Id="rId%d" Type="%s" Target="worksheets/sheet%d.xml"/>`, i+1, relType("worksheet"), i+1)
		state := ""
		if s.state != "" {
			state = ` state="` + s.state + `"`
		}
		fmt.Fprintf(&sheets, `<%s name="%s" sheetId="%d"%s r:id="rId%d"/>`, e("sheet"), s.name, i+1, state, i+1)
	}
	n := len(b.sheets)
	fmt.Fprintf(&wbRels, `<Relationship Id="rId%d" Type="%s" Target="styles.xml"/>`, n+1, relType("styles"))
	ct.WriteString(`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	if b.sst != nil {
		fmt.Fprintf(&wbRels, `<Relationship Id="rId%d" Type="%s" Target="sharedStrings.xml"/>`, n+2, relType("sharedStrings"))
		ct.WriteString(`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`)
	}
	wbRels.WriteString(`</Relationships>`)
	ct.WriteString(`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>`)

	wbPr := `<` + e("workbookPr") + ` defaultThemeVersion="164011"/>`
	if b.date1904 {
		wbPr = `<` + e("workbookPr") + ` date1904="1" defaultThemeVersion="124226"/>`
	}
	conformance := ""
	if b.strict {
		conformance = ` conformance="strict"`
	}
	workbook := xmlDecl + b.root("workbook", conformance) +
		`<` + e("fileVersion") + ` appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27328"/>` + wbPr +
		`<` + e("bookViews") + `><` + e("workbookView") + ` xWindow="0" yWindow="0" windowWidth="28800" windowHeight="12300"/></` + e("bookViews") + `>` +
		`<` + e("sheets") + `>` + sheets.String() + `</` + e("sheets") + `><` + e("calcPr") + ` calcId="191029"/></` + e("workbook") + `>`

	styles := xmlDecl + b.root("styleSheet", "")
	if b.numFmts != "" {
		styles += fmt.Sprintf(`<%s count="%d">%s</%s>`, e("numFmts"), strings.Count(b.numFmts, "<"), b.numFmts, e("numFmts"))
	}
	styles += `<` + e("fonts") + ` count="2"><` + e("font") + `><` + e("sz") + ` val="11"/><` + e("name") + ` val="等线"/><` + e("charset") + ` val="134"/></` + e("font") + `><` + e("font") + `><` + e("b") + `/><` + e("sz") + ` val="16"/><` + e("name") + ` val="宋体"/><` + e("charset") + ` val="134"/></` + e("font") + `></` + e("fonts") + `>` +
		`<` + e("fills") + ` count="1"><` + e("fill") + `><` + e("patternFill") + ` patternType="none"/></` + e("fill") + `></` + e("fills") + `>` +
		`<` + e("borders") + ` count="1"><` + e("border") + `/></` + e("borders") + `>` +
		`<` + e("cellStyleXfs") + ` count="1"><` + e("xf") + ` numFmtId="0" fontId="0" fillId="0" borderId="0"/></` + e("cellStyleXfs") + `>`
	xfs := append([]string{`numFmtId="0" fontId="0"`}, b.xfs...)
	styles += fmt.Sprintf(`<%s count="%d">`, e("cellXfs"), len(xfs))
	for _, x := range xfs {
		styles += `<` + e("xf") + ` ` + x + ` fillId="0" borderId="0" xfId="0"/>`
	}
	styles += `</` + e("cellXfs") + `></` + e("styleSheet") + `>`

	out := [][2]string{
		{"[Content_Types].xml", ct.String()},
		{"_rels/.rels", xmlDecl + `<Relationships xmlns="` + nsPkgRel + `"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId1" Type="` + relType("officeDocument") + `" Target="xl/workbook.xml"/></Relationships>`},
		{"docProps/app.xml", xmlDecl + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>` + b.app + `</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><Company></Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0300</AppVersion></Properties>`},
		{"docProps/core.xml", xmlDecl + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>社区工作站</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2024-01-08T01:02:03Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2024-03-01T08:00:00Z</dcterms:modified></cp:coreProperties>`},
		{"xl/workbook.xml", workbook},
		{"xl/_rels/workbook.xml.rels", wbRels.String()},
	}
	for i, s := range b.sheets {
		var w strings.Builder
		w.WriteString(xmlDecl + b.root("worksheet", ` xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac"`))
		if s.dimension != "" {
			fmt.Fprintf(&w, `<%s ref="%s"/>`, e("dimension"), s.dimension)
		}
		tab := ""
		if i == 0 {
			tab = ` tabSelected="1"`
		}
		fmt.Fprintf(&w, `<%s><%s%s workbookViewId="0"/></%s><%s defaultRowHeight="14.25" x14ac:dyDescent="0.2"/>`,
			e("sheetViews"), e("sheetView"), tab, e("sheetViews"), e("sheetFormatPr"))
		if s.cols != "" {
			fmt.Fprintf(&w, `<%s>%s</%s>`, e("cols"), s.cols, e("cols"))
		}
		if s.rows == "" {
			fmt.Fprintf(&w, `<%s/>`, e("sheetData"))
		} else {
			fmt.Fprintf(&w, `<%s>%s</%s>`, e("sheetData"), s.rows, e("sheetData"))
		}
		if len(s.merges) > 0 {
			fmt.Fprintf(&w, `<%s count="%d">`, e("mergeCells"), len(s.merges))
			for _, m := range s.merges {
				fmt.Fprintf(&w, `<%s ref="%s"/>`, e("mergeCell"), m)
			}
			fmt.Fprintf(&w, `</%s>`, e("mergeCells"))
		}
		w.WriteString(s.tail)
		fmt.Fprintf(&w, `<%s left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></%s>`, e("pageMargins"), e("worksheet"))
		out = append(out, [2]string{fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), w.String()})
	}
	out = append(out, [2]string{"xl/styles.xml", styles})
	if b.sst != nil {
		var w strings.Builder
		main, _ := b.ns()
		x := ""
		if b.prefixed {
			x = ":x"
		}
		// count is of the cells that refer to the table, more than its items.
		fmt.Fprintf(&w, `%s<%s xmlns%s=%q count="%d" uniqueCount="%d">`, xmlDecl, e("sst"), x, main, len(b.sst)+3, len(b.sst))
		for _, si := range b.sst {
			fmt.Fprintf(&w, `<%s>%s</%s>`, e("si"), si, e("si"))
		}
		fmt.Fprintf(&w, `</%s>`, e("sst"))
		out = append(out, [2]string{"xl/sharedStrings.xml", w.String()})
	}
	return append(out, b.extra...)
}

// zipParts writes parts into a zip the same way each time: fixed times,
// Deflate, in the order given.
func zipParts(t testing.TB, parts [][2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p[0], Method: zip.Deflate, Modified: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(p[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// phon is what Chinese Excel appends to nearly every shared string.
const phon = `<phoneticPr fontId="1" type="noConversion"/>`

// genCorpus returns the generated workbooks by file name.
func genCorpus() map[string]genBook {
	runFont := `<rPr><sz val="11"/><color theme="1"/><rFont val="等线"/><family val="3"/><charset val="134"/><scheme val="minor"/></rPr>`
	excelXfs := []string{
		`numFmtId="14" fontId="0" applyNumberFormat="1"`,  // 1: short date
		`numFmtId="49" fontId="0" applyNumberFormat="1"`,  // 2: text (@)
		`numFmtId="176" fontId="0" applyNumberFormat="1"`, // 3: 1980年1月2日
		`numFmtId="0" fontId="1" applyFont="1"`,           // 4: title
		`numFmtId="177" fontId="0" applyNumberFormat="1"`, // 5: h:mm
	}
	excelFmts := `<numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;;@"/><numFmt numFmtId="177" formatCode="h:mm;@"/>`
	validation := `<dataValidations count="1"><dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1" sqref="C3:C1000"><formula1>"男,女"</formula1></dataValidation></dataValidations>`

	books := map[string]genBook{}

	// Excel 365 in a Chinese locale: shared strings with phonetic
	// properties, a red asterisk run in a header, a pinyin guide (<rPh>),
	// every cell type, dates under built-in and custom formats, an ID number
	// stored as a number (17 significant digits, as Excel writes doubles),
	// a merged title row, and a dimension smaller than the data.
	books["gen-excel-rich.xlsx"] = genBook{
		app: "Microsoft Excel",
		sst: []string{
			`<t>和平里社区居民信息登记表</t>` + phon, // 0
			`<t>姓名</t>` + phon,
			`<t>身份证号</t>` + phon,
			`<t>性别</t>` + phon,
			`<t>出生日期</t>` + phon,
			`<t>联系电话</t>` + phon, // 5
			`<r><rPr><b/><sz val="11"/><color rgb="FFFF0000"/><rFont val="等线"/><family val="3"/><charset val="134"/><scheme val="minor"/></rPr><t>*</t></r><r>` + runFont + `<t>户号</t></r>` + phon,
			`<t>现住址</t>` + phon,
			`<t>人员类别</t>` + phon,
			`<t>张三</t>` + phon,
			`<t>单于</t><rPh sb="0" eb="2"><t>chán yú</t></rPh>` + phon, // 10: pinyin guide
			`<t>110105198001020018</t>` + phon,
			`<t>男</t>` + phon,
			`<t>女</t>` + phon,
			"<t xml:space=\"preserve\">北京市朝阳区和平里\n一区1号楼 </t>" + phon,
			`<r>` + runFont + `<t>李</t></r><r><rPr><i/><sz val="11"/><rFont val="等线"/><charset val="134"/></rPr><t xml:space="preserve">四 </t></r><rPh sb="0" eb="1"><t>lǐ</t></rPh>` + phon, // 15
			`<t>户主</t>` + phon,
			`<t>回车_x000D_换行</t>`,
		},
		numFmts: excelFmts,
		xfs:     excelXfs,
		sheets: []genSheet{{
			name:      "居民信息",
			dimension: "A1:I4",
			cols:      `<col min="1" max="1" width="10.625" customWidth="1"/><col min="2" max="2" width="20.625" style="2" customWidth="1"/>`,
			rows: `<row r="1" spans="1:9" ht="30" customHeight="1" x14ac:dyDescent="0.2"><c r="A1" s="4" t="s"><v>0</v></c><c r="B1" s="4"/><c r="C1" s="4"/><c r="D1" s="4"/><c r="E1" s="4"/><c r="F1" s="4"/><c r="G1" s="4"/><c r="H1" s="4"/><c r="I1" s="4"/></row>` +
				`<row r="2" spans="1:9" x14ac:dyDescent="0.2"><c r="A2" t="s"><v>1</v></c><c r="B2" s="2" t="s"><v>2</v></c><c r="C2" t="s"><v>3</v></c><c r="D2" t="s"><v>4</v></c><c r="E2" t="s"><v>5</v></c><c r="F2" t="s"><v>6</v></c><c r="G2" t="s"><v>7</v></c><c r="H2" t="s"><v>8</v></c><c r="I2" t="s"><v>16</v></c></row>` +
				`<row r="3" spans="1:9" x14ac:dyDescent="0.2"><c r="A3" t="s"><v>9</v></c><c r="B3" s="2" t="s"><v>11</v></c><c r="C3" t="s"><v>12</v></c><c r="D3" s="1"><v>29222</v></c><c r="E3"><v>13800138000</v></c><c r="F3" t="n"><v>1</v></c><c r="G3" t="s"><v>14</v></c><c r="H3" t="str"><f>IF(C3="男","男性","女性")</f><v>男性</v></c><c r="I3" t="b"><v>1</v></c></row>` +
				`<row r="4" spans="1:9" x14ac:dyDescent="0.2"><c r="A4" t="s"><v>10</v></c><c r="B4" s="2"><v>1.1010519850315002E+17</v></c><c r="C4" t="s"><v>13</v></c><c r="D4" s="3"><v>31121</v></c><c r="E4" t="e"><f>VLOOKUP(A4,#REF!,2,0)</f><v>#REF!</v></c><c r="F4"><v>2</v></c><c r="G4" s="2"/><c r="H4" t="s"><v>17</v></c><c r="I4" t="b"><v>0</v></c></row>` +
				`<row r="6" spans="1:9" x14ac:dyDescent="0.2"><c r="A6" t="s"><v>15</v></c><c r="B6" s="2" t="s"><v>11</v></c><c r="D6" s="1"><v>44986.999988425923</v></c><c r="E6"><v>0.30000000000000004</v></c><c r="F6"><v>-1.5E-3</v></c><c r="G6" s="5"><v>0.35416666666666669</v></c><c r="H6"><f>SUM(F3:F4)</f><v>3</v></c><c r="I6" t="e"><v>#N/A</v></c></row>`,
			merges: []string{"A1:I1"},
			tail:   validation,
		}},
	}

	// Excel 2011 for Mac saving with the 1904 date system: the same dates
	// are 1,462 smaller. The dimension claims far more than the data.
	books["gen-excel-1904.xlsx"] = genBook{
		app:      "Microsoft Macintosh Excel",
		date1904: true,
		sst:      []string{`<t>姓名</t>`, `<t>出生日期</t>`, `<t>登记时间</t>`, `<t>张三</t>`, `<t>李四</t>`},
		numFmts:  excelFmts,
		xfs:      excelXfs,
		sheets: []genSheet{{
			name:      "Sheet1",
			dimension: "A1:F100",
			rows: `<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>` +
				`<row r="2" spans="1:3"><c r="A2" t="s"><v>3</v></c><c r="B2" s="1"><v>27760</v></c><c r="C2" s="5"><v>43524.5</v></c></row>` +
				`<row r="3" spans="1:3"><c r="A3" t="s"><v>4</v></c><c r="B3" s="3"><v>29659</v></c><c r="C3" s="1"><v>0</v></c></row>`,
		}},
	}

	// A system's export as streaming writers make it: no shared strings,
	// inline strings only, <row> and <c> without r attributes, a dimension of
	// A1, the data on the second of three sheets (the third hidden), Java's
	// number notation (1.10105198001002E17), t="str" for plain text.
	books["gen-inline-norefs.xlsx"] = genBook{
		app: "Apache POI",
		sheets: []genSheet{
			{name: "填表说明", dimension: "A1", rows: `<row><c t="inlineStr"><is><t>本表由系统导出，请勿修改表头。</t></is></c></row>`},
			{
				name:      "居民信息",
				dimension: "A1",
				rows: `<row><c t="inlineStr"><is><t>姓名</t></is></c><c t="inlineStr"><is><t>身份证号</t></is></c><c t="inlineStr"><is><t>出生日期</t></is></c><c t="inlineStr"><is><t>现住址</t></is></c><c t="inlineStr"><is><t>联系电话</t></is></c><c t="inlineStr"><is><t>是否党员</t></is></c></row>` +
					`<row><c t="inlineStr"><is><t>张三</t></is></c><c t="n"><v>1.10105198001002E17</v></c><c s="1"><v>29222.0</v></c><c t="inlineStr"><is><r><t>北京市</t></r><r><rPr><b/></rPr><t>朝阳区</t></r><rPh sb="0" eb="3"><t>běi jīng shì</t></rPh></is></c><c t="str"><v>13800138000</v></c><c t="b"><v>true</v></c></row>` +
					`<row/>` +
					`<row><c t="inlineStr"><is><t xml:space="preserve"> 李四 </t></is></c><c t="inlineStr"><is><t>11010519850315002X</t></is></c><c t="inlineStr"><is><t>1985-03-15</t></is></c><c t="inlineStr"><is><t/></is></c><c t="e"><v>#N/A</v></c><c t="b"><v>0</v></c></row>` +
					`<row><c r="C5" t="inlineStr"><is><t>只填了第三列</t></is></c><c><v>4.5E-2</v></c></row>`,
			},
			{name: "字典", state: "hidden", rows: `<row><c t="inlineStr"><is><t>男</t></is></c><c t="inlineStr"><is><t>女</t></is></c></row>`},
		},
		xfs: []string{`numFmtId="14" fontId="0" applyNumberFormat="1"`},
	}

	// WPS 表格: its own docProps (custom.xml with KSOProductBuildVer), an
	// empty first sheet, the data on the second, ID numbers as text (WPS
	// turns digits beyond 11 into text as they are typed), a merged title.
	books["gen-wps.xlsx"] = genBook{
		app:     "WPS 表格",
		sst:     []string{`<t>人口信息表</t>`, `<t>姓名</t>`, `<t>公民身份号码</t>`, `<t>出生日期</t>`, `<t>与户主关系</t>`, `<t>王五</t>`, `<t>110105199912310011</t>`, `<t>户主</t>`, `<t>赵六</t>`, `<t>11010520000229001X</t>`, `<t>之子</t>`},
		numFmts: `<numFmt numFmtId="176" formatCode="yyyy/m/d"/>`,
		xfs:     []string{`numFmtId="176" fontId="0" applyNumberFormat="1"`, `numFmtId="49" fontId="0" applyNumberFormat="1"`, `numFmtId="0" fontId="1" applyFont="1"`},
		sheets: []genSheet{
			{name: "Sheet1", dimension: "A1"},
			{
				name:      "人口信息",
				dimension: "A1:D4",
				rows: `<row r="1" spans="1:4" ht="24" customHeight="1"><c r="A1" s="3" t="s"><v>0</v></c><c r="B1" s="3"/><c r="C1" s="3"/><c r="D1" s="3"/></row>` +
					`<row r="2" spans="1:4"><c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>2</v></c><c r="C2" t="s"><v>3</v></c><c r="D2" t="s"><v>4</v></c></row>` +
					`<row r="3" spans="1:4"><c r="A3" t="s"><v>5</v></c><c r="B3" s="2" t="s"><v>6</v></c><c r="C3" s="1"><v>36525</v></c><c r="D3" t="s"><v>7</v></c></row>` +
					`<row r="4" spans="1:4"><c r="A4" t="s"><v>8</v></c><c r="B4" s="2" t="s"><v>9</v></c><c r="C4" s="1"><v>36585</v></c><c r="D4" t="s"><v>10</v></c></row>`,
				merges: []string{"A1:D1"},
			},
		},
		extra: [][2]string{{"docProps/custom.xml", xmlDecl + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer"><vt:lpwstr>2052-12.1.0.16120</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="ICV"><vt:lpwstr>8B6C2A1E4D3F4B0C9E7A5D2F1C3B4A59</vt:lpwstr></property></Properties>`}},
	}

	// The same ledger as exports arrive that carry WPS's name but were
	// written by the .NET Open XML SDK: every SpreadsheetML element, the
	// shared strings and workbook included, with the prefix x:.
	prefixed := books["gen-wps.xlsx"]
	prefixed.prefixed = true
	prefixed.sheets = append([]genSheet(nil), prefixed.sheets...)
	prefixed.sheets[1].rows = strings.NewReplacer("<row", "<x:row", "</row", "</x:row", "<c ", "<x:c ", "</c>", "</x:c>", "<v>", "<x:v>", "</v>", "</x:v>").Replace(prefixed.sheets[1].rows)
	prefixedSST := make([]string, len(prefixed.sst))
	for i, s := range prefixed.sst {
		prefixedSST[i] = strings.NewReplacer("<t>", "<x:t>", "</t>", "</x:t>").Replace(s)
	}
	prefixed.sst = prefixedSST
	books["gen-wps-prefixed.xlsx"] = prefixed

	// Excel's "Strict Open XML Spreadsheet": other namespaces throughout.
	// The fast reader leaves such a package to excelize.
	strict := books["gen-excel-1904.xlsx"]
	strict.app, strict.date1904, strict.strict = "Microsoft Excel", false, true
	books["gen-excel-strict.xlsx"] = strict

	// A report tool that writes its totals row first: rows out of order,
	// which excelize merges, so the fast reader hands the sheet over there.
	books["gen-rows-unordered.xlsx"] = genBook{
		app: "Microsoft Excel",
		sst: []string{`<t>网格</t>`, `<t>户数</t>`, `<t>合计</t>`, `<t>第一网格</t>`, `<t>第二网格</t>`},
		sheets: []genSheet{{
			name:      "统计",
			dimension: "A1:B4",
			rows: `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>` +
				`<row r="4"><c r="A4" t="s"><v>2</v></c><c r="B4"><f>SUM(B2:B3)</f><v>300</v></c></row>` +
				`<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2"><v>120</v></c></row>` +
				`<row r="3"><c r="A3" t="s"><v>4</v></c><c r="B3"><v>180</v></c></row>`,
		}},
	}
	return books
}

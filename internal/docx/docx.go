// Package docx writes the few Word documents Linli prints: a title, a
// document number (文号), headings, body paragraphs and simple tables on an
// A4 page laid out like a government document (GB/T 9704: margins, 仿宋
// body, 黑体 headings, the page number in the footer). It writes the minimal
// WordprocessingML that Word, WPS and LibreOffice open; no maintained Go
// library for .docx was available to the build.
package docx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Fonts, named as Chinese offices have them installed; a reader without one
// substitutes its own Song/Hei face.
const (
	FontTitle   = "方正小标宋简体"
	FontBody    = "仿宋_GB2312"
	FontHeading = "黑体"
	FontSub     = "楷体_GB2312"
	FontLatin   = "Times New Roman"
)

// Page geometry in twips (1/1440 inch): A4 and the margins of GB/T 9704
// (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm).
const (
	PageWidth    = 11906
	PageHeight   = 16838
	MarginTop    = 2098
	MarginBottom = 1984
	MarginLeft   = 1587
	MarginRight  = 1474
	// TextWidth is the width between the margins.
	TextWidth = PageWidth - MarginLeft - MarginRight
)

type kind int

const (
	kTitle kind = iota
	kNumber
	kH1
	kH2
	kBody
	kPlain
	kTable
)

type block struct {
	kind   kind
	text   string
	header []string
	rows   [][]string
	widths []int
}

// Document is a document being built; Write renders it.
type Document struct {
	// Title and Author go to the document's properties.
	Title, Author string
	// Created is the creation time in the properties (zero: now).
	Created time.Time
	blocks  []block
}

// New starts a document whose properties carry title and author.
func New(title, author string) *Document { return &Document{Title: title, Author: author} }

// Heading is the document's title line (方正小标宋, 二号, centred).
func (d *Document) Heading(text string) { d.add(kTitle, text) }

// Number is the document-number line (文号) under the title, centred.
func (d *Document) Number(text string) { d.add(kNumber, text) }

// H1 is a first-level heading (黑体).
func (d *Document) H1(text string) { d.add(kH1, text) }

// H2 is a second-level heading (楷体).
func (d *Document) H2(text string) { d.add(kH2, text) }

// Para is body text (仿宋, first line indented two characters); each line
// of text is a paragraph of its own.
func (d *Document) Para(text string) {
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) != "" {
			d.add(kBody, strings.TrimSpace(line))
		}
	}
}

// Line is a body line without indent (a signature, a date, a note).
func (d *Document) Line(text string) { d.add(kPlain, text) }

// Table is a simple bordered table: a header row repeated on each page and
// the rows; widths are the columns' relative widths (nil: equal).
func (d *Document) Table(header []string, rows [][]string, widths []int) {
	d.blocks = append(d.blocks, block{kind: kTable, header: header, rows: rows, widths: widths})
}

func (d *Document) add(k kind, text string) { d.blocks = append(d.blocks, block{kind: k, text: text}) }

// Bytes renders the document.
func (d *Document) Bytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := d.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Write renders the document as a .docx package to w.
func (d *Document) Write(w io.Writer) error {
	created := d.Created
	if created.IsZero() {
		created = time.Now()
	}
	z := zip.NewWriter(w)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", rootRels},
		{"docProps/core.xml", fmt.Sprintf(coreXML, esc(d.Title), esc(d.Author), created.UTC().Format(time.RFC3339))},
		{"docProps/app.xml", appXML},
		{"word/_rels/document.xml.rels", documentRels},
		{"word/styles.xml", stylesXML()},
		{"word/settings.xml", settingsXML},
		{"word/footer1.xml", footerXML},
		{"word/document.xml", d.documentXML()},
	}
	for _, p := range parts {
		f, err := z.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: created})
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return err
		}
	}
	return z.Close()
}

func (d *Document) documentXML() string {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString(`<w:document xmlns:w="` + nsW + `" xmlns:r="` + nsR + `"><w:body>`)
	for _, bl := range d.blocks {
		switch bl.kind {
		case kTitle:
			para(&b, "Title", bl.text)
		case kNumber:
			para(&b, "DocNumber", bl.text)
		case kH1:
			para(&b, "Heading1", bl.text)
		case kH2:
			para(&b, "Heading2", bl.text)
		case kBody:
			para(&b, "BodyText", bl.text)
		case kPlain:
			para(&b, "Plain", bl.text)
		case kTable:
			table(&b, bl)
			// Word needs a paragraph between a table and what follows.
			para(&b, "Plain", "")
		}
	}
	fmt.Fprintf(&b, `<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter1"/><w:pgSz w:w="%d" w:h="%d"/>`+
		`<w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="851" w:footer="992" w:gutter="0"/>`+
		`<w:docGrid w:type="lines" w:linePitch="579"/></w:sectPr>`, PageWidth, PageHeight, MarginTop, MarginRight, MarginBottom, MarginLeft)
	b.WriteString(`</w:body></w:document>`)
	return b.String()
}

func para(b *strings.Builder, style, text string) {
	b.WriteString(`<w:p><w:pPr><w:pStyle w:val="` + style + `"/></w:pPr>`)
	if text != "" {
		b.WriteString(`<w:r><w:t xml:space="preserve">` + esc(text) + `</w:t></w:r>`)
	}
	b.WriteString(`</w:p>`)
}

func table(b *strings.Builder, bl block) {
	cols := len(bl.header)
	for _, r := range bl.rows {
		if len(r) > cols {
			cols = len(r)
		}
	}
	if cols == 0 {
		return
	}
	widths := make([]int, cols)
	total := 0
	for i := range widths {
		widths[i] = 1
		if i < len(bl.widths) && bl.widths[i] > 0 {
			widths[i] = bl.widths[i]
		}
		total += widths[i]
	}
	for i := range widths {
		widths[i] = widths[i] * TextWidth / total
	}
	b.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/>`)
	fmt.Fprintf(b, `<w:tblW w:w="%d" w:type="dxa"/>`, TextWidth)
	b.WriteString(`<w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		b.WriteString(`<w:` + side + ` w:val="single" w:sz="4" w:space="0" w:color="000000"/>`)
	}
	b.WriteString(`</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		fmt.Fprintf(b, `<w:gridCol w:w="%d"/>`, w)
	}
	b.WriteString(`</w:tblGrid>`)
	row := func(cells []string, head bool) {
		b.WriteString(`<w:tr>`)
		if head {
			b.WriteString(`<w:trPr><w:tblHeader/></w:trPr>`)
		}
		for i := 0; i < cols; i++ {
			text := ""
			if i < len(cells) {
				text = cells[i]
			}
			fmt.Fprintf(b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr>`, widths[i])
			style := "TableText"
			if head {
				style = "TableHead"
			}
			lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
			for _, l := range lines {
				para(b, style, l)
			}
			b.WriteString(`</w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	if len(bl.header) > 0 {
		row(bl.header, true)
	}
	for _, r := range bl.rows {
		row(r, false)
	}
	b.WriteString(`</w:tbl>`)
}

// esc escapes text for XML and drops the characters XML cannot hold
// (control characters a paste may bring).
func esc(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return -1
		}
		return r
	}, s)
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

const (
	nsW   = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsR   = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsRel = "http://schemas.openxmlformats.org/package/2006/relationships"
)

const contentTypes = xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
	`<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>` +
	`<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>` +
	`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
	`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>` +
	`</Types>`

const rootRels = xml.Header + `<Relationships xmlns="` + nsRel + `">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
	`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>` +
	`</Relationships>`

const documentRels = xml.Header + `<Relationships xmlns="` + nsRel + `">` +
	`<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
	`<Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>` +
	`<Relationship Id="rIdFooter1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>` +
	`</Relationships>`

const coreXML = xml.Header + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ` +
	`xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
	`<dc:title>%s</dc:title><dc:creator>%s</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">%s</dcterms:created></cp:coreProperties>`

const appXML = xml.Header + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Linli</Application></Properties>`

const settingsXML = xml.Header + `<w:settings xmlns:w="` + nsW + `"><w:defaultTabStop w:val="420"/><w:characterSpacingControl w:val="compressPunctuation"/>` +
	`<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>`

// The footer: "— 1 —", the page number centred as GB/T 9704 prints it
// (the PAGE field, filled by the reader).
const footerXML = xml.Header + `<w:ftr xmlns:w="` + nsW + `" xmlns:r="` + nsR + `"><w:p><w:pPr><w:pStyle w:val="Footer"/></w:pPr>` +
	`<w:r><w:t xml:space="preserve">— </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>` +
	`<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>` +
	`<w:r><w:t xml:space="preserve"> —</w:t></w:r></w:p></w:ftr>`

// fonts is a run's font set: Latin letters and digits in Times New Roman,
// Chinese in the given face.
func fonts(east string) string {
	return `<w:rFonts w:ascii="` + FontLatin + `" w:hAnsi="` + FontLatin + `" w:eastAsia="` + east + `" w:cs="` + FontLatin + `"/>`
}

// stylesXML: sizes in half-points (二号 22 pt = 44, 三号 16 pt = 32, 四号
// 14 pt = 28); the body's line pitch is a fixed 28 pt (560 twips), 22 lines
// a page as GB/T 9704 asks.
func stylesXML() string {
	style := func(id, name, ppr, rpr string) string {
		return `<w:style w:type="paragraph" w:customStyle="1" w:styleId="` + id + `"><w:name w:val="` + name + `"/><w:basedOn w:val="Normal"/>` +
			`<w:pPr>` + ppr + `</w:pPr><w:rPr>` + rpr + `</w:rPr></w:style>`
	}
	line := `<w:spacing w:before="0" w:after="0" w:line="560" w:lineRule="exact"/>`
	return xml.Header + `<w:styles xmlns:w="` + nsW + `">` +
		`<w:docDefaults><w:rPrDefault><w:rPr>` + fonts(FontBody) + `<w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>` +
		`<w:pPrDefault><w:pPr>` + line + `</w:pPr></w:pPrDefault></w:docDefaults>` +
		`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:pPr><w:jc w:val="both"/></w:pPr></w:style>` +
		style("Title", "Title", `<w:spacing w:before="0" w:after="280" w:line="700" w:lineRule="exact"/><w:jc w:val="center"/><w:outlineLvl w:val="0"/>`,
			fonts(FontTitle)+`<w:sz w:val="44"/><w:szCs w:val="44"/>`) +
		style("DocNumber", "Document number", `<w:spacing w:before="0" w:after="280" w:line="560" w:lineRule="exact"/><w:jc w:val="center"/>`, fonts(FontBody)) +
		style("Heading1", "heading 1", line+`<w:ind w:firstLineChars="200" w:firstLine="640"/><w:keepNext/><w:outlineLvl w:val="1"/>`, fonts(FontHeading)) +
		style("Heading2", "heading 2", line+`<w:ind w:firstLineChars="200" w:firstLine="640"/><w:keepNext/><w:outlineLvl w:val="2"/>`, fonts(FontSub)) +
		style("BodyText", "Body Text", line+`<w:ind w:firstLineChars="200" w:firstLine="640"/>`, fonts(FontBody)) +
		style("Plain", "Plain Text", line, fonts(FontBody)) +
		style("TableText", "Table Text", `<w:spacing w:before="0" w:after="0" w:line="400" w:lineRule="atLeast"/><w:jc w:val="left"/>`,
			fonts(FontBody)+`<w:sz w:val="28"/><w:szCs w:val="28"/>`) +
		style("TableHead", "Table Heading", `<w:spacing w:before="0" w:after="0" w:line="400" w:lineRule="atLeast"/><w:jc w:val="center"/>`,
			fonts(FontHeading)+`<w:sz w:val="28"/><w:szCs w:val="28"/>`) +
		style("Footer", "footer", `<w:jc w:val="center"/>`, fonts("宋体")+`<w:sz w:val="28"/><w:szCs w:val="28"/>`) +
		`<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders>` +
		`<w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/>` +
		`<w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/>` +
		`<w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/>` +
		`</w:tblBorders></w:tblPr></w:style></w:styles>`
}

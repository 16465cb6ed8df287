package importexport

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"linli/internal/i18n"
)

// Meta goes into the file so that any printed or forwarded copy says where
// it came from.
type Meta struct {
	Title      string // e.g. "居民名单"
	ExportedBy string // "张三（community_admin）"
	ExportedAt time.Time
	Masked     bool   // true: sensitive values are masked; shown in the info line
	Filter     string // human description of the filter, may be ""
}

// infoLine renders Meta as the first row of an export.
func (m Meta) infoLine() string {
	parts := []string{}
	if m.Title != "" {
		parts = append(parts, m.Title)
	}
	if m.ExportedBy != "" {
		parts = append(parts, i18n.T("importexport.info_by", "name", m.ExportedBy))
	}
	if !m.ExportedAt.IsZero() {
		parts = append(parts, i18n.T("importexport.info_at", "time", m.ExportedAt.Format(time.DateTime)))
	}
	if m.Masked {
		parts = append(parts, i18n.T("importexport.info_masked"))
	} else {
		parts = append(parts, i18n.T("importexport.info_unmasked"))
	}
	if m.Filter != "" {
		parts = append(parts, i18n.T("importexport.info_filter", "filter", m.Filter))
	}
	return strings.Join(parts, "\u3000")
}

// RowWriter is what both Writer and CSVWriter do, for callers that let the
// user choose the format.
type RowWriter interface {
	Write(values ...any) error
	Close() error
}

// sheetRows is the most rows an xlsx sheet can hold.
const sheetRows = excelize.TotalRows

// topRows are the info line and the header row repeated on every sheet.
const topRows = 2

// Writer streams an .xlsx export. Create it with NewWriter.
type Writer struct {
	out     io.Writer
	f       *excelize.File
	sw      *excelize.StreamWriter
	info    string
	headers []string
	widths  []float64
	styles  struct{ info, header, text int }
	sheets  int
	row     int // last row written on the current sheet
	err     error
	closed  bool
}

// NewWriter starts an .xlsx export to w: row 1 is the info line ("导出人：…
// 导出时间：… 敏感信息已脱敏 筛选条件：…"), row 2 the headers (bold, frozen
// with row 1, repeated on printed pages), then the data. Beyond 1,048,576
// rows it continues on "Sheet2" and so on, each with the same two top rows.
// Rows go through excelize's StreamWriter, which spills to a temp file, and
// the zip is written straight to w, so memory stays bounded however many
// rows are written. Nothing reaches w before Close.
func NewWriter(w io.Writer, meta Meta, headers []string) (*Writer, error) {
	return newXLSXWriter(w, meta.infoLine(), headers, nil, meta.Title)
}

// newXLSXWriter is NewWriter with a ready info line and, optionally, column
// widths (nil: from the header lengths).
func newXLSXWriter(w io.Writer, info string, headers []string, widths []float64, title string) (*Writer, error) {
	if len(headers) == 0 || len(headers) > excelize.MaxColumns {
		return nil, fmt.Errorf("importexport: %d headers", len(headers))
	}
	f := excelize.NewFile()
	xw := &Writer{out: w, f: f, info: info, headers: headers, widths: widths}
	var err error
	if xw.styles.info, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Size: 10, Color: "595959"},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
	}); err != nil {
		f.Close()
		return nil, err
	}
	if xw.styles.header, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border: []excelize.Border{
			{Type: "bottom", Color: "808080", Style: 1},
		},
	}); err != nil {
		f.Close()
		return nil, err
	}
	// Text format "@" keeps ID numbers and phone numbers text even when a
	// user edits the cell in Excel.
	if xw.styles.text, err = f.NewStyle(&excelize.Style{NumFmt: 49}); err != nil {
		f.Close()
		return nil, err
	}
	_ = f.SetDocProps(&excelize.DocProperties{Title: title, Description: info, Creator: "Linli"})
	if err := xw.newSheet(); err != nil {
		f.Close()
		return nil, err
	}
	return xw, nil
}

// newSheet finishes the current sheet, if any, and starts the next one with
// the two top rows.
func (w *Writer) newSheet() error {
	return w.newNamedSheet("")
}

// newNamedSheet is newSheet with a sheet name ("" for "SheetN").
func (w *Writer) newNamedSheet(name string) error {
	if w.sw != nil {
		if err := w.sw.Flush(); err != nil {
			return err
		}
	}
	w.sheets++
	if name == "" {
		name = "Sheet" + strconv.Itoa(w.sheets)
	}
	if w.sheets > 1 {
		if _, err := w.f.NewSheet(name); err != nil {
			return err
		}
	}
	sw, err := w.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	w.sw, w.row = sw, 0
	n := len(w.headers)
	total := 0.0
	for i, h := range w.headers {
		width := min(max(4+2*float64(len([]rune(h))), 12), 40)
		if i < len(w.widths) {
			width = w.widths[i]
		}
		total += width
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: topRows, TopLeftCell: "A3", ActivePane: "bottomLeft",
	}); err != nil {
		return err
	}
	// The info line wraps inside the merged first row; size the row so that
	// all of it shows and prints (a CJK character is about two width units).
	lines := math.Ceil(2 * float64(utf8.RuneCountInString(w.info)) / max(total, 1))
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: w.styles.info, Value: w.info}},
		excelize.RowOpts{Height: min(max(lines, 1)*14+6, 400)}); err != nil {
		return err
	}
	if n > 1 {
		last, _ := excelize.CoordinatesToCellName(n, 1)
		if err := sw.MergeCell("A1", last); err != nil {
			return err
		}
	}
	cells := make([]any, n)
	for i, h := range w.headers {
		cells[i] = excelize.Cell{StyleID: w.styles.header, Value: h}
	}
	if err := sw.SetRow("A2", cells, excelize.RowOpts{Height: 24}); err != nil {
		return err
	}
	w.row = topRows
	// Repeat the top rows on every printed page.
	return w.f.SetDefinedName(&excelize.DefinedName{
		Name: "_xlnm.Print_Titles", RefersTo: "'" + name + "'!$1:$2", Scope: name,
	})
}

// Write adds one data row. Strings are always written as text, so ID numbers
// never turn into numbers; integers and floats become numbers (integers of
// more than 15 digits, which Excel cannot hold, become text), bools 是/否,
// time.Time a date (or date and time) as text in ISO form, nil an empty cell.
func (w *Writer) Write(values ...any) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("importexport: write after Close")
	}
	if w.row >= sheetRows {
		if w.err = w.newSheet(); w.err != nil {
			return w.err
		}
	}
	cells := make([]any, len(values))
	for i, v := range values {
		switch v := v.(type) {
		case nil:
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
			if exceedsExcelPrecision(v) {
				cells[i] = excelize.Cell{StyleID: w.styles.text, Value: formatValue(v)}
			} else {
				cells[i] = v
			}
		default:
			cells[i] = excelize.Cell{StyleID: w.styles.text, Value: formatValue(v)}
		}
	}
	w.row++
	cell, _ := excelize.CoordinatesToCellName(1, w.row)
	if err := w.sw.SetRow(cell, cells); err != nil {
		w.err = err
		return err
	}
	return nil
}

// exceedsExcelPrecision reports whether an integer has more digits than the
// 15 Excel keeps; written as a number it would show as 1.10105E+17 and lose
// its tail, so it is written as text instead.
func exceedsExcelPrecision(v any) bool {
	const limit = 1e15
	switch v := v.(type) {
	case int:
		return v >= limit || v <= -limit
	case int64:
		return v >= limit || v <= -limit
	case uint:
		return v >= limit
	case uint64:
		return v >= limit
	}
	return false
}

// formatValue renders a non-numeric value as the text a user should see.
func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case bool:
		if v {
			return i18n.T("importexport.yes")
		}
		return i18n.T("importexport.no")
	case time.Time:
		if v.IsZero() {
			return ""
		}
		if v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 {
			return v.Format(time.DateOnly)
		}
		return v.Format(time.DateTime)
	case *time.Time:
		if v == nil {
			return ""
		}
		return formatValue(*v)
	case fmt.Stringer:
		return v.String()
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(v)
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// Close finishes the file and writes it to the io.Writer given to NewWriter.
// It removes excelize's temp files whether or not writing succeeds.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	defer w.f.Close()
	if w.err != nil {
		return w.err
	}
	if w.err = w.sw.Flush(); w.err != nil {
		return w.err
	}
	// excelize assembles the zip in a bytes.Buffer handed to ZipWriter. By
	// returning a zip writer on the real destination we stream the zip
	// instead, and the buffer stays empty.
	out := w.out
	w.f.ZipWriter = func(io.Writer) excelize.ZipWriter { return zip.NewWriter(out) }
	w.err = w.f.Write(io.Discard)
	return w.err
}

// CSVWriter streams a .csv export: UTF-8 with a BOM so that Excel opens it
// with the right encoding, CRLF line ends, the info line as a first row
// starting with "#", then the headers and data.
type CSVWriter struct {
	bw     *bufio.Writer
	cw     *csv.Writer
	rec    []string
	closed bool
}

// NewCSVWriter starts a .csv export to w.
func NewCSVWriter(w io.Writer, meta Meta, headers []string) (*CSVWriter, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.Write(utf8BOM); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	c := &CSVWriter{bw: bw, cw: cw}
	if err := cw.Write([]string{"# " + meta.infoLine()}); err != nil {
		return nil, err
	}
	if err := cw.Write(headers); err != nil {
		return nil, err
	}
	return c, nil
}

// Write adds one data row, formatted as in Writer.Write. A text cell that
// Excel would run as a formula (starting with = + - @) gets a leading
// apostrophe, the usual defence against CSV formula injection.
func (c *CSVWriter) Write(values ...any) error {
	if c.closed {
		return errors.New("importexport: write after Close")
	}
	c.rec = c.rec[:0]
	for _, v := range values {
		var s string
		switch v.(type) {
		case nil:
		case string, []byte, fmt.Stringer:
			s = defuse(formatValue(v))
		default:
			s = formatValue(v)
		}
		c.rec = append(c.rec, s)
	}
	if err := c.cw.Write(c.rec); err != nil {
		return err
	}
	return nil
}

func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Close flushes the remaining rows.
func (c *CSVWriter) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

// Problem is one thing wrong with an imported row, for the error report.
type Problem struct {
	Row    int    // row number in the imported sheet; 0 for the file as a whole
	Column string // column header or field label
	Value  string // the cell's content, already masked by the caller
	Reason string // what is wrong, in Chinese
	// Kind names the kind of problem (the message key) for counting problems
	// by kind; not stored with the problem.
	Kind string `json:"-"`
}

// ProblemGroup counts the rows with one kind of problem in one column.
type ProblemGroup struct {
	Column   string `json:"column"`
	Kind     string `json:"kind"`
	Reason   string `json:"reason"`    // the message of the first such row, as an example
	FirstRow int    `json:"first_row"` // that row
	Rows     int    `json:"rows"`
}

// maxReportGroups is how many groups the report's title row lists.
const maxReportGroups = 12

// WriteReport writes the import error report as an .xlsx with the columns
// 行号, 列, 内容, 问题 under a title row, so the user can fix the ledger row by
// row. Contents are written as text, exactly as given. groups, largest first,
// are summed up in the title row: "按类别：C 列（网格）415 行（如第 5 行：…）；…".
func WriteReport(w io.Writer, title string, problems []Problem, groups ...ProblemGroup) error {
	return WriteReportWithChanges(w, title, problems, nil, groups...)
}

// Change is one existing record that an import updates, as the check lists
// it before the commit: who (masked), the sheet's row and each field's old
// and new value (sensitive values masked by the importer).
type Change struct {
	Row    int           `json:"row"`
	Who    string        `json:"who"`
	Fields []FieldChange `json:"fields"`
}

// FieldChange is one field of a Change: its label, old and new value.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
}

// Line writes the field's change as "政治面貌：群众 → 中共党员".
func (f FieldChange) Line() string {
	old := f.Old
	if old == "" {
		old = i18n.T("importexport.change_empty")
	}
	return i18n.T("importexport.change_line", "field", f.Field, "old", old, "new", f.New)
}

// WriteReport with the records the import updates on a second sheet
// (更新的记录): row, who, and what changes.
func WriteReportWithChanges(w io.Writer, title string, problems []Problem, changes []Change, groups ...ProblemGroup) error {
	info := i18n.T("importexport.report_title", "title", title, "n", len(problems))
	if len(groups) > 0 {
		parts := make([]string, 0, maxReportGroups+1)
		for i, g := range groups {
			if i == maxReportGroups {
				parts = append(parts, i18n.T("importexport.report_more_groups", "n", len(groups)-i))
				break
			}
			parts = append(parts, GroupLine(g))
		}
		info += "\n" + i18n.T("importexport.report_groups", "groups", strings.Join(parts, "；"))
	}
	xw, err := newXLSXWriter(w, info, []string{
		i18n.T("importexport.report_row"), i18n.T("importexport.report_column"),
		i18n.T("importexport.report_value"), i18n.T("importexport.report_problem"),
	}, []float64{8, 20, 30, 60}, title)
	if err != nil {
		return err
	}
	for _, p := range problems {
		var row any
		if p.Row > 0 {
			row = p.Row
		}
		if err := xw.Write(row, p.Column, p.Value, p.Reason); err != nil {
			xw.Close()
			return err
		}
	}
	if len(changes) > 0 {
		xw.info = i18n.T("importexport.report_changes_title", "title", title, "n", len(changes))
		xw.headers = []string{i18n.T("importexport.report_row"), i18n.T("importexport.report_who"), i18n.T("importexport.report_changes")}
		xw.widths = []float64{8, 30, 80}
		if err := xw.newNamedSheet(i18n.T("importexport.report_changes_sheet")); err != nil {
			xw.Close()
			return err
		}
		for _, c := range changes {
			lines := make([]string, len(c.Fields))
			for i, f := range c.Fields {
				lines[i] = f.Line()
			}
			if err := xw.Write(c.Row, c.Who, strings.Join(lines, "；")); err != nil {
				xw.Close()
				return err
			}
		}
	}
	return xw.Close()
}

// GroupLine describes a group in one line: "C 列（网格）：415 行，如第 5 行：…".
func GroupLine(g ProblemGroup) string {
	col := g.Column
	if col == "" {
		col = i18n.T("importexport.report_whole_file")
	}
	if g.FirstRow <= 0 {
		return i18n.T("importexport.group_line_file", "column", col, "n", g.Rows, "reason", g.Reason)
	}
	return i18n.T("importexport.group_line", "column", col, "n", g.Rows, "row", g.FirstRow, "reason", g.Reason)
}

var (
	_ RowWriter = (*Writer)(nil)
	_ RowWriter = (*CSVWriter)(nil)
)

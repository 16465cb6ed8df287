package importexport

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestOpenXLSXByPathAndReader(t *testing.T) {
	b := simpleXLSX(t, []any{"姓名", "身份证号"}, []any{"张三", "110105198001020018"})
	s, err := Open(writeTemp(t, "名单.xlsx", b), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Format() != "xlsx" || s.Encoding() != "" || len(s.Sheets()) != 1 || s.Sheets()[0] != "Sheet1" {
		t.Fatalf("format %q encoding %q sheets %v", s.Format(), s.Encoding(), s.Sheets())
	}
	r := mustOpen(t, b, "名单.XLSX")
	if r.Format() != "xlsx" {
		t.Fatal(r.Format())
	}
	// Systems often export xlsx under an .xls name: the content decides.
	if r := mustOpen(t, b, "导出.xls"); r.Format() != "xlsx" {
		t.Fatal(r.Format())
	}
}

func TestOpenSpooledLargeReader(t *testing.T) {
	// Above spoolAbove, OpenReader copies the upload to a temp file.
	defer func(old int64) { spoolAbove = old }(spoolAbove)
	spoolAbove = 1024
	rows := [][]any{{"姓名", "备注"}}
	for i := 0; i < 200; i++ {
		rows = append(rows, []any{"张三", strings.Repeat("备注", i)})
	}
	b := simpleXLSX(t, rows...)
	s := mustOpen(t, b, "big.xlsx")
	m, err := s.Detect("", []Field{{Key: "name", Label: "姓名"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := s.Rows(m, func(Row) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 200 {
		t.Fatal(n)
	}
}

func TestOpenRefusals(t *testing.T) {
	valid := simpleXLSX(t, []any{"姓名", "身份证号"}, []any{"张三", "110105198001020018"})
	docx := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("word/document.xml")
		io.WriteString(w, "<w:document/>")
		zw.Close()
		return buf.Bytes()
	}()
	rng := rand.New(rand.NewPCG(7, 7))
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	tests := []struct {
		name, file string
		data       []byte
		key        string
	}{
		{"xls", "台账.xls", cfbBytes([]string{"Workbook"}, [][]byte{biffStart(false)}), "importexport.xls"},
		{"xls95", "台账.xls", cfbBytes([]string{"Book"}, [][]byte{biffStart(false)}), "importexport.xls"},
		{"xls with password", "台账.xls", cfbBytes([]string{"Workbook"}, [][]byte{biffStart(true)}), "importexport.encrypted"},
		{"encrypted xlsx", "台账.xlsx", cfbBytes([]string{"EncryptionInfo", "EncryptedPackage"}, nil), "importexport.encrypted"},
		{"xls named xlsx", "台账.xlsx", cfbBytes([]string{"Workbook"}, [][]byte{biffStart(false)}), "importexport.xls"},
		{"other OLE (doc)", "台账.xlsx", cfbBytes([]string{"WordDocument"}, nil), "importexport.damaged"},
		{"broken OLE as xls", "台账.xls", append(append([]byte{}, oleMagic...), make([]byte, 100)...), "importexport.xls"},
		{"broken OLE as xlsx", "台账.xlsx", append(append([]byte{}, oleMagic...), make([]byte, 600)...), "importexport.damaged"},
		{"truncated xlsx", "台账.xlsx", valid[:len(valid)/2], "importexport.damaged"},
		{"truncated header", "台账.xlsx", valid[:3], "importexport.damaged"},
		{"random bytes xlsx", "台账.xlsx", random, "importexport.damaged"},
		{"random bytes csv", "台账.csv", random, "importexport.damaged"},
		{"utf16 csv", "台账.csv", []byte("\xff\xfe\x59\x59\x0d\x54"), "importexport.damaged"},
		{"docx renamed", "台账.xlsx", docx, "importexport.damaged"},
		{"pdf", "台账.pdf", []byte("%PDF-1.4"), "importexport.unsupported_format"},
		{"no extension", "台账", valid, "importexport.unsupported_format"},
		{"empty", "台账.xlsx", nil, "importexport.empty_file"},
		{"empty csv", "台账.csv", nil, "importexport.empty_file"},
		{"html as xls", "台账.xls", []byte("<html><table><tr><td>姓名</td></tr></table></html>"), "importexport.damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openBytes(t, tt.data, tt.file, Limits{})
			wantErr(t, err, tt.key)
		})
	}
}

func TestOpenRealEncryptedXLSX(t *testing.T) {
	// excelize writes a real ECMA-376 agile-encrypted package.
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "姓名")
	var buf bytes.Buffer
	if err := f.Write(&buf, excelize.Options{Password: "123456"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err := openBytes(t, buf.Bytes(), "加密.xlsx", Limits{})
	wantErr(t, err, "importexport.encrypted")
}

func TestOpenTooBig(t *testing.T) {
	b := simpleXLSX(t, []any{"姓名"})
	_, err := openBytes(t, b, "a.xlsx", Limits{MaxFileBytes: int64(len(b) - 1)})
	ie := wantErr(t, err, "importexport.too_big")
	if ie.Code != CodeTooLarge || !strings.Contains(ie.Error(), "B") {
		t.Fatal(ie)
	}
	if got := humanBytes(300 << 20); got != "300 MB" {
		t.Fatal(got)
	}
}

// bombXLSX is a valid workbook plus one extra entry of n zero bytes, which
// deflate shrinks about a thousand times.
func bombXLSX(t testing.TB, entry string, n int64) []byte {
	t.Helper()
	valid := simpleXLSX(t, []any{"姓名", "身份证号"}, []any{"张三", "110105198001020018"})
	zr, err := zip.NewReader(bytes.NewReader(valid), int64(len(valid)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	for _, f := range zr.File {
		if f.Name == entry {
			continue
		}
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.Create(entry)
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, int64(len(zero)))
		w.Write(zero[:k])
		n -= k
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOpenZipBomb(t *testing.T) {
	// A 64 MiB entry of zeros: the ratio alone gives it away.
	b := bombXLSX(t, "xl/media/image1.png", 64<<20)
	if len(b) > 1<<20 {
		t.Fatalf("bomb is %d bytes", len(b))
	}
	_, err := openBytes(t, b, "bomb.xlsx", Limits{})
	wantErr(t, err, "importexport.zip_bomb")

	// The same as a worksheet.
	b = bombXLSX(t, "xl/worksheets/sheet1.xml", 64<<20)
	_, err = openBytes(t, b, "bomb.xlsx", Limits{})
	wantErr(t, err, "importexport.zip_bomb")

	// A lenient ratio does not let the declared total past MaxUncompressed.
	b = bombXLSX(t, "xl/media/image1.png", 8<<20)
	_, err = openBytes(t, b, "bomb.xlsx", Limits{MaxRatio: 1 << 40, MaxUncompressed: 4 << 20})
	wantErr(t, err, "importexport.zip_bomb")

	// Nor past the bound on parts excelize always holds in memory.
	b = bombXLSX(t, "xl/media/image1.png", maxInMemoryParts+1)
	_, err = openBytes(t, b, "bomb.xlsx", Limits{MaxRatio: 1 << 40})
	wantErr(t, err, "importexport.zip_bomb")
}

func TestCSVEncodings(t *testing.T) {
	text := "户号,姓名,身份证号,现住址\r\n001,张三,110105198001020018,北京市朝阳区\r\n001,李四,110105198001020026,\"北京市,朝阳区\"\r\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, enc string
		data      []byte
	}{
		{"utf8", "utf-8", []byte(text)},
		{"utf8 bom", "utf-8", append([]byte("\xEF\xBB\xBF"), text...)},
		{"gbk", "gb18030", []byte(gbk)},
		{"utf8 with a damaged character", "utf-8", []byte(strings.Replace(text, "北京市,朝阳区", "北京\xe5市,朝阳区", 1))},
		{"tab separated", "utf-8", []byte(strings.ReplaceAll(strings.ReplaceAll(text, ",", "\t"), "\"北京市\t朝阳区\"", "北京市,朝阳区"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustOpen(t, tt.data, "名单.csv")
			if s.Format() != "csv" || s.Encoding() != tt.enc || len(s.Sheets()) != 1 || s.Sheets()[0] != "Sheet1" {
				t.Fatalf("%s %s %v", s.Format(), s.Encoding(), s.Sheets())
			}
			m, err := s.Detect("", residentFields())
			if err != nil {
				t.Fatal(err)
			}
			var got []Row
			if err := s.Rows(m, func(r Row) error { got = append(got, r); return nil }); err != nil {
				t.Fatal(err)
			}
			addr := "北京市,朝阳区"
			if strings.Contains(tt.name, "damaged") {
				addr = "北京\ufffd市,朝阳区"
			}
			if len(got) != 2 || got[0].Values["name"] != "张三" || got[1].Values["address"] != addr || got[1].Num != 3 {
				t.Fatalf("%+v", got)
			}
		})
	}
}

func TestCSVByPathStreamsFromFile(t *testing.T) {
	p := writeTemp(t, "a.csv", []byte("姓名,户号\n张三,1\n"))
	s, err := Open(p, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Detect("Sheet1", []Field{{Key: "name", Label: "姓名"}, {Key: "hh", Label: "户号"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := s.Rows(m, func(r Row) error { n++; return nil }); err != nil || n != 1 {
		t.Fatal(err, n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCSVRowNumbers(t *testing.T) {
	// Blank lines count as rows in Excel; a quoted multi-line cell is one row.
	data := "标题行\n\n姓名,住址,户号\n张三,\"一号楼\n二单元\",1\n\n\n李四,三号楼,2\n"
	s := mustOpen(t, []byte(data), "a.csv")
	m, err := s.Detect("", residentFields())
	if err != nil {
		t.Fatal(err)
	}
	if m.HeaderRow != 3 {
		t.Fatal(m.HeaderRow)
	}
	var nums []int
	var addr []string
	s.Rows(m, func(r Row) error {
		nums = append(nums, r.Num)
		addr = append(addr, r.Values["address"])
		return nil
	})
	if len(nums) != 2 || nums[0] != 4 || nums[1] != 7 || addr[0] != "一号楼 二单元" {
		t.Fatal(nums, addr)
	}
}

func TestCSVBrokenQuotes(t *testing.T) {
	tests := []struct {
		name, data string
		line       int
	}{
		{"unclosed at end", "姓名,住址\n张三,\"北京\n李四,上海\n", 2},
		{"swallows the next line", "姓名,住址\n张三,\"北京,1\n李四,\"上海\",2\n王五,广州\n", 2},
		{"huge field never closed", "姓名,住址\n张三,\"" + strings.Repeat("很长", 60000) + "\n", 2},
		{"huge field swallowing lines with stray quotes", "姓名,住址\n张三,\"北京\n" + strings.Repeat("李四,\"上海\",2\n", 10000) + "王五,\"广州\"\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openBytes(t, []byte(tt.data), "a.csv", Limits{})
			ie := wantErr(t, err, "importexport.csv_quote")
			if !strings.Contains(ie.Error(), "第 "+strconv.Itoa(tt.line)+" 行") {
				t.Fatal(ie)
			}
		})
	}
	// Stray quotes inside unquoted cells and doubled quotes are fine.
	s := mustOpen(t, []byte("姓名,备注\n张三,他说\"好\"\n李四,\"引号\"\"内\"\n"), "a.csv")
	m, err := s.Detect("", []Field{{Key: "name", Label: "姓名"}, {Key: "note", Label: "备注"}})
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	s.Rows(m, func(r Row) error { notes = append(notes, r.Values["note"]); return nil })
	if len(notes) != 2 || notes[0] != "他说\"好\"" || notes[1] != "引号\"内" {
		t.Fatal(notes)
	}
	// A correctly quoted cell longer than Excel allows is too long, not a
	// quoting problem; at the end of the file too, and over several lines.
	for _, data := range []string{
		"姓名,住址\n张三,\"" + strings.Repeat("很长", 20000) + "\"\n李四,上海\n",
		"姓名,住址\n张三,\"" + strings.Repeat("很长", 20000) + "\"",
		"姓名,住址\n张三,\"" + strings.Repeat("很长\n", 20000) + "\",x\n",
	} {
		_, err = openBytes(t, []byte(data), "a.csv", Limits{})
		ie := wantErr(t, err, "importexport.csv_quoted_too_long")
		if ie.Code != CodeTooLarge || !strings.Contains(ie.Error(), "第 2 行") || !strings.Contains(ie.Error(), "32767 个字符") || strings.Contains(ie.Error(), "引号") {
			t.Fatal(ie)
		}
	}
	// A cell longer than Excel allows, without quotes.
	_, err = openBytes(t, []byte("姓名\n"+strings.Repeat("x", 100000)+"\n"), "a.csv", Limits{})
	wantErr(t, err, "importexport.csv_cell_too_long")
}

func TestTooManyColumnsAndRows(t *testing.T) {
	wide := make([]any, 20)
	for i := range wide {
		wide[i] = "列"
	}
	wide[0], wide[1] = "姓名", "户号"
	b := simpleXLSX(t, wide)
	s, _ := openBytes(t, b, "a.xlsx", Limits{MaxCols: 10})
	_, err := s.Detect("", residentFields())
	wantErr(t, err, "importexport.too_many_cols")

	_, err = openBytes(t, []byte("姓名,户号,a,b,c\n"), "a.csv", Limits{MaxCols: 4})
	wantErr(t, err, "importexport.too_many_cols")

	rows := [][]any{{"姓名", "户号"}}
	for i := 0; i < 20; i++ {
		rows = append(rows, []any{"张三", i})
	}
	// A sheet with rows past Excel's last says so, on both readers.
	tall := oneSheet(t, sheetDoc(`<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>户号</t></is></c></row>`+
		`<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c><c r="B2"><v>1</v></c></row><row r="1048577"><c r="A1048577" t="inlineStr"><is><t>李四</t></is></c></row>`), handSST)
	for _, fast := range []bool{true, false} {
		useFastXLSX = fast
		s := mustOpen(t, tall, "a.xlsx")
		// Detect reads ahead and meets the row already.
		_, err := s.Detect("", residentFields())
		ie := wantErr(t, err, "importexport.sheet_too_many_rows")
		if !strings.Contains(ie.Error(), "1048576 行") || strings.Contains(ie.Error(), "损坏") {
			t.Fatal(ie)
		}
	}
	useFastXLSX = true
	for _, data := range [][]byte{simpleXLSX(t, rows...), []byte("姓名,户号\n" + strings.Repeat("张三,1\n", 20))} {
		name := "a.xlsx"
		if data[0] != 'P' {
			name = "a.csv"
		}
		s, err := openBytes(t, data, name, Limits{MaxRows: 10})
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.Detect("", residentFields())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = s.Rows(m, func(Row) error { n++; return nil })
		ie := wantErr(t, err, "importexport.too_many_rows")
		if n != 10 || !strings.Contains(ie.Error(), "10") {
			t.Fatal(n, ie)
		}
	}
}

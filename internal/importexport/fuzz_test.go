package importexport

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"linli/internal/i18n"
)

// FuzzOpenReader feeds arbitrary bytes to the importer as .xlsx and as .csv.
// Whatever arrives, it must not panic, and every error must be one the user
// can read (an *i18n.Error).
func FuzzOpenReader(f *testing.F) {
	valid := simpleXLSX(f, []any{"标题"}, []any{"姓名", "身份证号", "出生日期"}, []any{"张三", "110105198001020018", 29222})
	f.Add(valid)
	f.Add(valid[:len(valid)-30])
	f.Add(messyLedger(f))
	f.Add([]byte("姓名,身份证号\n张三,110105198001020018\n"))
	f.Add([]byte("\xEF\xBB\xBF姓名,住址\n张三,\"北京\n朝阳\"\n\n李四,上海\n"))
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("姓名,户号\n张三,1\n")
	f.Add([]byte(gbk))
	f.Add([]byte("姓名,住址\n张三,\"北京\n"))
	f.Add([]byte("姓名,住址\n张三,\"" + strings.Repeat("很长", 17000) + "\"\n李四,上海\n")) // a cell too long, quoted
	f.Add([]byte("姓名,身份证号,电话\n张三, 110105 19491231 002x ,138\u00a00013\u00a08000\n"))
	f.Add(cfbBytes([]string{"Workbook"}, [][]byte{biffStart(true)}))
	f.Add(cfbBytes([]string{"EncryptionInfo", "EncryptedPackage"}, nil))
	f.Add([]byte{})
	fields := residentFields()
	lim := Limits{MaxRows: 2000, MaxCols: 64, MaxUncompressed: 64 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			t.Skip("inputs are capped at 1 MiB")
		}
		for _, name := range []string{"a.xlsx", "a.csv"} {
			s, err := OpenReader(bytes.NewReader(data), int64(len(data)), name, lim)
			if err != nil {
				userError(t, err)
				continue
			}
			for _, sheet := range s.Sheets() {
				m, err := s.Detect(sheet, fields)
				if err != nil {
					userError(t, err)
					continue
				}
				err = s.Rows(m, func(r Row) error {
					if r.Num <= m.HeaderRow {
						t.Fatalf("row %d at or above header %d", r.Num, m.HeaderRow)
					}
					for k, v := range r.Values {
						if NormalizeCell(v) != v {
							t.Fatalf("value of %s not normalised: %q", k, v)
						}
					}
					return nil
				})
				if err != nil {
					userError(t, err)
				}
			}
			s.Close()
		}
	})
}

func userError(t *testing.T, err error) {
	t.Helper()
	var ie *i18n.Error
	if !errors.As(err, &ie) {
		t.Fatalf("error for users is not an *i18n.Error: %T %v", err, err)
	}
}

// FuzzSheetXML puts arbitrary bytes where the first worksheet belongs in an
// otherwise valid workbook, so that the fuzzer works on excelize's row
// reader rather than on the zip container that FuzzOpenReader mostly hits.
func FuzzSheetXML(f *testing.F) {
	base := simpleXLSX(f, []any{"姓名", "户号"}, []any{"张三", 1})
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>户号</t></is></c></row><row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3"><v>29222</v></c></row></sheetData></worksheet>`))
	f.Add([]byte(`<worksheet><sheetData><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>`))
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048577"><c r="A1048577"><v>1</v></c></row></sheetData></worksheet>`))
	f.Add([]byte(`<worksheet><sheetData><row><c><v>姓名</v></c><c t="str"><v>户号</v></c></row><row><c t="b"><v>1</v></c><c t="d"><v>2024-01-31T00:00:00</v></c></row></sheetData></worksheet>`))
	fields := residentFields()
	f.Fuzz(func(t *testing.T, sheet []byte) {
		if len(sheet) > 1<<20 {
			t.Skip("inputs are capped at 1 MiB")
		}
		data := replaceEntry(t, base, "xl/worksheets/sheet1.xml", sheet)
		s, err := OpenReader(bytes.NewReader(data), int64(len(data)), "a.xlsx", Limits{MaxRows: 2000, MaxCols: 64})
		if err != nil {
			userError(t, err)
			return
		}
		defer s.Close()
		m, err := s.Detect("", fields)
		if err != nil {
			userError(t, err)
			return
		}
		if err := s.Rows(m, func(Row) error { return nil }); err != nil {
			userError(t, err)
		}
	})
}

func replaceEntry(t testing.TB, zipData []byte, name string, content []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f.Name == name {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(content)
			continue
		}
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

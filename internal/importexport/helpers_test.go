package importexport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"linli/internal/i18n"
)

// residentFields is a realistic field list for the resident registry.
func residentFields() []Field {
	return []Field{
		{Key: "name", Label: "姓名", Required: true},
		{Key: "id_number", Label: "身份证号", Synonyms: []string{"公民身份号码", "身份证号码", "证件号码"}, Required: true},
		{Key: "sex", Label: "性别"},
		{Key: "birth_date", Label: "出生日期", Synonyms: []string{"出生年月日", "生日"}},
		{Key: "phone", Label: "联系电话", Synonyms: []string{"手机号码", "电话", "手机"}},
		{Key: "address", Label: "现住址", Synonyms: []string{"居住地址", "现居住地址", "住址"}},
		{Key: "relation", Label: "与户主关系", Synonyms: []string{"关系"}},
		{Key: "category", Label: "人员类别"},
		{Key: "household_no", Label: "户号", Required: true},
	}
}

// xlsxBytes builds a workbook: each sheet is a list of rows; merges are
// applied to the first sheet.
func xlsxBytes(t testing.TB, sheets map[string][][]any, order []string, merges [][2]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range order {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			if len(row) == 0 {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, m := range merges {
		if err := f.MergeCell(order[0], m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func simpleXLSX(t testing.TB, rows ...[]any) []byte {
	return xlsxBytes(t, map[string][][]any{"Sheet1": rows}, []string{"Sheet1"}, nil)
}

func openBytes(t testing.TB, b []byte, name string, lim Limits) (*Source, error) {
	t.Helper()
	s, err := OpenReader(bytes.NewReader(b), int64(len(b)), name, lim)
	if err == nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, err
}

func mustOpen(t testing.TB, b []byte, name string) *Source {
	t.Helper()
	s, err := openBytes(t, b, name, Limits{})
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	return s
}

// wantErr checks that err is an *i18n.Error with the given message key and
// that its text is Chinese from the catalogue (not the bare key).
func wantErr(t testing.TB, err error, key string) *i18n.Error {
	t.Helper()
	var ie *i18n.Error
	if !errors.As(err, &ie) {
		t.Fatalf("want *i18n.Error %s, got %T %v", key, err, err)
	}
	if ie.Msg.Key != key {
		t.Fatalf("want %s, got %s (%v)", key, ie.Msg.Key, ie)
	}
	if !i18n.Has(key) || ie.Error() == key {
		t.Fatalf("message %s is not in the catalogue", key)
	}
	return ie
}

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// cfbBytes builds a minimal version-3 compound file (512-byte sectors) whose
// directory lists the given streams (at most three). Each stream's data is
// padded to 4096 bytes so that it lives in regular sectors.
func cfbBytes(names []string, data [][]byte) []byte {
	const ss = 512
	le := binary.LittleEndian
	const (
		free   = 0xFFFFFFFF
		end    = 0xFFFFFFFE
		fatSec = 0xFFFFFFFD
	)
	hdr := make([]byte, ss)
	copy(hdr, oleMagic)
	le.PutUint16(hdr[24:], 0x3E)
	le.PutUint16(hdr[26:], 3)
	le.PutUint16(hdr[28:], 0xFFFE)
	le.PutUint16(hdr[30:], 9)
	le.PutUint16(hdr[32:], 6)
	le.PutUint32(hdr[44:], 1)    // one FAT sector
	le.PutUint32(hdr[48:], 1)    // directory starts at sector 1
	le.PutUint32(hdr[56:], 4096) // mini stream cutoff
	le.PutUint32(hdr[60:], end)
	le.PutUint32(hdr[68:], end)
	for i := 0; i < 109; i++ {
		le.PutUint32(hdr[76+4*i:], free)
	}
	le.PutUint32(hdr[76:], 0) // FAT in sector 0

	fat := make([]uint32, ss/4)
	for i := range fat {
		fat[i] = free
	}
	fat[0], fat[1] = fatSec, end
	dir := make([]byte, ss)
	entry := func(slot int, name string, kind byte, start uint32, size uint64) {
		e := dir[slot*128 : slot*128+128]
		u := utf16.Encode([]rune(name))
		for i, c := range u {
			le.PutUint16(e[2*i:], c)
		}
		le.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66] = kind
		le.PutUint32(e[68:], free)
		le.PutUint32(e[72:], free)
		le.PutUint32(e[76:], free)
		le.PutUint32(e[116:], start)
		le.PutUint64(e[120:], size)
	}
	entry(0, "Root Entry", 5, end, 0)
	var body []byte
	next := uint32(2)
	for i, n := range names {
		d := make([]byte, 4096)
		if i < len(data) {
			copy(d, data[i])
		}
		start := next
		for k := 0; k < len(d)/ss; k++ {
			if k == len(d)/ss-1 {
				fat[next] = end
			} else {
				fat[next] = next + 1
			}
			next++
		}
		body = append(body, d...)
		entry(i+1, n, 2, start, uint64(len(d)))
	}
	out := append([]byte{}, hdr...)
	fatb := make([]byte, ss)
	for i, v := range fat {
		le.PutUint32(fatb[4*i:], v)
	}
	out = append(out, fatb...)
	out = append(out, dir...)
	return append(out, body...)
}

// biffStart is the start of a BIFF8 workbook stream: a BOF record and, when
// encrypted, a FILEPASS record right after it.
func biffStart(encrypted bool) []byte {
	le := binary.LittleEndian
	b := make([]byte, 4+16)
	le.PutUint16(b[0:], 0x0809)
	le.PutUint16(b[2:], 16)
	le.PutUint16(b[4:], 0x0600)
	le.PutUint16(b[6:], 0x0005)
	if encrypted {
		fp := make([]byte, 4+6)
		le.PutUint16(fp[0:], 0x002F)
		le.PutUint16(fp[2:], 6)
		b = append(b, fp...)
	} else {
		rec := make([]byte, 4+2)
		le.PutUint16(rec[0:], 0x00E1) // INTERFACEHDR
		le.PutUint16(rec[2:], 2)
		b = append(b, rec...)
	}
	return b
}

// Package importexport reads and writes the Excel ledgers (台账) that every
// module imports and exports. Reading is hardened against what arrives in
// practice: title rows above the header, synonyms and decorations in header
// names, full-width digits, dates in every notation, GBK-encoded CSV, legacy
// .xls and password-protected files, and hostile files (zip bombs, huge
// sheets). Every error a user can see is an *i18n.Error. Writing streams rows
// so that an export of a million residents stays within bounded memory.
package importexport

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Limits bound what a file may cost us. Zero fields take the defaults shown.
type Limits struct {
	MaxFileBytes    int64 // default 300 << 20
	MaxUncompressed int64 // default 3 << 30 (sum of declared uncompressed sizes of the xlsx zip entries)
	MaxRatio        int64 // default 150: any zip entry > 1 MiB whose uncompressed/compressed ratio exceeds this → zip bomb
	MaxRows         int   // default 1_100_000 data rows
	MaxCols         int   // default 256
}

func (l Limits) withDefaults() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = 300 << 20
	}
	if l.MaxUncompressed <= 0 {
		l.MaxUncompressed = 3 << 30
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = 150
	}
	if l.MaxRows <= 0 {
		l.MaxRows = 1_100_000
	}
	if l.MaxCols <= 0 {
		l.MaxCols = 256
	}
	return l
}

const (
	// ratioMinEntry is the entry size from which the compression ratio is
	// checked: small parts compress absurdly well and are harmless.
	ratioMinEntry = 1 << 20
	// xmlInMemory is the size up to which excelize keeps a worksheet or the
	// shared strings in memory; larger ones are unpacked to temp files.
	xmlInMemory = 16 << 20
	// maxInMemoryParts bounds the parts excelize always holds in memory
	// (styles, drawings, images, small sheets), whatever the other limits say.
	maxInMemoryParts = 512 << 20
)

// spoolAbove is the size from which OpenReader copies an xlsx to a temp file
// instead of handing excelize a full in-memory copy (a variable for tests).
var spoolAbove int64 = 32 << 20

// Source is an opened spreadsheet (xlsx or csv). It is not safe for
// concurrent use.
type Source struct {
	lim    Limits
	format string
	sheets []string

	xf *excelize.File // xlsx: sheet list, and the reader where the fast one is unsure
	// xlsx: the package again for the fast reader (xlsxsheet.go), over a
	// copy or spooled file that lives as long as the Source.
	zr        *zip.Reader
	book      *xlsxBook
	bookErr   error
	sst       *sstTable
	sstErr    error
	sstDone   bool
	fallbacks int    // times a read went to excelize (for tests)
	fellBack  uint8  // reasons already counted in fallbackFiles, a bit each
	date1904  bool   // xlsx: serial dates count from 1904
	tmpPath   string // spooled upload to remove on Close

	// csv: read again from ra for each pass, so that nothing is held in memory.
	ra       io.ReaderAt
	size     int64
	start    int64 // bytes to skip (a UTF-8 BOM)
	encoding string
	comma    rune

	closer io.Closer // the file Open opened
}

// Open opens a spreadsheet file. The format is decided by the file name
// extension and checked against the content's magic bytes.
func Open(path string, lim Limits) (*Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errDamaged()
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, errDamaged()
	}
	s, err := openReader(f, st.Size(), filepath.Base(path), lim, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	if s.closer == nil {
		s.closer = f // CSV and xlsx alike are read again from the file
	} else {
		f.Close()
	}
	return s, nil
}

// OpenReader opens a spreadsheet held in r. filename is only used for its
// extension. r must stay readable until Close for CSV, which is streamed from
// it; an xlsx is copied (to memory up to 32 MiB, else to a temp file).
func OpenReader(r io.ReaderAt, size int64, filename string, lim Limits) (*Source, error) {
	return openReader(r, size, filename, lim, "")
}

func openReader(r io.ReaderAt, size int64, filename string, lim Limits, path string) (s *Source, err error) {
	lim = lim.withDefaults()
	ext := strings.ToLower(filepath.Ext(filename))
	switch ext {
	case ".xlsx", ".xlsm", ".xls", ".csv":
	default:
		return nil, errUnsupported()
	}
	if size <= 0 {
		return nil, errEmpty()
	}
	if size > lim.MaxFileBytes {
		return nil, errTooBig(lim.MaxFileBytes)
	}
	head := make([]byte, 8)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	defer func() {
		// excelize and encoding/csv are not written for hostile input; a panic
		// deep inside them must reach the user as "damaged file", not a crash.
		if p := recover(); p != nil {
			if s != nil {
				s.Close()
			}
			s, err = nil, errDamaged()
		}
	}()
	switch {
	case bytes.HasPrefix(head, oleMagic):
		return nil, classifyOLE(r, size, ext)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		// A zip is an xlsx whatever its name says: systems that export
		// ".xls" files often write xlsx, and users rename files.
		return openXLSX(r, size, lim, path)
	case ext == ".csv":
		return openCSV(r, size, lim)
	}
	return nil, errDamaged()
}

// classifyOLE explains why a compound file cannot be imported.
func classifyOLE(r io.ReaderAt, size int64, ext string) error {
	c, err := readCFB(r, size)
	if err != nil {
		if ext == ".xls" {
			return errXLS()
		}
		return errDamaged()
	}
	if c.has("EncryptedPackage") || c.has("EncryptionInfo") {
		return errEncrypted()
	}
	wb, ok := c.find("Workbook")
	if !ok {
		wb, ok = c.find("Book") // Excel 5/95
	}
	if !ok {
		return errDamaged()
	}
	if c.encryptedXLS(wb) {
		return errEncrypted()
	}
	return errXLS()
}

// openXLSX checks the zip's central directory against the limits before
// excelize unpacks anything, then opens it with excelize's own unzip limits
// as a second line of defence.
func openXLSX(r io.ReaderAt, size int64, lim Limits, path string) (*Source, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, errDamaged()
	}
	var total, inMemory uint64
	workbook := false
	for _, f := range zr.File {
		u, c := f.UncompressedSize64, f.CompressedSize64
		total += u
		if total > uint64(lim.MaxUncompressed) || u > uint64(lim.MaxUncompressed) {
			return nil, errZipBomb()
		}
		if u > ratioMinEntry && (c == 0 || u/c > uint64(lim.MaxRatio)) {
			return nil, errZipBomb()
		}
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		if name == "xl/workbook.xml" || (strings.HasPrefix(name, "xl/") && strings.HasSuffix(name, "/workbook.xml")) {
			workbook = true
		}
		streamed := strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml"
		if !streamed || u <= xmlInMemory {
			inMemory += u
		}
		if inMemory > maxInMemoryParts {
			return nil, errZipBomb()
		}
	}
	if !workbook {
		return nil, errDamaged()
	}
	opts := excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    lim.MaxUncompressed,
		UnzipXMLSizeLimit: min(int64(xmlInMemory), lim.MaxUncompressed),
	}
	// The fast reader reads the package again later, so it needs bytes that
	// outlive this call: Open's file (r, kept open by Open), else a copy.
	s := &Source{lim: lim, format: "xlsx"}
	var (
		xf  *excelize.File
		pkg = r
	)
	switch {
	case path != "":
		xf, err = excelize.OpenFile(path, opts)
	case size > spoolAbove:
		var tmp *os.File
		tmp, err = spool(r, size)
		if err == nil {
			s.closer, pkg = tmp, tmp
			xf, err = excelize.OpenFile(tmp.Name(), opts)
			if os.Remove(tmp.Name()) != nil {
				s.tmpPath = tmp.Name() // removed on Close where an open file cannot be
			}
		}
	default:
		buf := make([]byte, size)
		if _, err = io.ReadFull(io.NewSectionReader(r, 0, size), buf); err == nil {
			pkg = bytes.NewReader(buf)
			xf, err = excelize.OpenReader(bytes.NewReader(buf), opts)
		}
	}
	if err != nil {
		if xf != nil {
			xf.Close()
		}
		s.Close()
		if strings.Contains(err.Error(), "unzip size") {
			return nil, errZipBomb()
		}
		return nil, errDamaged()
	}
	s.xf, s.sheets = xf, xf.GetSheetList()
	if p, err := xf.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		s.date1904 = *p.Date1904
	}
	if len(s.sheets) == 0 {
		s.Close()
		return nil, errDamaged()
	}
	if s.zr, err = zip.NewReader(pkg, size); err != nil {
		s.zr = nil // excelize alone reads it
	}
	return s, nil
}

// spool copies a large upload to a temp file, so that neither excelize nor
// the fast reader needs a copy in memory.
func spool(r io.ReaderAt, size int64) (*os.File, error) {
	tmp, err := os.CreateTemp("", "linli-import-*.xlsx")
	if err != nil {
		return nil, err
	}
	if _, err = io.Copy(tmp, io.NewSectionReader(r, 0, size)); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	return tmp, nil
}

// Close releases the file and any temp files excelize unpacked.
func (s *Source) Close() error {
	var err error
	if s.xf != nil {
		err = s.xf.Close()
		s.xf = nil
	}
	if s.closer != nil {
		if cerr := s.closer.Close(); err == nil {
			err = cerr
		}
		s.closer = nil
	}
	if s.tmpPath != "" {
		os.Remove(s.tmpPath)
		s.tmpPath = ""
	}
	s.zr = nil
	return err
}

// Format is "xlsx" or "csv".
func (s *Source) Format() string { return s.format }

// Encoding is the text encoding of a CSV ("utf-8" or "gb18030"), "" for xlsx.
func (s *Source) Encoding() string { return s.encoding }

// Sheets lists the sheet names in workbook order; a CSV has one, "Sheet1".
func (s *Source) Sheets() []string { return append([]string(nil), s.sheets...) }

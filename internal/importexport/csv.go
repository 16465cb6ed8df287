package importexport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"linli/internal/i18n"
)

// maxCSVField is Excel's limit on the characters in one cell (32,767), in
// bytes of the widest encoding. A longer CSV field cannot have come from a
// spreadsheet: it is a quote that was opened and never closed, swallowing
// the rows after it, or a cell too long (told apart by how the field ends).
const maxCSVField = 32767 * 3

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// openCSV makes one pass over the bytes before anything is parsed: it decides
// the encoding and finds broken quoting and oversized rows, naming the line.
// Parsing then streams from the start in Rows.
//
// Encoding: valid UTF-8 is UTF-8; otherwise valid GB18030 (which covers GBK
// and GB2312) is GB18030. A file that is neither, but whose multi-byte
// sequences are overwhelmingly valid UTF-8, is UTF-8 with a few damaged
// characters (they become U+FFFD, which validation can point at) rather than
// GB18030 mojibake on every line; GBK text has a UTF-8 error at nearly
// every Chinese character, so the two do not get confused.
func openCSV(r io.ReaderAt, size int64, lim Limits) (*Source, error) {
	s := &Source{lim: lim, format: "csv", sheets: []string{"Sheet1"}, ra: r, size: size, comma: ','}
	head := make([]byte, min(size, 64<<10))
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	if bytes.HasPrefix(head, utf8BOM) {
		s.start = int64(len(utf8BOM))
		head = head[len(utf8BOM):]
	}
	s.comma = sniffComma(head)
	sc := csvScanner{comma: byte(s.comma), maxCols: lim.MaxCols, line: 1, fieldLine: 1, gbOK: true}
	if err := sc.scan(io.NewSectionReader(r, s.start, size-s.start)); err != nil {
		return nil, err
	}
	switch {
	case sc.utf8Bad == 0:
		s.encoding = "utf-8"
	case sc.gbOK && s.start == 0:
		s.encoding = "gb18030"
	case sc.utf8Multi >= 10*sc.utf8Bad:
		s.encoding = "utf-8"
	default:
		return nil, errDamaged()
	}
	return s, nil
}

// sniffComma picks the delimiter from the first line: systems that export
// "CSV" sometimes write tab-separated text.
func sniffComma(head []byte) rune {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	if bytes.IndexByte(line, ',') < 0 && bytes.IndexByte(line, '\t') >= 0 {
		return '\t'
	}
	return ','
}

// csvScanner follows encoding/csv's LazyQuotes grammar byte by byte. The
// delimiter, quote and line breaks are ASCII and never occur inside a GB18030
// multi-byte sequence, so the scan works before the encoding is known.
type csvScanner struct {
	comma   byte
	maxCols int

	line      int  // current line, 1-based, as encoding/csv counts them
	fieldLine int  // line where the current field started
	atStart   bool // at the start of a field
	quoted    bool // inside a quoted field
	quoteSeen bool // in a quoted field, the previous byte was a quote
	stray     bool // a quoted field contains a quote that does not close it
	multiLine bool // a quoted field spans lines
	tooLong   bool // a quoted field has passed maxCSVField
	fieldLen  int
	cols      int
	lineEmpty bool // nothing on the current line yet (encoding/csv skips empty lines)
	prevCR    bool

	utf8Multi int // valid multi-byte UTF-8 sequences
	utf8Bad   int // invalid UTF-8 bytes
	utf8Carry []byte
	gbOK      bool
	gbState   int
}

func (c *csvScanner) quoteErr() error {
	return i18n.NewError(CodeBadFile, "importexport.csv_quote", "line", c.fieldLine)
}

// closeQuoted judges a quoted field that has just ended: one that swallowed
// lines with stray quotes in it was opened by mistake; one that closed
// cleanly but is longer than a cell may be is a cell too long.
func (c *csvScanner) closeQuoted() error {
	switch {
	case c.stray && c.multiLine:
		return c.quoteErr()
	case c.tooLong:
		return i18n.NewError(CodeTooLarge, "importexport.csv_quoted_too_long", "line", c.fieldLine, "max", 32767)
	}
	return nil
}

func (c *csvScanner) scan(r io.Reader) error {
	c.atStart, c.lineEmpty = true, true
	buf := make([]byte, 256<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if e := c.feed(buf[:n]); e != nil {
				return e
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return errDamaged()
		}
	}
	if c.quoted && !c.quoteSeen {
		return c.quoteErr() // the file ended inside a quoted field
	}
	if c.quoted {
		if err := c.closeQuoted(); err != nil {
			return err
		}
	}
	c.utf8Bad += len(c.utf8Carry)
	if c.gbState != 0 {
		c.gbOK = false
	}
	return nil
}

func (c *csvScanner) feed(b []byte) error {
	c.checkEncoding(b)
	for _, ch := range b {
		if ch == 0 {
			return errDamaged() // text files have no NUL bytes; this is binary or UTF-16
		}
		if c.quoted {
			if err := c.quotedByte(ch); err != nil {
				return err
			}
			continue
		}
		if c.atStart && ch == '"' {
			c.quoted, c.quoteSeen, c.stray, c.multiLine, c.tooLong = true, false, false, false, false
			c.atStart, c.lineEmpty, c.fieldLine = false, false, c.line
			c.fieldLen = 0
			continue
		}
		if err := c.plainByte(ch); err != nil {
			return err
		}
	}
	return nil
}

func (c *csvScanner) quotedByte(ch byte) error {
	if c.quoteSeen {
		c.quoteSeen = false
		switch ch {
		case '"': // an escaped quote
			c.fieldLen++
			return nil
		case c.comma, '\n', '\r':
			c.quoted = false
			if err := c.closeQuoted(); err != nil {
				return err
			}
			return c.plainByte(ch)
		default:
			// LazyQuotes keeps the quote as text; a well-formed file would
			// have doubled it.
			c.stray = true
			c.fieldLen++
		}
	}
	switch ch {
	case '"':
		c.quoteSeen = true
		return nil
	case '\n':
		c.line++
		c.multiLine = true
	}
	c.fieldLen++
	if c.fieldLen > maxCSVField {
		// Too long for a cell, or a quote never closed: where the field
		// ends tells which (the scan goes on, holding nothing).
		c.tooLong = true
	}
	return nil
}

func (c *csvScanner) plainByte(ch byte) error {
	switch ch {
	case c.comma:
		c.cols++
		c.atStart, c.lineEmpty, c.fieldLen, c.fieldLine = true, false, 0, c.line
		c.prevCR = false
		return c.checkCols()
	case '\n':
		if !c.lineEmpty {
			c.cols++
			if err := c.checkCols(); err != nil {
				return err
			}
		}
		c.line++
		c.cols, c.atStart, c.lineEmpty, c.fieldLen, c.fieldLine, c.prevCR = 0, true, true, 0, c.line, false
		return nil
	case '\r':
		// Part of a CRLF line break, or data if a bare CR (as encoding/csv).
		c.prevCR = true
		return nil
	}
	if c.prevCR {
		c.fieldLen++ // the bare CR was data
		c.prevCR = false
	}
	c.atStart, c.lineEmpty = false, false
	c.fieldLen++
	if c.fieldLen > maxCSVField {
		return i18n.NewError(CodeBadFile, "importexport.csv_cell_too_long", "line", c.line, "max", 32767)
	}
	return nil
}

func (c *csvScanner) checkCols() error {
	if c.cols > c.maxCols {
		return errTooManyCols(c.line, c.maxCols)
	}
	return nil
}

// checkEncoding tracks, across buffer boundaries, whether the bytes so far
// are valid UTF-8 and valid GB18030.
func (c *csvScanner) checkEncoding(b []byte) {
	data := b
	if len(c.utf8Carry) > 0 {
		data = append(c.utf8Carry, b...)
		c.utf8Carry = nil
	}
	// Hold back an incomplete rune at the end for the next buffer.
	cut := len(data)
	for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
		if !utf8.RuneStart(data[i]) {
			continue
		}
		if !utf8.FullRune(data[i:]) {
			cut = i
		}
		break
	}
	for i := 0; i < cut; {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:cut])
		if r == utf8.RuneError && size == 1 {
			c.utf8Bad++
		} else {
			c.utf8Multi++
		}
		i += size
	}
	if cut < len(data) {
		c.utf8Carry = append([]byte(nil), data[cut:]...)
	}
	if c.gbOK {
		for _, x := range b {
			switch c.gbState {
			case 0:
				switch {
				case x < 0x80:
				case x >= 0x81 && x <= 0xFE:
					c.gbState = 1
				default:
					c.gbOK = false
				}
			case 1:
				switch {
				case x >= 0x30 && x <= 0x39:
					c.gbState = 2
				case x >= 0x40 && x <= 0xFE && x != 0x7F:
					c.gbState = 0
				default:
					c.gbOK = false
				}
			case 2:
				if x >= 0x81 && x <= 0xFE {
					c.gbState = 3
				} else {
					c.gbOK = false
				}
			case 3:
				if x >= 0x30 && x <= 0x39 {
					c.gbState = 0
				} else {
					c.gbOK = false
				}
			}
			if !c.gbOK {
				break
			}
		}
	}
}

// csvRows iterates the records of a CSV, giving each the row number Excel
// would show: encoding/csv skips blank lines, which Excel counts, and a
// quoted field may span lines, which Excel shows as one row.
type csvRows struct {
	r        *csv.Reader
	excelRow int
	endLine  int // line on which the previous record ended
	e        error
}

func (s *Source) csvRows() *csvRows {
	var in io.Reader = io.NewSectionReader(s.ra, s.start, s.size-s.start)
	if s.encoding == "gb18030" {
		in = transform.NewReader(in, simplifiedchinese.GB18030.NewDecoder())
	}
	r := csv.NewReader(bufio.NewReaderSize(in, 64<<10))
	r.Comma = s.comma
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	return &csvRows{r: r}
}

// next returns the cells of the next record and its row number; the slice
// is reused by the following call.
func (c *csvRows) next() (int, []string, bool) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return 0, nil, false
	}
	if err != nil {
		c.e = csvErr(err)
		return 0, nil, false
	}
	start, _ := c.r.FieldPos(0)
	last, _ := c.r.FieldPos(len(rec) - 1)
	c.excelRow += start - c.endLine
	c.endLine = last + strings.Count(rec[len(rec)-1], "\n")
	return c.excelRow, rec, true
}

func csvErr(err error) error {
	if pe, ok := err.(*csv.ParseError); ok {
		return i18n.NewError(CodeBadFile, "importexport.csv_quote", "line", pe.StartLine)
	}
	return errDamaged()
}

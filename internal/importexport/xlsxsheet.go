package importexport

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// sheetReader streams the rows of one worksheet part. It returns, row for
// row, what excelize's Rows iterator returns with RawCellValue: the same row
// numbers (blank rows included), the same cells at the same positions, the
// same errors at the same rows. It relies on these rules of excelize's
// Rows/Columns:
//
//   - a row's number is its r attribute, or the previous row's plus one
//     when r is absent or 0; an r that is not a number, or above 1,048,576,
//     is an error raised before the previous row is returned;
//   - a cell's column is its r reference, or the previous cell's plus one;
//     a cell joins the row only if its value is not empty or it has a
//     formula, after blanks up to its column (a cell whose column is not
//     beyond the row's length is appended at the end);
//   - values are raw: a shared string's text, an inline string's text, and
//     for every other type the text of <v> as written;
//   - rows end where the next <row> starts, so nothing of row k is final
//     until that start tag has been read; a row is only given out then.
//
// Where excelize would merge rows (a row number that goes backwards), or the
// XML is anything but well-formed in the usual shape, next returns errUnsure
// before giving out anything it is not sure of, and the caller continues with
// excelize from that row.
type sheetReader struct {
	sc  *xmlScan
	rc  io.ReadCloser
	sst *sstTable
	// capCells is how many cells of a row are kept: MaxCols+1. A wider row
	// is refused by Rows and Detect whatever it holds, so beyond that only
	// its width is tracked.
	capCells int

	started  bool
	sdName   []byte // raw name of <sheetData>
	rowName  []byte // raw name of the pending row's start tag
	prev     int    // number of the last row whose start tag was read
	pend     int    // that row, if its cells are still to be read; 0 = no more rows
	pendSelf bool   // it was written <row/>
	tail     bool   // a row's cells ended at </sheetData>: check what follows
	emitted  int    // row numbers given out so far

	vbuf  []byte // the current row's values
	spans []span // the current row's cells as ranges of vbuf
	vlen  int    // the row's length as excelize counts it
	cells []string

	v     []byte // the current cell's <v>
	is    siText // the current cell's <is>
	fskip []byte
}

type span struct{ start, end int }

// maxRowBytes bounds the text kept for one row (at most MaxCols+1 cells).
const maxRowBytes = 32 << 20

// next returns the next row number and its cells (valid until the next
// call), ok=false at the end.
func (r *sheetReader) next() (int, []string, bool, error) {
	if !r.started {
		r.started = true
		if err := r.prelude(); err != nil {
			return 0, nil, false, err
		}
	}
	if r.pend == 0 {
		if r.tail {
			r.tail = false
			if err := r.checkTail(); err != nil {
				return 0, nil, false, err
			}
		}
		return 0, nil, false, nil
	}
	if r.emitted+1 < r.pend {
		// Blank rows come before the next row's cells are read, as in
		// excelize, so that an error in them surfaces at the same row.
		r.emitted++
		return r.emitted, nil, true, nil
	}
	num := r.pend
	if err := r.readRow(); err != nil {
		return 0, nil, false, err
	}
	r.emitted = num
	return num, r.cells, true, nil
}

func (r *sheetReader) close() { r.rc.Close() }

// prelude reads up to <sheetData> and the first row's start tag. Before
// <sheetData> any well-formed XML may stand; excelize counts a <row> or
// </sheetData> anywhere, so either there is left to it.
func (r *sheetReader) prelude() error {
	sc := r.sc
	var stack [][]byte
	elements := false
	for {
		if err := sc.next(); err != nil {
			return err
		}
		switch sc.kind {
		case tokText:
			if err := sc.checkText(); err != nil {
				return err
			}
		case tokDecl:
			if elements {
				return errUnsure
			}
			if err := checkDecl(sc.text); err != nil {
				return err
			}
		case tokStart:
			elements = true
			switch string(sc.local) {
			case "row":
				return errUnsure
			case "sheetData":
				if sc.selfClose {
					return nil // no rows: excelize stops at its end
				}
				r.sdName = append(r.sdName[:0], sc.name...)
				return r.seekRow(false)
			}
			if !sc.selfClose {
				if len(stack) == maxDepth {
					return errDamaged()
				}
				stack = append(stack, append([]byte(nil), sc.name...))
			}
		case tokEnd:
			if len(stack) == 0 || !bytes.Equal(stack[len(stack)-1], sc.name) || string(sc.local) == "sheetData" {
				return errUnsure
			}
			stack = stack[:len(stack)-1]
		default:
			return errUnsure // the document ended before <sheetData>
		}
	}
}

// seekRow reads up to the next row's start tag, or </sheetData>. afterRow
// tells whether a row's cells were read before it: then excelize's Columns
// consumed </sheetData> and its Next goes on looking for rows after it.
func (r *sheetReader) seekRow(afterRow bool) error {
	sc := r.sc
	for {
		if err := sc.next(); err != nil {
			return err
		}
		switch sc.kind {
		case tokText:
			if err := sc.checkText(); err != nil {
				return err
			}
		case tokStart:
			if string(sc.local) != "row" {
				return errUnsure
			}
			n, err := r.rowNumber()
			if err != nil {
				return err
			}
			r.prev, r.pend, r.pendSelf = n, n, sc.selfClose
			r.rowName = append(r.rowName[:0], sc.name...)
			return nil
		case tokEnd:
			if !bytes.Equal(sc.name, r.sdName) {
				return errUnsure
			}
			r.pend, r.tail = 0, afterRow
			return nil
		default:
			return errUnsure
		}
	}
}

// rowNumber applies excelize's attrValToInt("r") and numbering rules to the
// row start tag just read.
func (r *sheetReader) rowNumber() (int, error) {
	n := 0
	for _, a := range r.sc.attrs {
		if string(a.local) != "r" {
			continue
		}
		v, ok := smallUint(r.sc.attrValue(a))
		if !ok {
			var err error
			if v, err = strconv.Atoi(string(r.sc.attrValue(a))); err != nil {
				return 0, errDamaged()
			}
		}
		n = v
	}
	switch {
	case n > excelize.TotalRows:
		return 0, errSheetTooManyRows()
	case n < 0:
		return 0, errUnsure
	case n == 0:
		n = r.prev + 1
	case n <= r.prev:
		return 0, errUnsure // excelize merges such a row into the one before
	}
	return n, nil
}

// smallUint parses 1–9 ASCII digits, the form nearly every number here has.
func smallUint(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// readRow reads the pending row's cells, then the next row's start tag.
func (r *sheetReader) readRow() error {
	r.vbuf, r.spans, r.vlen = r.vbuf[:0], r.spans[:0], 0
	if !r.pendSelf {
		sc := r.sc
		col := 0
	cells:
		for {
			n, err := r.fastCell(sc.buf[sc.pos:sc.end], &col)
			if err != nil {
				return err
			}
			if n > 0 {
				sc.pos += n
				continue
			}
			if err := sc.next(); err != nil {
				return err
			}
			switch sc.kind {
			case tokText:
				if err := sc.checkText(); err != nil {
					return err
				}
			case tokStart:
				if string(sc.local) != "c" {
					return errUnsure
				}
				if err := r.readCell(&col); err != nil {
					return err
				}
			case tokEnd:
				if !bytes.Equal(sc.name, r.rowName) {
					return errUnsure
				}
				break cells
			default:
				return errUnsure
			}
		}
	}
	n := min(r.vlen, r.capCells)
	r.cells = r.cells[:0]
	if n > 0 {
		all := string(r.vbuf) // one allocation for the whole row
		for i := range n {
			v := ""
			if i < len(r.spans) {
				v = all[r.spans[i].start:r.spans[i].end]
			}
			r.cells = append(r.cells, v)
		}
	}
	return r.seekRow(true)
}

type cellType uint8

const (
	cellOther cellType = iota
	cellShared
	cellInline
)

// readCell reads one <c> element whose start tag was just read.
func (r *sheetReader) readCell(col *int) error {
	sc := r.sc
	typ := cellOther
	refSet, refCol, refErr := false, 0, false
	for _, a := range sc.attrs {
		switch string(a.local) {
		case "r":
			v := sc.attrValue(a)
			refSet = len(v) > 0
			if refSet {
				refCol, refErr = cellColumn(v)
			}
		case "s":
			// excelize parses s without trimming; a cell whose s does not
			// parse loses its value in a way not worth copying.
			if v := sc.attrValue(a); !validStyle(v) {
				return errUnsure
			}
		case "t":
			switch string(sc.attrValue(a)) {
			case "s":
				typ = cellShared
			case "inlineStr":
				typ = cellInline
			default:
				typ = cellOther
			}
		}
	}
	hasF, hasIS := false, false
	r.v = r.v[:0]
	r.is.reset()
	if !sc.selfClose {
		var nb [8]byte
		name := append(nb[:0], sc.name...)
	children:
		for {
			if err := sc.next(); err != nil {
				return err
			}
			switch sc.kind {
			case tokText:
				if err := sc.checkText(); err != nil {
					return err
				}
				continue
			case tokEnd:
				if !bytes.Equal(sc.name, name) {
					return errUnsure
				}
				break children
			case tokStart:
			default:
				return errUnsure
			}
			var err error
			switch string(sc.local) {
			case "v": // the last <v> wins, as encoding/xml decodes each into the same field
				r.v, err = readLeaf(sc, r.v[:0])
			case "f": // only its presence matters (and its typed attributes parsing)
				hasF = true
				for _, a := range sc.attrs {
					k := attrString
					switch string(a.local) {
					case "aca", "dt2D", "dtr", "del1", "del2", "ca", "bx":
						k = attrBool
					case "si":
						k = attrInt
					}
					if !validAttr(k, sc.attrValue(a)) {
						return errUnsure
					}
				}
				r.fskip, err = readLeaf(sc, r.fskip[:0])
			case "is":
				hasIS = true
				if !sc.selfClose {
					var ib [8]byte
					err = readSI(sc, &r.is, append(ib[:0], sc.name...))
				}
			default:
				return errUnsure
			}
			if err != nil {
				return err
			}
		}
	}
	return r.store(col, typ, refSet, refCol, refErr, r.v, hasF, hasIS)
}

// store gives a read cell its column and joins it to the row.
func (r *sheetReader) store(col *int, typ cellType, refSet bool, refCol int, refErr bool, v []byte, hasF, hasIS bool) error {
	*col++
	if refSet {
		if refErr {
			return errDamaged() // excelize fails the row on a bad cell reference
		}
		*col = refCol
	}
	start := len(r.vbuf)
	switch {
	case typ == cellShared:
		if len(v) > 0 {
			if s, ok := r.sst.get(sharedIndex(v)); ok {
				r.vbuf = append(r.vbuf, s...)
			}
		}
	case typ == cellInline && hasIS:
		r.vbuf = r.is.appendTo(r.vbuf)
	default:
		r.vbuf = append(r.vbuf, v...)
	}
	if len(r.vbuf) == start && !hasF {
		return nil
	}
	// excelize: cells = append(appendSpace(col-len(cells), cells), val)
	pos := max(r.vlen, *col-1)
	r.vlen = pos + 1
	if pos >= r.capCells {
		r.vbuf = r.vbuf[:start]
		return nil
	}
	for len(r.spans) < pos {
		r.spans = append(r.spans, span{})
	}
	r.spans = append(r.spans, span{start, len(r.vbuf)})
	if len(r.vbuf) > maxRowBytes {
		return errCellTooLong()
	}
	return nil
}

// fastCell reads a cell of the shape nearly every writer uses,
// <c r=".." s=".." t=".."><v>text</v></c> or <c .../>, with plain text
// and attribute values, straight from the buffer. It returns 0 for
// anything else (or a cell cut by the buffer's end), which the general path
// then reads; both give the same result for the cells read here.
func (r *sheetReader) fastCell(b []byte, col *int) (int, error) {
	i := skipSpace(b, 0)
	if len(b)-i < 4 || b[i] != '<' || b[i+1] != 'c' || nameClass[b[i+2]] != 0 {
		return 0, nil
	}
	i += 2
	typ := cellOther
	refSet, refCol, refErr := false, 0, false
	self := false
attrs:
	for {
		i = skipSpace(b, i)
		if i+1 >= len(b) {
			return 0, nil
		}
		switch b[i] {
		case '>':
			i++
			break attrs
		case '/':
			if b[i+1] != '>' {
				return 0, nil
			}
			i += 2
			self = true
			break attrs
		}
		ns := i
		for i < len(b) && nameClass[b[i]] == 1 && b[i] != ':' {
			i++
		}
		if i == ns || i+1 >= len(b) || b[i] != '=' || (b[i+1] != '"' && b[i+1] != '\'') {
			return 0, nil
		}
		if c := b[ns]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return 0, nil
		}
		an := b[ns:i]
		q := b[i+1]
		i += 2
		j := bytes.IndexByte(b[i:], q)
		if j < 0 {
			return 0, nil
		}
		v := b[i : i+j]
		i += j + 1
		if !plainText(v) {
			return 0, nil
		}
		switch string(an) {
		case "r":
			refSet = len(v) > 0
			if refSet {
				if refCol, refErr = cellColumn(v); refErr {
					return 0, nil
				}
			}
		case "s":
			if !validStyle(v) {
				return 0, nil
			}
		case "t":
			switch string(v) {
			case "s":
				typ = cellShared
			case "inlineStr":
				typ = cellInline
			default:
				typ = cellOther
			}
		}
	}
	var v []byte
	if !self {
		switch {
		case bytes.HasPrefix(b[i:], []byte("<v>")):
			i += 3
			j := bytes.IndexByte(b[i:], '<')
			if j < 0 || !plainText(b[i:i+j]) || !bytes.HasPrefix(b[i+j:], []byte("</v>")) {
				return 0, nil
			}
			v = b[i : i+j]
			i += j + 4
		case bytes.HasPrefix(b[i:], []byte("<v/>")):
			i += 4
		}
		if !bytes.HasPrefix(b[i:], []byte("</c>")) {
			return 0, nil
		}
		i += 4
	}
	return i, r.store(col, typ, refSet, refCol, false, v, false, false)
}

// validStyle: excelize parses s with strconv.ParseInt, untrimmed.
func validStyle(v []byte) bool {
	if _, ok := smallUint(v); ok {
		return true
	}
	_, err := strconv.ParseInt(string(v), 10, 64)
	return err == nil
}

// sharedIndex reads a shared string index as excelize does:
// strconv.Atoi(strings.TrimSpace(v)), its result used even on error.
func sharedIndex(v []byte) int {
	if n, ok := smallUint(v); ok {
		return n
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(v)))
	return n
}

// cellColumn returns the column of a cell reference as excelize's
// CellNameToCoordinates does, and whether it fails.
func cellColumn(ref []byte) (int, bool) {
	// Fast path: 1–3 letters and 1–7 digits, the shape every writer uses.
	i, col := 0, 0
	for ; i < len(ref) && i < 4; i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
	}
	if i >= 1 && i <= 3 && len(ref)-i >= 1 && len(ref)-i <= 7 && col <= excelize.MaxColumns {
		if row, ok := smallUint(ref[i:]); ok && row >= 1 && row <= excelize.TotalRows {
			return col, false
		}
	}
	c, _, err := excelize.CellNameToCoordinates(string(ref))
	return c, err != nil
}

// checkTail looks at what follows </sheetData> when a row's cells ended
// there: excelize's Next would take any <row> start tag after it for a row.
// Any name "row" or "p:row" after a '<' sends the sheet to excelize.
func (r *sheetReader) checkTail() error {
	sc := r.sc
	for {
		b := sc.buf[sc.pos:sc.end]
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			sc.pos = sc.end
			if !sc.more() {
				return sc.err
			}
			continue
		}
		sc.pos += i
		j := 1
		for {
			b, ok := sc.view(j)
			if !ok {
				if sc.err != nil {
					return sc.err
				}
				break
			}
			if c := b[j]; c < 0x80 && !isNameByte(c) {
				break
			}
			j++
		}
		name := sc.buf[sc.pos+1 : min(sc.pos+j, sc.end)]
		if string(name) == "row" || bytes.HasSuffix(name, []byte(":row")) {
			return errUnsure
		}
		sc.pos += j
	}
}

// fastRows is the rowIter of an xlsx sheet: the fast reader, switching to
// excelize for the rest of the sheet when the fast reader is unsure. Rows up
// to that point are the same in both, so excelize is started afresh and
// the rows already given out are skipped.
type fastRows struct {
	s     *Source
	sheet string
	rd    *sheetReader
	fb    rowIter
	n     int // rows given out
	e     error
}

func (f *fastRows) next() (int, []string, bool) {
	if f.fb != nil {
		return f.fb.next()
	}
	if f.e != nil {
		return 0, nil, false
	}
	num, cells, ok, err := f.rd.next()
	if err == errUnsure {
		f.rd.close()
		f.rd = nil
		fb, err := f.s.fallback(f.sheet, FallbackSheet)
		if err != nil {
			f.e = err
			return 0, nil, false
		}
		for range f.n {
			if _, _, ok := fb.next(); !ok {
				break
			}
		}
		f.fb = fb
		return fb.next()
	}
	if err != nil {
		f.e = err
		return 0, nil, false
	}
	if ok {
		f.n = num
	}
	return num, cells, ok
}

func (f *fastRows) err() error {
	if f.fb != nil {
		return f.fb.err()
	}
	return f.e
}

func (f *fastRows) close() {
	if f.rd != nil {
		f.rd.close()
	}
	if f.fb != nil {
		f.fb.close()
	}
}

// xlsxIter reads a sheet with the fast reader, or with excelize where the
// fast reader cannot be sure from the start: a Strict-namespace package,
// a sheet or shared-string part excelize would find differently (duplicate
// parts, sheet names equal but for case), or shared strings outside the
// usual shape.
func (s *Source) xlsxIter(sheet string) (rowIter, error) {
	rd, reason, err := s.fastReader(sheet)
	if err == errUnsure {
		return s.fallback(sheet, reason)
	}
	if err != nil {
		return nil, err
	}
	return &fastRows{s: s, sheet: sheet, rd: rd}, nil
}

// fastReader opens the fast reader on a sheet; where it is unsure (err
// errUnsure), reason says of what.
func (s *Source) fastReader(sheet string) (*sheetReader, string, error) {
	if s.zr == nil {
		return nil, FallbackPackage, errUnsure
	}
	if s.book == nil && s.bookErr == nil {
		s.book, s.bookErr = newXLSXBook(s.zr, s.sheets)
	}
	if s.bookErr != nil {
		return nil, FallbackWorkbook, s.bookErr
	}
	part, err := s.book.part(sheet)
	if err != nil {
		return nil, FallbackWorkbook, err
	}
	if !s.sstDone {
		s.sstDone = true
		s.sst, s.sstErr = s.book.sharedStrings(s.lim)
	}
	if s.sstErr != nil {
		return nil, FallbackSharedStrings, s.sstErr
	}
	rc, err := openPart(part)
	if err != nil {
		return nil, FallbackSheet, err
	}
	return &sheetReader{
		sc:       newXMLScan(rc, s.lim.MaxUncompressed, errZipBomb),
		rc:       rc,
		sst:      s.sst,
		capCells: s.lim.MaxCols + 1,
	}, "", nil
}

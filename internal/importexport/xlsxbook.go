package importexport

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file finds a sheet's part in the package and reads the shared string
// table, both as excelize does, for the fast reader in xlsxsheet.go.

const (
	nsMain          = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	relOfficeDoc    = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
	strictMarker    = "purl.oclc.org"
	maxSmallPart    = 16 << 20 // workbook.xml and .rels parts
	pathSharedStrs  = "xl/sharedStrings.xml"
	pathContentType = "[Content_Types].xml"
	// maxSharedStrings bounds the decompressed shared string part. The
	// table built from it is never larger than the part (text plus 4 bytes
	// per item, each item taking at least 5 bytes of XML), so this is also
	// the bound on its memory. A 1,000,000-row ledger whose six text
	// columns are all distinct has about 200 MB of shared strings.
	maxSharedStrings = 512 << 20
	// maxCellBytes bounds one decoded cell value or shared string; Excel
	// holds at most 32,767 characters in a cell.
	maxCellBytes = 1 << 20
)

// xlsxBook maps sheet names to worksheet parts.
type xlsxBook struct {
	files  map[string][]*zip.File // by the part name excelize stores each entry under
	sheets map[string]string      // sheet name → part, as excelize's getSheetMap builds it
}

type pkgRels struct {
	XMLName xml.Name `xml:"http://schemas.openxmlformats.org/package/2006/relationships Relationships"`
	Rels    []struct {
		ID     string `xml:"Id,attr"`
		Target string `xml:",attr"`
		Type   string `xml:",attr"`
	} `xml:"Relationship"`
}

type pkgWorkbook struct {
	XMLName xml.Name `xml:"http://schemas.openxmlformats.org/spreadsheetml/2006/main workbook"`
	Sheets  struct {
		Sheet []struct {
			Name string `xml:"name,attr,omitempty"`
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheet"`
	} `xml:"sheets"`
}

// newXLSXBook resolves sheets through _rels/.rels, the workbook part and its
// relationships, never assuming sheet1.xml. Whatever it cannot resolve the
// way excelize does — Strict-namespace packages, duplicate or missing parts,
// a sheet list that differs from excelize's — is errUnsure.
func newXLSXBook(zr *zip.Reader, names []string) (*xlsxBook, error) {
	b := &xlsxBook{files: map[string][]*zip.File{}, sheets: map[string]string{}}
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, "\\", "/")
		switch strings.ToLower(name) {
		case "[content_types].xml":
			name = pathContentType
		case "xl/sharedstrings.xml":
			name = pathSharedStrs
		}
		b.files[name] = append(b.files[name], f)
	}
	var root pkgRels
	if err := b.decode("_rels/.rels", &root); err != nil {
		return nil, err
	}
	wbPath := ""
	for _, r := range root.Rels {
		if r.Type == relOfficeDoc {
			wbPath = strings.TrimPrefix(r.Target, "/")
			break
		}
	}
	var wb pkgWorkbook
	if err := b.decode(wbPath, &wb); err != nil {
		return nil, err
	}
	got := make([]string, 0, len(wb.Sheets.Sheet))
	for _, s := range wb.Sheets.Sheet {
		got = append(got, s.Name)
	}
	if !slices.Equal(got, names) {
		return nil, errUnsure
	}
	relsPath := "_rels/" + filepath.Base(wbPath) + ".rels"
	if dir := filepath.Dir(wbPath); dir != "." {
		relsPath = strings.TrimPrefix(dir+"/_rels/"+filepath.Base(wbPath)+".rels", "/")
	}
	var rels pkgRels
	if err := b.decode(relsPath, &rels); err != nil {
		return nil, err
	}
	for _, s := range wb.Sheets.Sheet {
		for _, r := range rels.Rels {
			if r.ID != s.ID {
				continue
			}
			p := filepath.ToSlash(strings.TrimPrefix(strings.ReplaceAll(filepath.Clean(filepath.Dir(wbPath)+"/"+r.Target), "\\", "/"), "/"))
			if strings.HasPrefix(r.Target, "/") {
				p = filepath.ToSlash(strings.TrimPrefix(strings.ReplaceAll(filepath.Clean(r.Target), "\\", "/"), "/"))
			}
			if len(b.files[p]) > 0 {
				b.sheets[s.Name] = p
			}
		}
	}
	return b, nil
}

// decode reads a small XML part that must exist exactly once.
func (b *xlsxBook) decode(name string, v any) error {
	fs := b.files[name]
	if len(fs) != 1 || fs[0].UncompressedSize64 > maxSmallPart {
		return errUnsure
	}
	rc, err := fs[0].Open()
	if err != nil {
		return errUnsure
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxSmallPart))
	if err != nil || bytes.Contains(data, []byte(strictMarker)) {
		return errUnsure
	}
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		return errUnsure
	}
	return nil
}

// part finds the worksheet part of a sheet the way excelize's Rows does:
// names compare case-insensitively, and a name excelize refuses is errUnsure.
func (b *xlsxBook) part(sheet string) (*zip.File, error) {
	if !validSheetName(sheet) {
		return nil, errUnsure
	}
	found, n := "", 0
	for name, p := range b.sheets {
		if strings.EqualFold(name, sheet) {
			if n > 0 && p != found {
				return nil, errUnsure // excelize would pick one at random
			}
			found, n = p, n+1
		}
	}
	if n == 0 || len(b.files[found]) != 1 {
		return nil, errUnsure
	}
	return b.files[found][0], nil
}

// validSheetName is excelize's checkSheetName.
func validSheetName(name string) bool {
	units := 0
	for _, r := range name {
		units += utf16.RuneLen(r)
	}
	return name != "" && units <= 31 && !strings.HasPrefix(name, "'") && !strings.HasSuffix(name, "'") &&
		!strings.ContainsAny(name, ":\\/?*[]")
}

// sstTable is the shared string table: all strings in one string, item i
// being text[ends[i-1]:ends[i]]. A million distinct strings of 20 bytes
// take 24 MB this way (text plus 4 bytes an item) and two allocations,
// where a []string would add 16 bytes of header and an allocation for each.
type sstTable struct {
	text string
	ends []uint32
}

func (t *sstTable) get(i int) (string, bool) {
	if i < 0 || i >= len(t.ends) {
		return "", false
	}
	start := uint32(0)
	if i > 0 {
		start = t.ends[i-1]
	}
	return t.text[start:t.ends[i]], true
}

// sharedStrings reads xl/sharedStrings.xml (the fixed path excelize reads,
// whatever the relationships say). No part means an empty table.
func (b *xlsxBook) sharedStrings(lim Limits) (*sstTable, error) {
	fs := b.files[pathSharedStrs]
	switch len(fs) {
	case 0:
		return &sstTable{}, nil
	case 1:
	default:
		return nil, errUnsure
	}
	limit := min(lim.MaxUncompressed, maxSharedStrings)
	if fs[0].UncompressedSize64 > uint64(limit) {
		return nil, errZipBomb()
	}
	rc, err := openPart(fs[0])
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	sc := newXMLScan(rc, limit, errZipBomb)
	sc.marker = []byte(strictMarker)
	t, err := readSST(sc, int64(fs[0].UncompressedSize64))
	if err == nil && sc.markerSeen {
		err = errUnsure
	}
	return t, err
}

// readSST parses the shared string table. excelize decodes it with
// encoding/xml into its xlsxSST type when the part is up to 16 MB, and scans
// it for <si> elements when larger; the two agree on well-formed tables,
// which is what is accepted here: an <sst> root in the main namespace with
// valid counts, <si> children only, nothing after the root.
//
// size, the part's declared size, sizes the table up front together with
// uniqueCount: an item takes at least 16 bytes of markup (<si><t></t></si>).
func readSST(sc *xmlScan, size int64) (*sstTable, error) {
	var (
		tb    strings.Builder
		ends  []uint32
		si    siText
		val   []byte
		root  []byte
		state int // 0 before the root, 1 inside, 2 after
	)
	for {
		if state == 1 {
			if n, v, ok := fastSI(sc.buf[sc.pos:sc.end], val); ok {
				sc.pos += n
				val = v
				tb.Write(val)
				ends = append(ends, uint32(tb.Len()))
				continue
			}
		}
		if err := sc.next(); err != nil {
			return nil, err
		}
		switch sc.kind {
		case tokEOF:
			if state == 1 {
				return nil, errUnsure
			}
			text := tb.String()
			if cap := tb.Cap(); cap-len(text) > len(text)/4 {
				text = strings.Clone(text) // give back the builder's slack
			}
			return &sstTable{text: text, ends: ends}, nil
		case tokText:
			if err := sc.checkText(); err != nil {
				return nil, err
			}
		case tokDecl:
			if state != 0 {
				return nil, errUnsure
			}
			if err := checkDecl(sc.text); err != nil {
				return nil, err
			}
		case tokStart:
			switch state {
			case 0:
				if string(sc.local) != "sst" {
					return nil, errUnsure
				}
				// The root's namespace: the default one, or the one its
				// prefix is bound to on the root itself (<x:sst xmlns:x=…>,
				// as the .NET Open XML SDK writes), which encoding/xml
				// resolves for excelize alike.
				nsAttr := "xmlns"
				if p := len(sc.name) - len(sc.local) - 1; p > 0 {
					nsAttr = "xmlns:" + string(sc.name[:p])
				}
				ns := ""
				for _, a := range sc.attrs {
					v := sc.attrValue(a)
					if string(a.name) == nsAttr {
						ns = string(v)
					}
					if l := string(a.local); (l == "count" || l == "uniqueCount") && !validAttr(attrInt, v) {
						return nil, errUnsure
					}
					if n, ok := smallUint(v); ok && n > 0 && string(a.local) == "uniqueCount" && int64(n) <= size/16 {
						ends = make([]uint32, 0, n)
						tb.Grow(int(size - 16*int64(n)))
					}
				}
				if ns != nsMain {
					return nil, errUnsure
				}
				if sc.selfClose {
					state = 2
				} else {
					root, state = append(root, sc.name...), 1
				}
			case 1:
				if string(sc.local) != "si" {
					return nil, errUnsure
				}
				si.reset()
				if !sc.selfClose {
					var nb [8]byte
					if err := readSI(sc, &si, append(nb[:0], sc.name...)); err != nil {
						return nil, err
					}
				}
				val = si.appendTo(val[:0])
				tb.Write(val)
				ends = append(ends, uint32(tb.Len()))
			default:
				return nil, errUnsure
			}
		case tokEnd:
			if state != 1 || !bytes.Equal(sc.name, root) {
				return nil, errUnsure
			}
			state = 2
		}
	}
}

// fastSI reads the common item <si><t>text</t></si> (the <t> possibly with
// xml:space="preserve") with plain text straight from the buffer; anything
// else, or an item cut by the buffer's end, is left to readSI.
func fastSI(b, dst []byte) (int, []byte, bool) {
	i := skipSpace(b, 0)
	if !bytes.HasPrefix(b[i:], []byte("<si><t")) {
		return 0, dst, false
	}
	i += 6
	switch {
	case i < len(b) && b[i] == '>':
		i++
	case bytes.HasPrefix(b[i:], []byte(` xml:space="preserve">`)):
		i += 22
	default:
		return 0, dst, false
	}
	j := bytes.IndexByte(b[i:], '<')
	if j < 0 || !plainText(b[i:i+j]) || !bytes.HasPrefix(b[i+j:], []byte("</t></si>")) {
		return 0, dst, false
	}
	dst = unescapeOOXML(append(dst[:0], b[i:i+j]...))
	return i + j + 9, dst, true
}

// siText collects a string item as excelize's xlsxSI.String reads it: the
// text of the item's own <t> (the last one, as encoding/xml keeps the last),
// then the <t> of each rich-text run in order, phonetic runs (<rPh>) left
// out, and _xHHHH_ escapes replaced in the result.
type siText struct {
	t, runs, run, skip []byte
}

func (p *siText) reset() {
	p.t, p.runs = p.t[:0], p.runs[:0]
}

func (p *siText) appendTo(dst []byte) []byte {
	start := len(dst)
	dst = append(append(dst, p.t...), p.runs...)
	return append(dst[:start], unescapeOOXML(dst[start:])...)
}

// readSI reads the children of an <si> or <is> element up to its end tag.
func readSI(sc *xmlScan, p *siText, end []byte) error {
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
			if !bytes.Equal(sc.name, end) {
				return errUnsure
			}
			return nil
		case tokStart:
		default:
			return errUnsure
		}
		var err error
		switch string(sc.local) {
		case "t":
			p.t, err = readLeaf(sc, p.t[:0])
		case "r":
			err = readRun(sc, p)
		case "rPh":
			if err = checkAttrs(sc, "sb", attrUint32, "eb", attrUint32); err == nil {
				err = readPhonetic(sc, p)
			}
		case "phoneticPr":
			if err = checkAttrs(sc, "fontId", attrInt, "", 0); err == nil {
				err = skipEmpty(sc)
			}
		default:
			return errUnsure
		}
		if err != nil {
			return err
		}
		if len(p.t)+len(p.runs) > maxCellBytes {
			return errCellTooLong()
		}
	}
}

// readLeaf appends the decoded text of the element whose start tag was just
// read; the element may hold text only.
func readLeaf(sc *xmlScan, dst []byte) ([]byte, error) {
	if sc.selfClose {
		return dst, nil
	}
	var nb [8]byte
	name := append(nb[:0], sc.name...)
	for {
		if err := sc.next(); err != nil {
			return dst, err
		}
		switch sc.kind {
		case tokText:
			var ok bool
			if dst, ok = appendText(dst, sc.text, false); !ok {
				return dst, errUnsure
			}
			if len(dst) > maxCellBytes {
				return dst, errCellTooLong()
			}
		case tokEnd:
			if !bytes.Equal(sc.name, name) {
				return dst, errUnsure
			}
			return dst, nil
		default:
			return dst, errUnsure
		}
	}
}

// skipEmpty checks an element that may hold nothing but text.
func skipEmpty(sc *xmlScan) error {
	if sc.selfClose {
		return nil
	}
	var nb [16]byte
	name := append(nb[:0], sc.name...)
	for {
		if err := sc.next(); err != nil {
			return err
		}
		switch sc.kind {
		case tokText:
			if err := sc.checkText(); err != nil {
				return err
			}
		case tokEnd:
			if !bytes.Equal(sc.name, name) {
				return errUnsure
			}
			return nil
		default:
			return errUnsure
		}
	}
}

// checkAttrs validates up to two typed attributes of the current tag by
// local name, as encoding/xml matches them.
func checkAttrs(sc *xmlScan, n1 string, k1 attrKind, n2 string, k2 attrKind) error {
	for _, a := range sc.attrs {
		l := string(a.local)
		if l == n1 && !validAttr(k1, sc.attrValue(a)) || l == n2 && n2 != "" && !validAttr(k2, sc.attrValue(a)) {
			return errUnsure
		}
	}
	return nil
}

// readRun reads an <r> rich-text run: its run properties are only checked,
// its last <t> is its text.
func readRun(sc *xmlScan, p *siText) error {
	if sc.selfClose {
		return nil
	}
	var nb [8]byte
	name := append(nb[:0], sc.name...)
	p.run = p.run[:0]
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
			p.runs = append(p.runs, p.run...)
			return nil
		case tokStart:
		default:
			return errUnsure
		}
		var err error
		switch string(sc.local) {
		case "t":
			p.run, err = readLeaf(sc, p.run[:0])
		case "rPr":
			err = readRPr(sc)
		default:
			return errUnsure
		}
		if err != nil {
			return err
		}
	}
}

// rPrKinds gives the type of the val attribute of each run property excelize
// decodes (xlsxRPr); <color> has several typed attributes of its own.
var rPrKinds = map[string]attrKind{
	"rFont": attrString, "u": attrString, "vertAlign": attrString, "scheme": attrString,
	"charset": attrInt, "family": attrInt, "sz": attrFloat,
	"b": attrBool, "i": attrBool, "strike": attrBool, "outline": attrBool,
	"shadow": attrBool, "condense": attrBool, "extend": attrBool,
}

func readRPr(sc *xmlScan) error {
	if sc.selfClose {
		return nil
	}
	var nb [8]byte
	name := append(nb[:0], sc.name...)
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
			return nil
		case tokStart:
		default:
			return errUnsure
		}
		l := string(sc.local)
		if l == "color" {
			for _, a := range sc.attrs {
				k := attrString
				switch string(a.local) {
				case "auto":
					k = attrBool
				case "indexed", "theme":
					k = attrInt
				case "tint":
					k = attrFloat
				}
				if !validAttr(k, sc.attrValue(a)) {
					return errUnsure
				}
			}
		} else if k, ok := rPrKinds[l]; !ok {
			return errUnsure
		} else if err := checkAttrs(sc, "val", k, "", 0); err != nil {
			return err
		}
		if err := skipEmpty(sc); err != nil {
			return err
		}
	}
}

// readPhonetic checks an <rPh> phonetic run, whose text excelize leaves out.
func readPhonetic(sc *xmlScan, p *siText) error {
	if sc.selfClose {
		return nil
	}
	var nb [8]byte
	name := append(nb[:0], sc.name...)
	for {
		if err := sc.next(); err != nil {
			return err
		}
		switch sc.kind {
		case tokText:
			if err := sc.checkText(); err != nil {
				return err
			}
		case tokEnd:
			if !bytes.Equal(sc.name, name) {
				return errUnsure
			}
			return nil
		case tokStart:
			if string(sc.local) != "t" {
				return errUnsure
			}
			var err error
			if p.skip, err = readLeaf(sc, p.skip[:0]); err != nil {
				return err
			}
		default:
			return errUnsure
		}
	}
}

// unescapeOOXML replaces the _xHHHH_ escapes Excel writes for characters XML
// cannot hold (_x000D_ for CR) in place, exactly as excelize's bstrUnmarshal
// does: _x005F_ is a literal "_", and an escape that is no valid character
// (a surrogate) disappears.
func unescapeOOXML(b []byte) []byte {
	if !bytes.Contains(b, []byte("_x")) {
		return b
	}
	w := 0
	for i := 0; i < len(b); {
		if b[i] == '_' && i+7 <= len(b) && b[i+1] == 'x' && b[i+6] == '_' {
			if v, ok := hex4(b[i+2 : i+6]); ok {
				if string(b[i:i+7]) == "_x005F_" {
					b[w] = '_'
					w++
				} else if utf8.ValidRune(v) {
					w += utf8.EncodeRune(b[w:], v)
				}
				i += 7
				continue
			}
		}
		b[w] = b[i]
		w++
		i++
	}
	return b[:w]
}

func hex4(b []byte) (rune, bool) {
	var v rune
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// prefetchAbove is the part size from which a part is inflated in a
// goroutine of its own, so that inflating and parsing run on two cores.
const prefetchAbove = 1 << 20

// openPart opens a zip part for streaming.
func openPart(f *zip.File) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, errDamaged()
	}
	if f.UncompressedSize64 <= prefetchAbove {
		return rc, nil
	}
	return newPrefetch(rc), nil
}

// prefetch reads ahead from rc in its own goroutine, in three buffers that
// go round between it and the reader.
type prefetch struct {
	rc        io.ReadCloser
	full      chan []byte
	free      chan []byte
	stop      chan struct{}
	done      chan struct{}
	cur, held []byte
	err       error // set before full is closed
}

func newPrefetch(rc io.ReadCloser) *prefetch {
	const n = 3
	p := &prefetch{rc: rc, full: make(chan []byte, n), free: make(chan []byte, n),
		stop: make(chan struct{}), done: make(chan struct{})}
	for range n {
		p.free <- make([]byte, 256<<10)
	}
	go p.run()
	return p
}

func (p *prefetch) run() {
	defer close(p.done)
	defer close(p.full)
	for {
		var buf []byte
		select {
		case buf = <-p.free:
		case <-p.stop:
			return
		}
		n, err := io.ReadFull(p.rc, buf)
		if n > 0 {
			select {
			case p.full <- buf[:n]:
			case <-p.stop:
				return
			}
		}
		if err != nil {
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			p.err = err
			return
		}
	}
}

func (p *prefetch) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.held != nil {
			p.free <- p.held[:cap(p.held)]
			p.held = nil
		}
		buf, ok := <-p.full
		if !ok {
			return 0, p.err
		}
		p.cur, p.held = buf, buf
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// Close stops the goroutine before closing the part, which it may be reading.
func (p *prefetch) Close() error {
	close(p.stop)
	<-p.done
	return p.rc.Close()
}

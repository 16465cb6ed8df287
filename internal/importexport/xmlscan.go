package importexport

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The fast xlsx reader tokenises worksheet and shared-string XML itself
// instead of going through encoding/xml, which allocates for every token and
// attribute. It must accept exactly what excelize (and so encoding/xml in
// strict mode) would read, and read it the same way, so it follows
// encoding/xml's lexical rules for the subset that spreadsheet writers
// produce. Anything outside that subset — comments, CDATA, DOCTYPE, processing
// instructions other than the XML declaration, non-ASCII element names,
// syntax errors — is reported as errUnsure, and the caller hands the sheet to
// excelize, whose answer is then the answer.

// errUnsure means "this input is outside what the fast reader is sure to read
// exactly as excelize does". It never reaches a user.
var errUnsure = errors.New("importexport: fast xlsx reader unsure")

const (
	scanChunk = 64 << 10
	// maxToken bounds one tag or text node in raw bytes, and so the scanner's
	// buffer. Excel's cell limit is 32,767 characters, at most 10 raw bytes
	// each even as character references (&#x10FFFF;), so any text node
	// longer than this is no cell Excel can hold.
	maxToken = 1 << 20
	// maxDepth bounds element nesting; real worksheets nest fewer than ten
	// levels, and the stack of open names is the only thing that grows with it.
	maxDepth = 64
)

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokStart
	tokEnd
	tokText
	tokDecl // the <?xml ...?> declaration
)

// xattr is one attribute of the current start tag; slices point into the
// scanner's buffer and are valid until the next call to next.
type xattr struct {
	name  []byte // qualified name as written
	local []byte
	raw   []byte // value as written, entities not yet replaced
	plain bool   // raw needs no decoding
}

// xmlScan pulls tokens from one zip part, reading it in chunks.
type xmlScan struct {
	src      io.Reader
	buf      []byte
	pos, end int
	eof      bool
	n        int64 // bytes read from src
	limit    int64
	limitErr func() error
	err      error // sticky read or limit error

	// marker, when set, is looked for in everything read: excelize rewrites
	// the Strict namespace URLs in shared strings as bytes, text included.
	marker     []byte
	markerSeen bool

	kind      tokKind
	name      []byte // raw qualified name (start and end tags)
	local     []byte
	selfClose bool
	attrs     []xattr
	text      []byte // raw text, or the declaration's content
	offs      []int  // scratch: attribute offsets while a tag is parsed
	tmp       []byte // scratch for decoded attribute values
}

func newXMLScan(src io.Reader, limit int64, limitErr func() error) *xmlScan {
	return &xmlScan{src: src, buf: make([]byte, scanChunk), limit: limit, limitErr: limitErr}
}

// more reads more input, keeping buf[pos:end]. It reports false at the end of
// input or on error (then s.err is set).
func (s *xmlScan) more() bool {
	if s.err != nil || s.eof {
		return false
	}
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxToken+scanChunk {
			s.err = errCellTooLong()
			return false
		}
		nb := make([]byte, min(2*len(s.buf), maxToken+scanChunk))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		from := s.end
		n, err := s.src.Read(s.buf[s.end:])
		s.end += n
		s.n += int64(n)
		if s.n > s.limit {
			s.err = s.limitErr()
			return false
		}
		if s.marker != nil && n > 0 && !s.markerSeen {
			if bytes.Contains(s.buf[max(s.pos, from-len(s.marker)+1):s.end], s.marker) {
				s.markerSeen = true
			}
		}
		if err == io.EOF {
			s.eof = true
			return n > 0
		}
		if err != nil {
			s.err = errDamaged()
			return false
		}
		if n > 0 {
			return true
		}
	}
}

// view returns buf[pos:end] holding more than i bytes, reading as needed.
func (s *xmlScan) view(i int) ([]byte, bool) {
	for s.end-s.pos <= i {
		if !s.more() {
			return nil, false
		}
	}
	return s.buf[s.pos:s.end], true
}

// fail turns running out of input into the right error: a read or limit
// error if there was one, otherwise errUnsure (the XML ended early).
func (s *xmlScan) fail() error {
	if s.err != nil {
		return s.err
	}
	return errUnsure
}

// next reads the next token.
func (s *xmlScan) next() error {
	if s.pos >= s.end && !s.more() {
		if s.err != nil {
			return s.err
		}
		s.kind = tokEOF
		return nil
	}
	if s.buf[s.pos] != '<' {
		return s.scanText()
	}
	b, ok := s.view(1)
	if !ok {
		return s.fail()
	}
	switch b[1] {
	case '/':
		return s.scanEnd()
	case '?':
		return s.scanDecl()
	case '!':
		return errUnsure // comment, CDATA or DOCTYPE
	}
	return s.scanStart()
}

// scanText reads character data up to the next '<' or the end of input.
func (s *xmlScan) scanText() error {
	from := 0
	for {
		b := s.buf[s.pos:s.end]
		if i := bytes.IndexByte(b[from:], '<'); i >= 0 {
			s.kind, s.text = tokText, b[:from+i]
			s.pos += from + i
			return nil
		}
		from = len(b)
		if !s.more() {
			if s.err != nil {
				return s.err
			}
			s.kind, s.text = tokText, s.buf[s.pos:s.end]
			s.pos = s.end
			return nil
		}
	}
}

func isNameByte(c byte) bool { return nameClass[c] == 1 }

// nameClass: 1 = ASCII name byte, 2 = non-ASCII (names are left to excelize),
// 0 = ends a name.
var nameClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_', c == ':', c == '.', c == '-':
			t[c] = 1
		case c >= utf8.RuneSelf:
			t[c] = 2
		}
	}
	return t
}()

// errNeedMore is returned by the tag parsers when the tag runs past the
// buffered input: they are retried from the tag's start after reading more.
var errNeedMore = errors.New("need more input")

// name reads an XML name at b[i:] and returns its end and its local part's
// start, split as encoding/xml's nsname splits "prefix:local".
func name(b []byte, i int) (end, local int, err error) {
	start := i
	colon, colons := -1, 0
scan:
	for ; i < len(b); i++ {
		switch nameClass[b[i]] {
		case 0:
			break scan
		case 2:
			return 0, 0, errUnsure // valid XML, never written by spreadsheet software
		}
		if b[i] == ':' {
			if colon < 0 {
				colon = i
			}
			colons++
		}
	}
	if i == len(b) {
		return 0, 0, errNeedMore
	}
	if i == start {
		return 0, 0, errUnsure
	}
	if c := b[start]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == ':') {
		return 0, 0, errUnsure
	}
	switch {
	case colons > 1:
		return 0, 0, errUnsure // encoding/xml rejects a second colon
	case colons == 1 && colon != start && colon != i-1:
		return i, colon + 1, nil
	}
	return i, start, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
			continue
		}
		break
	}
	return i
}

// retry runs a tag parser on the buffered input, reading more while the tag
// is incomplete.
func (s *xmlScan) retry(parse func(b []byte) (int, error)) error {
	for {
		n, err := parse(s.buf[s.pos:s.end])
		if err != errNeedMore {
			s.pos += n
			return err
		}
		if !s.more() {
			return s.fail()
		}
	}
}

func (s *xmlScan) scanStart() error {
	for {
		n, err := s.parseStart(s.buf[s.pos:s.end])
		if err != errNeedMore {
			s.pos += n
			return err
		}
		if !s.more() {
			return s.fail()
		}
	}
}

func (s *xmlScan) parseStart(b []byte) (int, error) {
	ne, nl, err := name(b, 1)
	if err != nil {
		return 0, err
	}
	i := ne
	offs := s.offs[:0]
	self := false
	for {
		if i = skipSpace(b, i); i >= len(b) {
			return 0, errNeedMore
		}
		c := b[i]
		if c == '>' {
			i++
			break
		}
		if c == '/' {
			if i+1 >= len(b) {
				return 0, errNeedMore
			}
			if b[i+1] != '>' {
				return 0, errUnsure
			}
			self = true
			i += 2
			break
		}
		an := i
		ae, al, err := name(b, i)
		if err != nil {
			return 0, err
		}
		if i = skipSpace(b, ae); i >= len(b) {
			return 0, errNeedMore
		}
		if b[i] != '=' {
			return 0, errUnsure // strict mode wants a value
		}
		if i = skipSpace(b, i+1); i >= len(b) {
			return 0, errNeedMore
		}
		q := b[i]
		if q != '"' && q != '\'' {
			return 0, errUnsure
		}
		i++
		j := bytes.IndexByte(b[i:], q)
		if j < 0 {
			return 0, errNeedMore
		}
		offs = append(offs, an, ae, al, i, i+j)
		i += j + 1
	}
	s.offs = offs
	s.kind, s.selfClose = tokStart, self
	s.name, s.local = b[1:ne], b[nl:ne]
	s.attrs = s.attrs[:0]
	for k := 0; k < len(offs); k += 5 {
		a := xattr{name: b[offs[k]:offs[k+1]], local: b[offs[k+2]:offs[k+1]], raw: b[offs[k+3]:offs[k+4]]}
		// encoding/xml checks every attribute value, used or not.
		if a.plain = plainText(a.raw); !a.plain {
			if _, ok := appendText(s.tmp[:0], a.raw, true); !ok {
				return 0, errUnsure
			}
		}
		s.attrs = append(s.attrs, a)
	}
	return i, nil
}

func (s *xmlScan) scanEnd() error {
	for {
		n, err := s.parseEnd(s.buf[s.pos:s.end])
		if err != errNeedMore {
			s.pos += n
			return err
		}
		if !s.more() {
			return s.fail()
		}
	}
}

func (s *xmlScan) parseEnd(b []byte) (int, error) {
	ne, nl, err := name(b, 2)
	if err != nil {
		return 0, err
	}
	i := skipSpace(b, ne)
	if i >= len(b) {
		return 0, errNeedMore
	}
	if b[i] != '>' {
		return 0, errUnsure
	}
	s.kind, s.name, s.local = tokEnd, b[2:ne], b[nl:ne]
	return i + 1, nil
}

// scanDecl reads a processing instruction; only the XML declaration is
// accepted (its content is checked by the caller).
func (s *xmlScan) scanDecl() error {
	return s.retry(func(b []byte) (int, error) {
		ne, _, err := name(b, 2)
		if err != nil {
			return 0, err
		}
		if string(b[2:ne]) != "xml" {
			return 0, errUnsure
		}
		i := skipSpace(b, ne)
		j := bytes.Index(b[i:], []byte("?>"))
		if j < 0 {
			return 0, errNeedMore
		}
		s.kind, s.text = tokDecl, b[i:i+j]
		return i + j + 2, nil
	})
}

// checkDecl applies encoding/xml's rules to the XML declaration: version 1.0
// only, and any encoding but UTF-8 would be transcoded through excelize's
// charset reader, which the fast reader does not do.
func checkDecl(content []byte) error {
	c := string(content)
	if v := procInst("version", c); v != "" && v != "1.0" {
		return errUnsure
	}
	if e := procInst("encoding", c); e != "" && !strings.EqualFold(e, "utf-8") {
		return errUnsure
	}
	return nil
}

// procInst is encoding/xml's own reading of a pseudo-attribute.
func procInst(param, s string) string {
	param += "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

// attrValue returns the decoded value of a (valid until the next call).
func (s *xmlScan) attrValue(a xattr) []byte {
	if a.plain {
		return a.raw
	}
	s.tmp, _ = appendText(s.tmp[:0], a.raw, true) // checked in scanStart
	return s.tmp
}

// textClass: 0 = plain ASCII, 1 = start of a multi-byte sequence or
// continuation byte, 2 = needs the full decoder ('&', '<', ']', CR, and
// control characters that XML forbids).
var textClass = func() (t [256]uint8) {
	for c := 0; c < 0x20; c++ {
		t[c] = 2
	}
	t['\t'], t['\n'] = 0, 0
	t['&'], t['<'], t[']'] = 2, 2, 2
	for c := 0x80; c < 0x100; c++ {
		t[c] = 1
	}
	return t
}()

// plainText reports whether raw text means itself: no references, no line
// ends to normalise, valid UTF-8 of XML characters only.
func plainText(b []byte) bool {
	hi := uint8(0)
	for _, c := range b {
		f := textClass[c]
		if f == 2 {
			return false
		}
		hi |= f
	}
	if hi == 0 {
		return true
	}
	// U+FFFE and U+FFFF are valid UTF-8 but not XML characters.
	return utf8.Valid(b) && !bytes.Contains(b, []byte("\xEF\xBF\xBE")) && !bytes.Contains(b, []byte("\xEF\xBF\xBF"))
}

// appendText decodes raw XML text (attr: an attribute value) onto dst the
// way encoding/xml's Decoder.text does in strict mode: the five predefined
// entities and numeric character references are replaced, CR and CRLF
// become LF, and the result must be valid UTF-8 made of XML characters.
// ok is false wherever encoding/xml reports a syntax error.
func appendText(dst, raw []byte, attr bool) ([]byte, bool) {
	if plainText(raw) {
		return append(dst, raw...), true
	}
	start := len(dst)
	var b0, b1 byte
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !attr && b0 == ']' && b1 == ']' && c == '>' {
			return dst, false
		}
		if c == '<' {
			return dst, false
		}
		if c == '&' {
			j, r, ok := charRef(raw, i+1)
			if !ok {
				return dst, false
			}
			dst = utf8.AppendRune(dst, r)
			i = j
			b0, b1 = 0, 0
			continue
		}
		switch {
		case c == '\r':
			dst = append(dst, '\n')
		case b1 == '\r' && c == '\n':
		default:
			dst = append(dst, c)
		}
		b0, b1 = b1, c
	}
	for b := dst[start:]; len(b) > 0; {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 || !inCharRange(r) {
			return dst, false
		}
		b = b[n:]
	}
	return dst, true
}

// charRef reads a reference after '&' at raw[i:] and returns the index of
// its ';' and the character.
func charRef(raw []byte, i int) (int, rune, bool) {
	if i < len(raw) && raw[i] == '#' {
		i++
		base := uint64(10)
		if i < len(raw) && raw[i] == 'x' {
			base = 16
			i++
		}
		start := i
		n := uint64(0)
		for ; i < len(raw); i++ {
			c := raw[i]
			var d uint64
			switch {
			case '0' <= c && c <= '9':
				d = uint64(c - '0')
			case base == 16 && 'a' <= c && c <= 'f':
				d = uint64(c-'a') + 10
			case base == 16 && 'A' <= c && c <= 'F':
				d = uint64(c-'A') + 10
			default:
				goto done
			}
			if n <= utf8.MaxRune {
				n = n*base + d
			}
		}
	done:
		if i == start || i >= len(raw) || raw[i] != ';' || n > utf8.MaxRune {
			return 0, 0, false
		}
		return i, rune(n), true
	}
	for _, e := range [...]struct {
		name string
		r    rune
	}{{"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"apos;", '\''}, {"quot;", '"'}} {
		if bytes.HasPrefix(raw[i:], []byte(e.name)) {
			return i + len(e.name) - 1, e.r, true
		}
	}
	return 0, 0, false
}

func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// checkText validates character data that is read but not used: encoding/xml
// stops at invalid text wherever it is.
func (s *xmlScan) checkText() error {
	if plainText(s.text) {
		return nil
	}
	var ok bool
	if s.tmp, ok = appendText(s.tmp[:0], s.text, false); !ok {
		return errUnsure
	}
	return nil
}

// Typed attributes: encoding/xml fails the whole decode when one of them
// does not parse, so they are checked with the same strconv calls.
type attrKind uint8

const (
	attrString attrKind = iota
	attrInt
	attrUint32
	attrBool
	attrFloat
)

func validAttr(k attrKind, v []byte) bool {
	if k == attrString || len(v) == 0 {
		return true
	}
	t := string(bytes.TrimSpace(v))
	var err error
	switch k {
	case attrInt:
		_, err = strconv.ParseInt(t, 10, 64)
	case attrUint32:
		_, err = strconv.ParseUint(t, 10, 32)
	case attrBool:
		_, err = strconv.ParseBool(t)
	case attrFloat:
		_, err = strconv.ParseFloat(t, 64)
	}
	return err == nil
}

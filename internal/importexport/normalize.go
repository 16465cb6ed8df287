package importexport

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// NormalizeCell cleans a cell as typed into a ledger: full-width ASCII
// (！–～) and the ideographic space become half-width, invisible characters
// (zero-width spaces and joiners, direction marks, word joiner, BOM, soft
// hyphen) and control characters are removed, whitespace (including line
// breaks inside a cell) collapses to single spaces, and the ends are trimmed.
// Invalid UTF-8 bytes become U+FFFD so that the result is always valid text.
// NormalizeCell is idempotent.
func NormalizeCell(s string) string {
	if isPlainASCII(s) || isNormal(s) {
		return s
	}
	return normalize(s)
}

func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is pending; written only before the next visible rune
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if invisible(r) || unicode.IsControl(r) {
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isPlainASCII reports whether s needs no work: printable ASCII with single
// inner spaces and none at the ends. Most cells are like this, and returning
// them as they are saves an allocation per cell on large imports.
func isPlainASCII(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7F {
			return false
		}
		if c == ' ' && s[i-1] == ' ' {
			return false
		}
	}
	return true
}

// isNormal reports whether NormalizeCell would return s unchanged: valid
// UTF-8 without full-width ASCII, spaces other than single inner ' ',
// invisible or control characters. Most Chinese cells are like this.
func isNormal(s string) bool {
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i, r := range s {
		if r < utf8.RuneSelf {
			if r < 0x20 || r == 0x7F || r == ' ' && prevSpace {
				return false
			}
			prevSpace = r == ' '
			continue
		}
		prevSpace = false
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return false // invalid UTF-8 becomes U+FFFD
			}
		case r >= 0xFF01 && r <= 0xFF5E, r == 0x3000, unicode.IsSpace(r), invisible(r), unicode.IsControl(r):
			return false
		}
	}
	return true
}

// invisible lists the format characters that sneak into cells pasted from web
// pages and chat apps; they would otherwise make equal values compare unequal.
func invisible(r rune) bool {
	switch {
	case r >= 0x200B && r <= 0x200F, r == 0x2060, r == 0xFEFF, r == 0x00AD:
		return true
	}
	return false
}

// Plausible year range for dates written as text: wide enough for any living
// person's birth date and any planned date, narrow enough to catch typos
// such as 0198 or 19800.
const (
	minYear = 1800
	maxYear = 2200
)

// Excel serial numbers accepted as dates: 1 is 1900-01-01 and 80000 is in 2119;
// anything else in a date column is more likely a typo than a date.
const (
	minSerial = 1
	maxSerial = 80000
)

// ParseDate reads a date as community workers write it and returns it as
// YYYY-MM-DD. It accepts 1980-01-02, 1980-1-2, 1980.1.2, 1980/01/02,
// 1980年1月2日, 19800102, any of those followed by a time of day
// ("1980-1-2 00:00:00", "1980-01-02T08:00:00Z"), and Excel serial numbers with
// an optional fractional part ("29222" and "29222.5" are 1980-01-02) in the
// range 1–80000, except those that read as a bare year or year.month. Impossible
// calendar dates (1980-02-30) and years outside 1800–2200 are rejected.
// Serial numbers are of the 1900 date system; Row.ParseDate reads them as
// the row's workbook counts them.
func ParseDate(s string) (iso string, ok bool) { return parseDate(s, false) }

func parseDate(s string, date1904 bool) (iso string, ok bool) {
	s = NormalizeCell(s)
	if s == "" {
		return "", false
	}
	if d, ok := parseSerial(s, date1904); ok {
		return d, true
	}
	var parts []string
	if strings.Contains(s, "年") {
		// 1980年1月2日, with or without spaces, 日 or 号, and a time after it.
		s = strings.ReplaceAll(s, " ", "")
		y, rest, ok1 := strings.Cut(s, "年")
		m, rest, ok2 := strings.Cut(rest, "月")
		if !ok1 || !ok2 {
			return "", false
		}
		d, tail := rest, ""
		if i := strings.IndexAny(rest, "日号"); i >= 0 {
			d, tail = rest[:i], rest[i+len("日"):] // 日 and 号 have the same length
		}
		if tail != "" && !validTime(tail) {
			return "", false
		}
		parts = []string{y, m, d}
	} else {
		// Drop a time of day: it follows a space or an ISO "T".
		if i := strings.IndexAny(s, " T"); i > 0 {
			if !validTime(s[i+1:]) {
				return "", false
			}
			s = s[:i]
		}
		if len(s) == 8 && allDigits(s) {
			return civil(s[0:4], s[4:6], s[6:8])
		}
		sep := ""
		for _, c := range []string{"-", ".", "/"} {
			if strings.Contains(s, c) {
				sep = c
				break
			}
		}
		if sep == "" {
			return "", false
		}
		parts = strings.Split(s, sep)
	}
	if len(parts) != 3 || len(parts[0]) != 4 || len(parts[1]) > 2 || len(parts[2]) > 2 {
		return "", false
	}
	return civil(parts[0], parts[1], parts[2])
}

// parseSerial reads an Excel serial date number of the 1900 date system, or
// of the 1904 one (Excel for Mac's, 1,462 days later: 0 is 1904-01-01).
func parseSerial(s string, date1904 bool) (string, bool) {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if intPart == "" || len(intPart) > 5 || !allDigits(intPart) || (hasFrac && (frac == "" || !allDigits(frac))) {
		return "", false
	}
	n, _ := strconv.Atoi(intPart)
	if n < minSerial || n > maxSerial {
		return "", false
	}
	// A bare year ("1980") or year and month ("1980.12") is far more likely in
	// a ledger than a date in 1904–1906, so such values are not dates.
	if len(intPart) == 4 && n >= minYear && n <= maxYear && (!hasFrac || len(frac) <= 2) {
		return "", false
	}
	// Excel counts 1900-02-29 (serial 60), which never existed, because Lotus
	// 1-2-3 did. Serials before it count from 1899-12-31, later ones from
	// 1899-12-30, and 60 itself is no date at all.
	var base time.Time
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case n == 60:
		return "", false
	case n < 60:
		base = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	default:
		base = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	return base.AddDate(0, 0, n).Format(time.DateOnly), true
}

// validTime accepts the time-of-day tails seen after dates: "00:00:00",
// "8:30", "00:00:00.000", ISO "08:00:00Z" and "08:00:00+08:00".
func validTime(t string) bool {
	t = strings.TrimSuffix(t, "Z")
	if i := strings.LastIndexAny(t, "+-"); i > 0 {
		t = t[:i]
	}
	t, _, _ = strings.Cut(t, ".")
	f := strings.Split(t, ":")
	if len(f) < 2 || len(f) > 3 {
		return false
	}
	limits := []int{23, 59, 59}
	for i, p := range f {
		if p == "" || len(p) > 2 || !allDigits(p) {
			return false
		}
		if n, _ := strconv.Atoi(p); n > limits[i] {
			return false
		}
	}
	return true
}

// civil checks a year, month and day given as digits and formats them.
func civil(ys, ms, ds string) (string, bool) {
	if ys == "" || ms == "" || ds == "" || !allDigits(ys) || !allDigits(ms) || !allDigits(ds) {
		return "", false
	}
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	if y < minYear || y > maxYear || m < 1 || m > 12 || d < 1 || d > 31 {
		return "", false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // time.Date normalises 02-30 to 03-01
		return "", false
	}
	return t.Format(time.DateOnly), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ParseSex reads the sex column: 男, 男性, M, male or 1 give "M"; 女, 女性, F,
// female or 2 give "F" (1 and 2 are the GB/T 2261.1 codes). Case and
// full-width forms do not matter.
func ParseSex(s string) (code string, ok bool) {
	switch strings.ToLower(NormalizeCell(s)) {
	case "男", "男性", "m", "male", "1":
		return "M", true
	case "女", "女性", "f", "female", "2":
		return "F", true
	}
	return "", false
}

// ScientificNumber reports whether s looks like a long number that Excel
// stored as a number and shows in scientific notation, such as 1.10105E+17
// for an ID number typed without a leading apostrophe. Excel keeps only 15
// significant digits, so the rest of the number is lost and the row must be
// re-entered; callers report it instead of storing a wrong ID.
func ScientificNumber(s string) bool {
	s = NormalizeCell(s)
	mant, exp, ok := strings.Cut(strings.ToUpper(s), "E")
	if !ok {
		return false
	}
	exp = strings.TrimPrefix(exp, "+")
	if !allDigits(exp) || len(exp) > 3 {
		return false
	}
	intPart, frac, hasFrac := strings.Cut(mant, ".")
	if !allDigits(intPart) || (hasFrac && !allDigits(frac)) {
		return false
	}
	// Only a positive exponent hides digits; 1.5E-3 is a small number, and
	// 1E+2 is too short to be an identifier of any kind.
	n, _ := strconv.Atoi(exp)
	return n >= 5
}

// Package identity validates the identity documents and phone numbers of
// residents and bundles the GB/T 2260 administrative-division table.
//
// The citizen identity number (公民身份号码, GB 11643-1999) is 6 digits of region
// (GB/T 2260), 8 of birth date, 3 of sequence (odd for men, even for women) and
// an ISO 7064 MOD 11-2 check character. Numbers issued before 1999 had 15 digits
// (2-digit year, no check character); ParseID upgrades them.
//
// Every error a user can see is an *i18n.Error with code "validation" and a key
// under "identity." (or a shared "err." key). Messages never contain a whole
// identity number: they end up in logs and import reports.
package identity

import (
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"linli/internal/i18n"
)

// ID is a parsed, valid citizen identity number (or the 18-digit number of a
// Hong Kong, Macao and Taiwan residence permit, which has the same structure).
type ID struct {
	Number     string // 18 characters, check character X in upper case
	BirthDate  string // "YYYY-MM-DD"
	Sex        string // "M" (odd 17th digit) or "F" (even)
	RegionCode string // the first 6 digits
	// RegionName is the full name of the region code, e.g. "北京市西城区"; for a
	// retired code, the name it had.
	RegionName    string
	RegionRetired bool
	Upgraded      bool // the input was a 15-digit number
}

// Sex values.
const (
	Male   = "M"
	Female = "F"
)

var _ = i18n.Family("identity.sex.", Male, Female)

// Age returns the completed years of age (周岁) on the calendar date of on, in
// on's location: the count goes up on the birthday itself, and for someone born
// on 29 February on 1 March of common years. Before the birth date it is 0.
func (id *ID) Age(on time.Time) int {
	by, bm, bd, ok := splitDate(id.BirthDate)
	if !ok {
		return 0
	}
	y, m, d := on.Date()
	age := y - by
	if int(m) < bm || (int(m) == bm && d < bd) {
		age--
	}
	if age < 0 {
		return 0
	}
	return age
}

// splitDate reads "YYYY-MM-DD" without allocating.
func splitDate(s string) (y, m, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	if !allDigits(s[:4]) || !allDigits(s[5:7]) || !allDigits(s[8:]) {
		return 0, 0, 0, false
	}
	return atoi(s[:4]), atoi(s[5:7]), atoi(s[8:]), true
}

// atoi reads a short run of ASCII digits already checked by the caller.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// ISO 7064 MOD 11-2 as specified by GB 11643: weights are 2^(18-i) mod 11 for
// positions 1..17, and the remainder of the weighted sum picks the character.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// CheckChar returns the MOD 11-2 check character for 17 ASCII digits; ok is
// false if body is not 17 digits.
func CheckChar(body string) (c byte, ok bool) {
	if len(body) != 17 || !allDigits(body) {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11], true
}

// MinBirthDate is the earliest birth date accepted. Numbers of people born in
// the 1880s are in real registers (the issue that asked for this package lists
// 440524188001010014), so the bound is generous rather than 1900.
const MinBirthDate = "1800-01-01"

const minBirth = 18000101

// china is the time zone in which "today" is judged: a child born this morning
// in Beijing must not be "in the future" on a server kept in UTC.
var china = time.FixedZone("CST", 8*3600)

// now is replaced in tests, which then call resetToday.
var now = time.Now

// todayCache holds a recent "today" as YYYYMMDD. Time only moves forward, so a
// birth date not after a day that has already come is not in the future, and
// the usual parse needs no clock reading; only a date after the cached day
// (a birth today, or a wrong number) reads the clock again.
var todayCache atomic.Int64

func notAfterToday(v int) bool {
	if int64(v) <= todayCache.Load() {
		return true
	}
	y, m, d := now().In(china).Date()
	t := y*10000 + int(m)*100 + d
	todayCache.Store(int64(t))
	return v <= t
}

// resetToday forgets the cached day, for tests that change now.
func resetToday() { todayCache.Store(0) }

// docKind says which number ParseID-like functions are reading; it selects the
// region rule and the wording of messages.
type docKind int

const (
	citizen docKind = iota
	hmtPermit
)

func (k docKind) noun() i18n.Msg {
	if k == hmtPermit {
		return i18n.M("identity.noun.hmt_residence")
	}
	return i18n.M("identity.noun.id_card")
}

// ParseID validates a citizen identity number and returns what it encodes.
// It accepts 18-digit numbers (final x in either case) and 15-digit numbers,
// which it upgrades to 18 digits. Surrounding white space is ignored and
// full-width digits and Ｘ are read as their ASCII forms. Numbers starting
// 810000, 820000 or 830000 belong to residence permits and are refused with a
// message saying so; ValidateDocument accepts them as KindHMTResidence.
func ParseID(s string) (*ID, error) {
	return parseID(s, citizen)
}

// ParseHMTResidence validates the 18-digit number of a residence permit for
// residents of Hong Kong (810000), Macao (820000) or Taiwan (830000): the same
// structure and check character as a citizen number.
func ParseHMTResidence(s string) (*ID, error) {
	return parseID(s, hmtPermit)
}

func parseID(s string, kind docKind) (*ID, error) {
	n, bad := normalizeID(s)
	if n == "" && bad == 0 {
		return nil, i18n.NewError("validation", "err.required", "field", kind.noun())
	}
	if bad != 0 {
		if looksScientific(s) {
			return nil, i18n.NewError("validation", "identity.id_excel", "doc", kind.noun())
		}
		return nil, i18n.NewError("validation", "identity.id_chars", "doc", kind.noun(), "bad", BadChars(s, idNumberChar))
	}
	switch {
	case kind == hmtPermit && len(n) != 18:
		return nil, i18n.NewError("validation", "identity.hmt_length", "n", len(n))
	case len(n) != 18 && len(n) != 15:
		return nil, i18n.NewError("validation", "identity.id_length", "n", len(n))
	}
	if x := strings.IndexByte(n, 'X'); x >= 0 && x != 17 {
		return nil, i18n.NewError("validation", "identity.id_x_position", "doc", kind.noun())
	}

	code := n[:6]
	var region *RegionInfo
	if kind == hmtPermit {
		if !isHMTPrefix(code) {
			return nil, i18n.NewError("validation", "identity.hmt_region", "code", code)
		}
		region = hmtRegion(code)
	} else {
		if isHMTPrefix(code) {
			return nil, i18n.NewError("validation", "identity.id_is_hmt", "code", code)
		}
		region = lookupRegion(code)
		if region == nil {
			return nil, i18n.NewError("validation", "identity.id_region", "code", code)
		}
	}

	var date string
	if len(n) == 15 {
		date = "19" + n[6:12]
	} else {
		date = n[6:14]
	}
	if err := checkBirth(date, kind); err != nil {
		return nil, err
	}

	id := &ID{RegionCode: code, RegionName: region.Path, RegionRetired: region.Retired}
	if len(n) == 15 {
		body := code + date + n[12:15]
		c, _ := CheckChar(body)
		id.Number = body + string(c)
		id.Upgraded = true
	} else {
		c, _ := CheckChar(n[:17])
		if n[17] != c {
			return nil, i18n.NewError("validation", "identity.id_check", "doc", kind.noun(), "want", string(c))
		}
		id.Number = n
	}
	id.BirthDate = id.Number[6:10] + "-" + id.Number[10:12] + "-" + id.Number[12:14]
	if (id.Number[16]-'0')%2 == 1 {
		id.Sex = Male
	} else {
		id.Sex = Female
	}
	return id, nil
}

func isHMTPrefix(code string) bool {
	return code == "810000" || code == "820000" || code == "830000"
}

// hmtRegion names the three residence-permit prefixes. 830000 is not a GB/T
// 2260 code; it takes the name of 710000 (台湾省).
func hmtRegion(code string) *RegionInfo {
	if code == "830000" {
		code = "710000"
	}
	if r := lookupRegion(code); r != nil {
		return r
	}
	// The table always has these three; this keeps a damaged table from
	// turning into a nil dereference.
	return &RegionInfo{Code: code}
}

// checkBirth validates an 8-digit YYYYMMDD birth date.
func checkBirth(date string, kind docKind) error {
	y, m, d := atoi(date[:4]), atoi(date[4:6]), atoi(date[6:])
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return i18n.NewError("validation", "identity.id_date_invalid", "doc", kind.noun(), "date", date)
	}
	v := y*10000 + m*100 + d
	if v < minBirth {
		return i18n.NewError("validation", "identity.id_date_early", "doc", kind.noun(), "date", date)
	}
	if !notAfterToday(v) {
		return i18n.NewError("validation", "identity.id_date_future", "doc", kind.noun(), "date", date)
	}
	return nil
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// normalizeID returns s with surrounding space removed, the spaces and hyphens
// that people type between groups of digits ("310104 19430602 0146",
// "310104-1943…") dropped (see isNumberSeparator), full-width digits and X
// mapped to ASCII and a final x upper-cased. If s holds any other character,
// bad is the first one. The common case, an ASCII number typed cleanly, returns
// s itself without allocating.
func normalizeID(s string) (n string, bad rune) {
	clean := len(s) > 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != 'X' {
			clean = false
			break
		}
	}
	if clean {
		return s, 0
	}
	s = strings.TrimFunc(s, isSpaceOrInvisible)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteByte(byte('0' + r - '０'))
		case r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ':
			b.WriteByte('X')
		case isNumberSeparator(r):
		default:
			return "", r
		}
	}
	return b.String(), 0
}

// idNumberChar is what an ID number may hold besides digits: X and separators.
func idNumberChar(r rune) bool { return r == 'X' || r == 'x' || isNumberSeparator(r) }

// isSpaceOrInvisible also trims the zero-width characters that copying from
// web pages and spreadsheets leaves around numbers.
func isSpaceOrInvisible(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u2060'
}

// IsNumberSeparator reports whether r is a space or hyphen that ParseID,
// ParseMobile and ParseLandline drop between groups of digits.
func IsNumberSeparator(r rune) bool { return isNumberSeparator(r) }

// isNumberSeparator reports whether r is a space or hyphen that may stand
// between groups of digits in an identity or phone number: ASCII, full-width
// (U+3000), non-breaking and other Unicode spaces, the invisible characters
// of isSpaceOrInvisible, and the hyphens and dashes of ASCII, Unicode
// (U+2010–U+2015, U+2212) and full-width forms (U+FE63, U+FF0D). They carry no
// digit, so dropping them cannot change the number.
func isNumberSeparator(r rune) bool {
	switch {
	case r == '-', r >= '\u2010' && r <= '\u2015', r == '\u2212', r == '\ufe63', r == '\uff0d':
		return true
	}
	return isSpaceOrInvisible(r)
}

// looksScientific recognises a number that a spreadsheet turned into
// scientific notation ("1.10105E+17"): its last digits are gone for good, which
// deserves its own message.
func looksScientific(s string) bool {
	s = strings.TrimSpace(strings.ToUpper(s))
	mant, exp, ok := strings.Cut(s, "E")
	if !ok || mant == "" || exp == "" {
		return false
	}
	exp = strings.TrimPrefix(exp, "+")
	whole, frac, _ := strings.Cut(mant, ".")
	return whole != "" && allDigits(whole) && allDigits(frac) && exp != "" && allDigits(exp)
}

// MakeID builds a valid 18-digit number for demo data and tests: region is a
// six-digit code (not checked against the table), birth gives the date in its
// own location, and seq (0–499) picks the sequence number of the given sex
// ("M" → 1, 3, …, 999; "F" → 0, 2, …, 998). It panics on arguments outside
// those ranges, which in demo and test code are bugs.
func MakeID(region string, birth time.Time, seq int, sex string) string {
	if len(region) != 6 || !allDigits(region) {
		panic("identity.MakeID: region must be six digits: " + region)
	}
	if seq < 0 || seq > 499 {
		panic("identity.MakeID: seq out of range 0–499")
	}
	n := seq * 2
	switch sex {
	case Male:
		n++
	case Female:
	default:
		panic("identity.MakeID: sex must be M or F: " + sex)
	}
	y, m, d := birth.Date()
	if y < 1000 || y > 9999 {
		panic("identity.MakeID: birth year must have four digits")
	}
	var b [18]byte
	copy(b[:6], region)
	putDigits(b[6:10], y)
	putDigits(b[10:12], int(m))
	putDigits(b[12:14], d)
	putDigits(b[14:17], n)
	c, _ := CheckChar(string(b[:17]))
	b[17] = c
	return string(b[:])
}

func putDigits(dst []byte, v int) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}

// SexLabel returns 男 or 女 for Male or Female, and "" otherwise.
func SexLabel(sex string) string {
	if sex != Male && sex != Female {
		return ""
	}
	return i18n.T("identity.sex." + sex)
}

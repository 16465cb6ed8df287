package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"linli/internal/i18n"
)

// Kinds of identity document, as stored in the database and sent by the API.
const (
	KindIDCard           = "id_card"           // 居民身份证
	KindHMTResidence     = "hmt_residence"     // 港澳台居民居住证
	KindForeignPermanent = "foreign_permanent" // 外国人永久居留身份证
	KindPassport         = "passport"          // 护照
	KindOther            = "other"             // 其他
)

// Kinds lists the document kinds in the order forms offer them.
var Kinds = []string{KindIDCard, KindHMTResidence, KindForeignPermanent, KindPassport, KindOther}

var _ = i18n.Family("identity.kind.", Kinds...)

// KindLabel returns the Chinese name of a document kind ("居民身份证"), or kind
// itself if it is not one of Kinds.
func KindLabel(kind string) string {
	if !validKind(kind) {
		return kind
	}
	return i18n.T("identity.kind." + kind)
}

func validKind(kind string) bool {
	for _, k := range Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// MaxOtherLength is the longest number accepted for KindOther, in characters.
const MaxOtherLength = 40

// ValidateDocument checks a document number of the given kind and returns it
// normalised for storage and exact lookup. For KindIDCard and KindHMTResidence
// it also returns the parsed number; for the other kinds the *ID is nil.
//
// What is checked, by kind:
//   - id_card: everything ParseID checks; a 15-digit number comes back upgraded.
//   - hmt_residence: 18 digits starting 810000, 820000 or 830000, a real birth
//     date and the MOD 11-2 check character (ParseHMTResidence).
//   - foreign_permanent: the 18-digit number of the 2023 edition (first digit
//     9, MOD 11-2 check character, as the National Immigration Administration
//     specifies); or the 15-character number of the 2004 and 2017 editions,
//     3 letters (nationality) and 12 digits, of which only the shape is
//     checked: its inner structure is not published in a form this package
//     can rely on.
//   - passport: 5–20 letters and digits, upper-cased; passports of different
//     countries follow no common rule beyond that.
//   - other: not blank, at most MaxOtherLength characters, valid UTF-8 without
//     control characters; kept as typed apart from surrounding space.
//
// For every kind, surrounding space is removed and full-width letters and
// digits are read as ASCII.
func ValidateDocument(kind, number string) (string, *ID, error) {
	switch kind {
	case KindIDCard:
		id, err := ParseID(number)
		if err != nil {
			return "", nil, err
		}
		return id.Number, id, nil
	case KindHMTResidence:
		id, err := ParseHMTResidence(number)
		if err != nil {
			return "", nil, err
		}
		return id.Number, id, nil
	case KindForeignPermanent:
		n, err := parseForeignPermanent(number)
		return n, nil, err
	case KindPassport:
		n, err := parsePassport(number)
		return n, nil, err
	case KindOther:
		n := strings.TrimFunc(number, isSpaceOrInvisible)
		if n == "" {
			return "", nil, i18n.NewError("validation", "err.required", "field", i18n.M("identity.doc_number"))
		}
		for _, r := range n {
			if r == utf8.RuneError || unicode.IsControl(r) {
				return "", nil, i18n.NewError("validation", "identity.other_chars")
			}
		}
		if utf8.RuneCountInString(n) > MaxOtherLength {
			return "", nil, i18n.NewError("validation", "err.too_long", "field", i18n.M("identity.doc_number"), "max", MaxOtherLength)
		}
		return n, nil, nil
	}
	return "", nil, i18n.NewError("validation", "identity.kind_unknown", "kind", kind)
}

// halfWidth trims s and maps full-width ASCII forms (U+FF01–U+FF5E) and the
// ideographic space to ASCII, as Chinese input methods produce them.
func halfWidth(s string) string {
	s = strings.TrimFunc(s, isSpaceOrInvisible)
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFF01 + '!'
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

func parseForeignPermanent(number string) (string, error) {
	n := strings.ToUpper(halfWidth(number))
	noun := i18n.M("identity.noun.foreign_permanent")
	if n == "" {
		return "", i18n.NewError("validation", "err.required", "field", noun)
	}
	switch {
	case len(n) == 18 && n[0] == '9' && allDigits(n[:17]) && (isDigit(n[17]) || n[17] == 'X'):
		c, _ := CheckChar(n[:17])
		if n[17] != c {
			return "", i18n.NewError("validation", "identity.id_check", "doc", noun, "want", string(c))
		}
		return n, nil
	case len(n) == 15 && isUpperLetters(n[:3]) && allDigits(n[3:]):
		return n, nil
	}
	return "", i18n.NewError("validation", "identity.fpr_format", "n", utf8.RuneCountInString(n))
}

func parsePassport(number string) (string, error) {
	n := strings.ToUpper(halfWidth(number))
	noun := i18n.M("identity.noun.passport")
	if n == "" {
		return "", i18n.NewError("validation", "err.required", "field", noun)
	}
	for _, r := range n {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "", i18n.NewError("validation", "identity.passport_chars", "char", string(r))
		}
	}
	if len(n) < 5 || len(n) > 20 {
		return "", i18n.NewError("validation", "identity.passport_length", "n", len(n))
	}
	return n, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isUpperLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

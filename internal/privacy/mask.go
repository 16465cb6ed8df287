package privacy

import "strings"

// MaskIDNumber shows the first 3 and last 4 characters: 110***********1234.
func MaskIDNumber(s string) string {
	return maskMiddle(s, 3, 4)
}

// MaskPhone shows the first 3 and last 4 digits of a mobile number: 138****5678.
// Numbers with a country code keep it: +86 138****5678.
func MaskPhone(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "+86") {
		return "+86 " + MaskPhone(strings.TrimSpace(strings.TrimPrefix(s, "+86")))
	}
	r := []rune(s)
	if len(r) == 11 {
		return string(r[:3]) + "****" + string(r[7:])
	}
	return maskMiddle(s, 3, 4)
}

// MaskGeneric hides all but the last 4 characters of an arbitrary sensitive value
// (passport numbers, bank accounts).
func MaskGeneric(s string) string { return maskMiddle(s, 0, 4) }

// maskMiddle keeps head and tail runes; short values are masked more so that a
// mask never reveals more than half of the value.
func maskMiddle(s string, head, tail int) string {
	r := []rune(strings.TrimSpace(s))
	n := len(r)
	if n == 0 {
		return ""
	}
	for head+tail > n/2 && (head > 0 || tail > 0) {
		if head > 0 {
			head--
		} else {
			tail--
		}
	}
	return string(r[:head]) + strings.Repeat("*", n-head-tail) + string(r[n-tail:])
}

// MaskName keeps a person's surname (the first character) and hides the
// rest: 张** for 张三丰, 李* for 李四.
func MaskName(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= 1 {
		return string(r)
	}
	return string(r[:1]) + strings.Repeat("*", len(r)-1)
}

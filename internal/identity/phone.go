package identity

import (
	"strings"

	"linli/internal/i18n"
)

// ParseMobile validates a mainland mobile number and returns its 11 digits.
// It accepts a +86, 0086 or 86 country prefix (also written "(+86)"), spaces
// and dashes anywhere ("138 0013 8000", "+86-138-0013-8000"; any of
// isNumberSeparator, such as a non-breaking space) and full-width digits. The number must be 1[3-9] followed by 9 digits.
func ParseMobile(s string) (string, error) {
	t := halfWidth(s)
	if t == "" {
		return "", i18n.NewError("validation", "err.required", "field", i18n.M("identity.mobile"))
	}
	t = stripSeparators(t)
	switch {
	case strings.HasPrefix(t, "(+86)"):
		t = t[5:]
	case strings.HasPrefix(t, "+86"):
		t = t[3:]
	case strings.HasPrefix(t, "0086"):
		t = t[4:]
	case strings.HasPrefix(t, "86") && len(t) == 13:
		// Without a plus the prefix is only recognised when it leaves exactly
		// 11 digits, so no real number loses its first digits.
		t = t[2:]
	}
	for _, r := range t {
		if r < '0' || r > '9' {
			bad := BadChars(s, func(r rune) bool { return r == '+' || r == '(' || r == ')' || isNumberSeparator(r) })
			if bad == "" { // a + or parenthesis out of place
				bad = BadChars(t, nil)
			}
			return "", i18n.NewError("validation", "identity.mobile_chars", "bad", bad)
		}
	}
	if len(t) != 11 {
		return "", i18n.NewError("validation", "identity.mobile_length", "n", len(t))
	}
	if t[0] != '1' || t[1] < '3' {
		return "", i18n.NewError("validation", "identity.mobile_prefix", "prefix", t[:2])
	}
	return t, nil
}

// ParseLandline validates a mainland fixed-line number and returns it in the
// form "0571-88001234", "88001234" or "0571-88001234转123" (with extension; 转
// rather than a dash, so that "88001234转5" cannot be read as area and number).
// Accepted: an area code of 3 digits (010, 02x) or 4 digits (0xxx), written
// with a dash, space or in parentheses, or run together with the number; a
// +86/0086 prefix in place of the area code's leading 0; a local number of 7
// or 8 digits not starting with 0 or 1; an extension of 1–6 digits after
// 转, ext, x, # or a third dash-separated group; and 400/800 service numbers
// (10 digits, returned without separators). Whether an area code is actually
// assigned is not checked.
func ParseLandline(s string) (string, error) {
	t := halfWidth(s)
	if t == "" {
		return "", i18n.NewError("validation", "err.required", "field", i18n.M("identity.landline"))
	}
	invalid := i18n.NewError("validation", "identity.landline_invalid")
	t = strings.ToLower(t)

	// The extension, when marked by a word or sign.
	var ext string
	for _, mark := range []string{"转", "ext.", "ext", "x", "#", ",", "，"} {
		if i := strings.Index(t, mark); i >= 0 {
			ext = strings.TrimSpace(t[i+len(mark):])
			t = strings.TrimSpace(t[:i])
			if ext == "" || len(ext) > 6 || !allDigits(ext) {
				return "", invalid
			}
			break
		}
	}

	intl := false
	switch {
	case strings.HasPrefix(t, "+86"):
		t, intl = strings.TrimSpace(t[3:]), true
	case strings.HasPrefix(t, "0086"):
		t, intl = strings.TrimSpace(t[4:]), true
	}

	// Split into digit groups on dashes, spaces and parentheses.
	groups := strings.FieldsFunc(t, func(r rune) bool {
		return r == '(' || r == ')' || r == '（' || r == '）' || isNumberSeparator(r)
	})
	if len(groups) == 0 {
		return "", invalid
	}
	for _, g := range groups {
		if !allDigits(g) {
			return "", i18n.NewError("validation", "identity.landline_chars", "char", firstNonDigit(g))
		}
	}
	if intl {
		groups[0] = "0" + groups[0]
	}
	// A local number typed in two groups, "0571 8800 1234" or "8800-1234":
	// a group too short to be a local number on its own, with the next one
	// making 7 or 8 digits, is the same number.
	n := len(groups)
	if local := n - 2; n >= 2 && n <= 3 && (n == 3) == (groups[0][0] == '0') &&
		len(groups[local]) < 7 && len(groups[local])+len(groups[local+1]) >= 7 && len(groups[local])+len(groups[local+1]) <= 8 {
		groups = append(groups[:local], groups[local]+groups[local+1])
	}
	// "0571-88001234-123": a third group after an area code is the extension.
	if ext == "" && len(groups) == 3 && groups[0][0] == '0' {
		ext = groups[2]
		if len(ext) > 6 {
			return "", invalid
		}
		groups = groups[:2]
	}
	if len(groups) > 2 {
		// Service numbers are often written 400-810-8888.
		if d := strings.Join(groups, ""); isServiceNumber(d) && ext == "" {
			return d, nil
		}
		return "", invalid
	}
	digits := strings.Join(groups, "")
	if isServiceNumber(digits) {
		if ext != "" {
			return digits + "转" + ext, nil
		}
		return digits, nil
	}

	var area, local string
	switch {
	case len(groups) == 2:
		area, local = groups[0], groups[1]
		if !validAreaCode(area) {
			return "", invalid
		}
	case digits[0] == '0':
		// Run together: 010 and 02x are the only three-digit area codes.
		n := 4
		if len(digits) > 1 && (digits[1] == '1' || digits[1] == '2') {
			n = 3
		}
		if len(digits) <= n {
			return "", invalid
		}
		area, local = digits[:n], digits[n:]
		if !validAreaCode(area) {
			return "", invalid
		}
	default:
		local = digits
	}
	if len(local) < 7 || len(local) > 8 || local[0] == '0' || local[0] == '1' {
		return "", invalid
	}
	out := local
	if area != "" {
		out = area + "-" + local
	}
	if ext != "" {
		out += "转" + ext
	}
	return out, nil
}

// validAreaCode accepts 010, 02x and four-digit codes 03xx–09xx.
func validAreaCode(a string) bool {
	switch len(a) {
	case 3:
		return a == "010" || (a[0] == '0' && a[1] == '2')
	case 4:
		return a[0] == '0' && a[1] >= '3'
	}
	return false
}

func isServiceNumber(d string) bool {
	return len(d) == 10 && (strings.HasPrefix(d, "400") || strings.HasPrefix(d, "800"))
}

// stripSeparators drops the spaces and hyphens of isNumberSeparator.
func stripSeparators(s string) string {
	if strings.IndexFunc(s, isNumberSeparator) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isNumberSeparator(r) {
			return -1
		}
		return r
	}, s)
}

func firstNonDigit(s string) string {
	for _, r := range s {
		if r < '0' || r > '9' {
			return string(r)
		}
	}
	return ""
}

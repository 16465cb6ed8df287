package identity

import (
	"strconv"
	"strings"

	"linli/internal/i18n"
)

// maxBadRuns bounds the runs BadChars names; more are summed up.
const maxBadRuns = 3

// BadChars says where s holds characters that no number of its kind has and
// what they are: each run of them by its position among the characters of s
// as typed (surrounding spaces trimmed, counted from 1) and the characters
// themselves — "第 4–6 位“abc”", at most three runs and then "等 5 处". Digits
// (full-width ones too) and the characters ok allows (given their half-width
// form) are fine. Only the bad characters are shown, never the digits around
// them, so the message gives no number away. "" when there are none.
func BadChars(s string, ok func(rune) bool) string {
	s = strings.TrimFunc(s, isSpaceOrInvisible)
	var parts []string
	runs, pos, from := 0, 0, 0
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		runs++
		if runs <= maxBadRuns {
			at := strconv.Itoa(from)
			if pos-1 > from {
				at += "–" + strconv.Itoa(pos-1)
			}
			parts = append(parts, i18n.T("identity.bad_at", "pos", at, "chars", string(run)))
		}
		run = run[:0]
	}
	for _, r := range s {
		pos++
		h := r
		if h >= 0xFF01 && h <= 0xFF5E {
			h -= 0xFEE0 // full-width forms, as the parsers read them
		}
		if (h >= '0' && h <= '9') || (ok != nil && ok(h)) {
			flush()
			continue
		}
		if len(run) == 0 {
			from = pos
		}
		run = append(run, r)
	}
	pos++
	flush()
	out := strings.Join(parts, "、")
	if runs > maxBadRuns {
		out += i18n.T("identity.bad_more", "n", runs)
	}
	return out
}

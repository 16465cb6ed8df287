package web

import (
	"regexp"
	"strings"

	"linli/internal/i18n"
)

// Templates ask for about a thousand fixed messages ({{t "common.search"}}),
// and html/template runs each such action through reflection twice (the call
// and the escaper) on every request: on the resident list that was a fifth of
// the page's CPU. The catalogue does not change while the server runs, so a
// fixed message whose text means the same whatever the escaping is written
// into the template when it is parsed. Left as actions, and so escaped as
// ever: texts with characters any HTML context escapes, texts with {arguments},
// and messages inside URL, event-handler, style or unquoted attributes.
// (A second language would parse the templates once per language.)

var fixedMessage = regexp.MustCompile(`\{\{t "([A-Za-z0-9_.\-]+)"\}\}`)

// openAttribute finds the attribute a position inside a tag belongs to.
var openAttribute = regexp.MustCompile(`([A-Za-z_:][A-Za-z0-9_:.\-]*)\s*=\s*"[^"]*$`)

func inlineMessages(src string) string {
	var b strings.Builder
	last := 0
	for _, m := range fixedMessage.FindAllStringSubmatchIndex(src, -1) {
		start, end := m[0], m[1]
		text, ok := i18n.Text(src[m[2]:m[3]])
		if !ok || !plainText(text) || !plainContext(src[:start]) {
			continue
		}
		b.WriteString(src[last:start])
		b.WriteString(text)
		last = end
	}
	if last == 0 {
		return src
	}
	b.WriteString(src[last:])
	return b.String()
}

// plainText: no character that HTML text or attribute escaping would change,
// and nothing the template parser would read.
func plainText(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || strings.ContainsRune("<>&'\"+=`{}\\", r) {
			return false
		}
	}
	return true
}

// plainContext: before reports text or a double-quoted attribute that is not
// a URL, script or style.
func plainContext(before string) bool {
	lt := strings.LastIndexByte(before, '<')
	if lt < 0 || strings.IndexByte(before[lt:], '>') >= 0 {
		return true // between tags
	}
	m := openAttribute.FindStringSubmatch(before[lt:])
	if m == nil {
		return false // the tag itself, or an unquoted or single-quoted value
	}
	switch name := strings.ToLower(m[1]); {
	case strings.HasPrefix(name, "on"), name == "style",
		name == "href", name == "src", name == "action", name == "formaction", name == "srcset",
		name == "poster", name == "cite", name == "data", name == "background", name == "ping", name == "xlink:href":
		return false
	}
	return true
}

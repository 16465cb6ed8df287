// Package i18n is Linli's one message catalogue. Every user-visible string lives in
// a locale directory (zh-CN today) as "key = text" lines, one file per module so
// that modules do not edit each other's files; keys are unique across the files.
// Texts take named arguments as {name}.
package i18n

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed zh-CN/*.txt
var files embed.FS

// DefaultLocale is the locale used when none is asked for.
const DefaultLocale = "zh-CN"

var (
	loadOnce sync.Once
	catalog  map[string]string
	loadErr  error
)

func load() {
	catalog, loadErr = Parse(files, DefaultLocale)
}

// Parse reads every *.txt under dir of fsys into one map, failing on duplicate
// keys and malformed lines (the catalogue test calls it so a mistake fails fast).
func Parse(fsys fs.FS, dir string) (map[string]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	where := map[string]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		f, err := fsys.Open(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		ln := 0
		for sc.Scan() {
			ln++
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !ok || k == "" {
				f.Close()
				return nil, fmt.Errorf("%s:%d: expected 'key = text'", e.Name(), ln)
			}
			if prev, dup := where[k]; dup {
				f.Close()
				return nil, fmt.Errorf("%s:%d: key %q already defined in %s", e.Name(), ln, k, prev)
			}
			where[k] = fmt.Sprintf("%s:%d", e.Name(), ln)
			out[k] = strings.ReplaceAll(v, `\n`, "\n")
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Has reports whether key is in the catalogue.
func Has(key string) bool {
	loadOnce.Do(load)
	_, ok := catalog[key]
	return ok
}

// Text is the catalogue's text for key, as written (arguments not filled).
func Text(key string) (string, bool) {
	loadOnce.Do(load)
	s, ok := catalog[key]
	return s, ok
}

// Keys lists every key, sorted.
func Keys() []string {
	loadOnce.Do(load)
	out := make([]string, 0, len(catalog))
	for k := range catalog {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// T returns the text for key with {name} arguments filled from kv pairs
// ("field", "姓名", "row", 3). A missing key shows as the key itself, which the
// catalogue test catches.
func T(key string, kv ...any) string {
	loadOnce.Do(load)
	if loadErr != nil {
		panic("i18n catalogue: " + loadErr.Error())
	}
	s, ok := catalog[key]
	if !ok {
		return key
	}
	if len(kv) == 0 || !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(kv[i])+"}", fmt.Sprint(kv[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Msg is a message not yet rendered: a key and its arguments. Domain code returns
// Msgs so that the text is chosen at the edge, in the user's locale.
type Msg struct {
	Key  string
	Args []any
}

// M builds a Msg.
func M(key string, kv ...any) Msg { return Msg{Key: key, Args: kv} }

// String renders the message in the default locale.
func (m Msg) String() string { return T(m.Key, m.Args...) }

// Error is an error with a stable code (for APIs and tests) and a message for people.
type Error struct {
	Code string // stable, English: "not_found", "forbidden", "validation", ...
	Msg  Msg
}

func (e *Error) Error() string { return e.Msg.String() }

// NewError builds an *Error.
func NewError(code, key string, kv ...any) *Error {
	return &Error{Code: code, Msg: M(key, kv...)}
}

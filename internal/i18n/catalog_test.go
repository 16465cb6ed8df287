package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every key the code or a template asks for by literal exists in the catalogue,
// so no page ever shows a raw key to a user. Keys built at run time from a
// prefix and a value are checked by TestEveryBuiltKeyExists.
func TestEveryUsedKeyExists(t *testing.T) {
	if _, err := Parse(files, DefaultLocale); err != nil {
		t.Fatalf("catalogue: %v", err)
	}
	goUse := regexp.MustCompile(`(?:i18n\.T|i18n\.M|\bT|\bM)\(\s*"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"|NewError\([^,()]+,\s*"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"|\.Add\([^,()]+,\s*"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"|Key:\s*"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
	tmplUse := regexp.MustCompile(`[{(]\s*t\s+"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
	checked := 0
	walkSources(t, filepath.Join("..", ".."), func(path, src string, html bool) {
		re := goUse
		if html {
			re = tmplUse
		}
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			for _, key := range m[1:] {
				if key == "" {
					continue
				}
				checked++
				if !Has(key) {
					t.Errorf("%s uses %q, which is not in the catalogue", path, key)
				}
			}
		}
	})
	if checked < 100 {
		t.Fatalf("only %d key uses found: the scan is broken", checked)
	}
}

// walkSources calls fn with every Go source (not tests) and template under
// root.
func walkSources(t *testing.T, root string, fn func(path, src string, html bool)) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		html := strings.HasSuffix(path, ".html")
		if !html && (!strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go")) {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fn(path, string(src), html)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestArguments(t *testing.T) {
	if got := T("err.required", "field", "姓名"); got != "请填写“姓名”" {
		t.Fatalf("got %q", got)
	}
	if got := T("no.such.key"); got != "no.such.key" {
		t.Fatalf("missing keys show as themselves, got %q", got)
	}
}

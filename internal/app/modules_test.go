package app_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"linli/internal/app"
)

// The parts a module brings (docs/MODULES.md), each checked where a file
// can show it. A module is what app.Migrations lists: a package that owns
// tables. The foundation, written before the template, keeps some parts
// together; each such exception is named here with the place that holds the
// part instead. A module added later has none.
var moduleExceptions = map[string]map[string]string{
	"settings": {"catalogue": "no text of its own: the security page is the web shell's (web.txt)"},
	"audit":    {"catalogue": "its pages are the web shell's (web.txt)"},
	"auth": {
		"catalogue prefix": "auth.txt also holds the role. and line. labels",
	},
	"org": {
		"openapi": "described with the shell in openapi/foundation.json",
		"fixture": "the org tree is apptest.go's own", "matrix": "entries in authz_matrix_test.go (foundationMatrix)",
		"demo": "demo.go builds the street", "e2e": "foundation_test.go",
	},
	"places": {
		"openapi": "described with the shell in openapi/foundation.json",
		"fixture": "places are apptest.go's own; write targets in apptest/foundation.go", "demo": "demo.go builds the places",
	},
	"importflow": {
		"fixture": "each importer's module stages its uploads (apptest.go, apptest/registry_import.go)",
		"matrix":  "mounted once per importer: entries in authz_matrix_test.go and authz_matrix_registry_import_test.go",
		"demo":    "no data of its own", "e2e": "places_test.go and registry_test.go import through it",
	},
	"calendar": {
		"fixture": "the calendar is seeded by its migration",
		"matrix":  "its administration pages are with the cases' (authz_matrix_cases_test.go)",
		"demo":    "seeded by its migration", "e2e": "its days drive the cases' time limits (cases_test.go)",
	},
}

// moduleRules are the parts checked: what a module must have, as a file.
// when: the rule applies only to modules whose code does this.
var moduleRules = []struct {
	name string
	file func(m string) string
	when func(t *testing.T, m string) bool
}{
	{"catalogue", func(m string) string { return "../i18n/zh-CN/" + m + ".txt" }, nil},
	{"openapi", func(m string) string { return "openapi/" + m + ".json" }, registersAPI},
	{"fixture", func(m string) string { return "../apptest/" + m + ".go" }, registersRoutes},
	{"matrix", func(m string) string { return "authz_matrix_" + m + "_test.go" }, registersRoutes},
	{"demo", func(m string) string { return "../demo/" + m + ".go" }, registersRoutes},
	{"e2e", func(m string) string { return "../e2e/" + m + "_test.go" }, registersRoutes},
}

func TestModulesFollowTheTemplate(t *testing.T) {
	listed := map[string]bool{}
	for _, m := range app.Migrations() {
		name := m.Module
		listed[name] = true
		checkMigrations(t, name, m.FS)
		for _, r := range moduleRules {
			if _, ok := moduleExceptions[name][r.name]; ok {
				continue
			}
			if r.when != nil && !r.when(t, name) {
				continue
			}
			if _, err := os.Stat(r.file(name)); err != nil {
				t.Errorf("module %s has no %s: want %s (docs/MODULES.md)", name, r.name, filepath.Clean(filepath.Join("internal", "app", r.file(name))))
			}
		}
		if _, ok := moduleExceptions[name]["catalogue prefix"]; !ok {
			checkCataloguePrefix(t, name)
		}
	}
	// A package with migrations that app.Migrations does not list is a
	// module nobody wired.
	dirs, _ := filepath.Glob("../*/migrations")
	for _, d := range dirs {
		name := filepath.Base(filepath.Dir(d))
		if !listed[name] {
			t.Errorf("internal/%s has migrations, but app.Migrations does not list it (docs/MODULES.md)", name)
		}
	}
	// Exceptions name only modules and rules that exist.
	for m, rules := range moduleExceptions {
		if !listed[m] {
			t.Errorf("moduleExceptions names %s, which is not a module", m)
		}
		for r := range rules {
			if !knownRule(r) {
				t.Errorf("moduleExceptions[%s] names rule %q, which does not exist", m, r)
			}
		}
	}
	if len(listed) < 9 {
		t.Fatalf("only %d modules listed: the test reads the wrong list", len(listed))
	}
}

func knownRule(name string) bool {
	if name == "catalogue prefix" {
		return true
	}
	for _, r := range moduleRules {
		if r.name == name {
			return true
		}
	}
	return false
}

// checkMigrations: the module's migrations come for both engines, with the
// same numbered files.
func checkMigrations(t *testing.T, module string, fsys fs.FS) {
	t.Helper()
	files := map[string][]string{}
	for _, dialect := range []string{"sqlite", "postgres"} {
		names, _ := fs.Glob(fsys, dialect+"/*.sql")
		for _, n := range names {
			files[dialect] = append(files[dialect], filepath.Base(n))
		}
		sort.Strings(files[dialect])
		if len(files[dialect]) == 0 {
			t.Errorf("module %s has no migrations/%s/*.sql (docs/MODULES.md)", module, dialect)
		}
	}
	if strings.Join(files["sqlite"], " ") != strings.Join(files["postgres"], " ") {
		t.Errorf("module %s: migrations differ between engines: sqlite %v, postgres %v (docs/MODULES.md)", module, files["sqlite"], files["postgres"])
	}
}

// checkCataloguePrefix: every key of the module's catalogue file is its own.
func checkCataloguePrefix(t *testing.T, module string) {
	t.Helper()
	f, err := os.Open("../i18n/zh-CN/" + module + ".txt")
	if err != nil {
		return // reported by the catalogue rule
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if key, _, _ := strings.Cut(line, "="); !strings.HasPrefix(strings.TrimSpace(key), module+".") {
			t.Errorf("i18n/zh-CN/%s.txt:%d: key %q is not prefixed %q (docs/MODULES.md)", module, n, strings.TrimSpace(key), module+".")
		}
	}
}

var (
	pageCall = regexp.MustCompile(`\.(Page|API)\("`)
	apiCall  = regexp.MustCompile(`\.API\("`)
)

// registersRoutes: the module's package adds pages or JSON routes.
func registersRoutes(t *testing.T, module string) bool { return sourceMatches(t, module, pageCall) }

// registersAPI: the module's package adds JSON routes.
func registersAPI(t *testing.T, module string) bool { return sourceMatches(t, module, apiCall) }

func sourceMatches(t *testing.T, module string, re *regexp.Regexp) bool {
	t.Helper()
	files, err := filepath.Glob("../" + module + "/*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if re.Match(src) {
			return true
		}
	}
	return false
}

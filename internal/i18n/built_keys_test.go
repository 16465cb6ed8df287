package i18n_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	_ "linli/internal/app" // every module, so that every family is declared
	"linli/internal/i18n"
)

// Keys built at run time (a prefix and a value: "registry.relation." +
// relation, {{t (printf "cases.source.%s" .)}}) escape the literal scan of
// TestEveryUsedKeyExists. Each place that builds one is found here by its
// prefix; the prefix must be a family declared with i18n.Family, and every key
// of every family must be in the catalogue.
func TestEveryBuiltKeyExists(t *testing.T) {
	sites := builtKeySites(t, filepath.Join("..", ".."))
	places := 0
	for _, where := range sites {
		places += len(where)
	}
	if places < 100 {
		t.Fatalf("only %d places build keys: the scan is broken", places)
	}
	for _, p := range builtKeyProblems(sites, i18n.Families(), i18n.Has) {
		t.Error(p)
	}
	n := 0
	for _, vs := range i18n.Families() {
		n += len(vs)
	}
	t.Logf("%d places build keys of %d families, %d keys in all", places, len(i18n.Families()), n)
}

// The check itself fails on a key missing from the catalogue, on a prefix
// built without a family, and on a family nothing builds.
func TestBuiltKeyProblemsAreFound(t *testing.T) {
	sites := map[string][]string{"registry.relation.": {"registry/model.go:1"}, "cases.source.": {"cases/new.html:2"}}
	families := map[string][]string{"registry.relation.": {"self", "spouse"}, "org.level.": {"grid"}}
	has := func(k string) bool { return k != "registry.relation.spouse" }
	got := strings.Join(builtKeyProblems(sites, families, has), "\n")
	for _, want := range []string{`"registry.relation.spouse"`, `builds keys "cases.source.…"`, `family "org.level."`} {
		if !strings.Contains(got, want) {
			t.Errorf("problems do not name %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "registry.relation.self") {
		t.Errorf("a key in the catalogue was reported:\n%s", got)
	}
}

// builtKeyProblems compares the places that build keys (prefix → places) with
// the declared families and the catalogue.
func builtKeyProblems(sites, families map[string][]string, has func(string) bool) []string {
	var out []string
	for prefix, where := range sites {
		if _, ok := families[prefix]; !ok {
			out = append(out, fmt.Sprintf("%s builds keys %q at run time, and no i18n.Family declares their values (docs/MODULES.md)", strings.Join(where, ", "), prefix+"…"))
		}
	}
	for prefix, values := range families {
		if _, ok := sites[prefix]; !ok {
			out = append(out, fmt.Sprintf("family %q is declared, but nothing builds its keys: remove it", prefix))
		}
		if len(values) == 0 {
			out = append(out, fmt.Sprintf("family %q has no values", prefix))
		}
		for _, v := range values {
			if !has(prefix + v) {
				out = append(out, fmt.Sprintf("%q (family %q, built at %s) is not in the catalogue", prefix+v, prefix, strings.Join(sites[prefix], ", ")))
			}
		}
	}
	sort.Strings(out)
	return out
}

// A Go string literal ending in a dot, the prefix of a key that is completed
// at run time ("registry.relation." + r, label("registry.sex.", p.Sex)); and a
// template's printf of a key.
var (
	goPrefix   = regexp.MustCompile(`"((?:[a-z][a-z0-9_]*\.)+)"`)
	tmplPrefix = regexp.MustCompile(`printf\s+"((?:[a-z][a-z0-9_]*\.)+)%[a-z]"`)
)

// builtKeySites finds the places under root that build keys: prefix →
// "file:line"s. A Go literal counts only when its first part is one of the
// catalogue's namespaces ("registry", "role"), so that "ext." is not a key.
func builtKeySites(t *testing.T, root string) map[string][]string {
	namespaces := map[string]bool{}
	for _, k := range i18n.Keys() {
		ns, _, _ := strings.Cut(k, ".")
		namespaces[ns] = true
	}
	out := map[string][]string{}
	i18n.WalkSources(t, root, func(path, src string, html bool) {
		re := goPrefix
		if html {
			re = tmplPrefix
		}
		rel, _ := filepath.Rel(root, path)
		for i, line := range strings.Split(src, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "//") || strings.Contains(line, "i18n.Family(") {
				continue // a comment, or a family's own declaration
			}
			for _, m := range re.FindAllStringSubmatch(line, -1) {
				ns, _, _ := strings.Cut(m[1], ".")
				if !namespaces[ns] {
					continue
				}
				out[m[1]] = append(out[m[1]], fmt.Sprintf("%s:%d", rel, i+1))
			}
		}
	})
	return out
}

package i18n

import (
	"fmt"
	"sort"
	"sync"
)

// Key families: keys that code builds at run time from a prefix and a value,
// the labels of a code list ("registry.relation." + "spouse", or in a template
// {{t (printf "registry.relation.%s" .Relation)}}). A literal key is checked
// by the catalogue test where it is written; a built one cannot be, so the
// package that builds it declares the family beside its list, with every value
// the code may give:
//
//	var _ = i18n.Family("registry.relation.", Relations...)
//
// The catalogue test (built_keys_test.go) checks that every key of every
// family is in the catalogue, and finds every place in the code and the
// templates that builds a key: a prefix that no family declares fails it.

var (
	familyMu sync.Mutex
	families = map[string][]string{}
)

// Family declares the keys prefix+value for each value (declaring a prefix
// again adds values). It returns true, so that it can initialise a package
// variable.
func Family[V ~string | ~int](prefix string, values ...V) bool {
	familyMu.Lock()
	defer familyMu.Unlock()
	for _, v := range values {
		families[prefix] = append(families[prefix], fmt.Sprint(v))
	}
	if _, ok := families[prefix]; !ok {
		families[prefix] = nil
	}
	return true
}

// Families returns every declared family: prefix → values, sorted.
func Families() map[string][]string {
	familyMu.Lock()
	defer familyMu.Unlock()
	out := make(map[string][]string, len(families))
	for p, vs := range families {
		c := append([]string(nil), vs...)
		sort.Strings(c)
		out[p] = c
	}
	return out
}

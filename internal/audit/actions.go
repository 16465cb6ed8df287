package audit

import (
	"sort"
	"sync"

	"linli/internal/i18n"
)

// Every action the code records is declared, with the catalogue key of its
// Chinese name, by the package that records it, beside its code:
//
//	var _ = audit.Actions("cases.action.", "case.create", "case.transition")
//
// names case.transition by the key "cases.action.case.transition" (事项流转).
// The keys are an i18n family, so the catalogue test fails on a declared
// action without a name; TestEveryRecordedActionIsDeclared (internal/app)
// fails on an action recorded without a declaration. The same for the kinds
// of object entries name (Objects).

var (
	regMu   sync.RWMutex
	actions = map[string]string{} // code → catalogue key
	objects = map[string]string{} // object type → catalogue key
)

// Actions declares the actions codes, each named by keyPrefix+code in the
// catalogue. It returns true, to initialise a package variable.
func Actions(keyPrefix string, codes ...string) bool {
	i18n.Family(keyPrefix, codes...)
	regMu.Lock()
	defer regMu.Unlock()
	for _, c := range codes {
		if k, dup := actions[c]; dup && k != keyPrefix+c {
			panic("audit action " + c + " declared twice")
		}
		actions[c] = keyPrefix + c
	}
	return true
}

// Objects declares the object types entries name, each labelled by
// keyPrefix+type in the catalogue.
func Objects(keyPrefix string, types ...string) bool {
	i18n.Family(keyPrefix, types...)
	regMu.Lock()
	defer regMu.Unlock()
	for _, t := range types {
		objects[t] = keyPrefix + t
	}
	return true
}

// ActionKey is the catalogue key naming action, and whether it is declared.
func ActionKey(action string) (string, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	k, ok := actions[action]
	return k, ok
}

// ObjectKey is the catalogue key naming an object type, and whether it is declared.
func ObjectKey(objectType string) (string, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	k, ok := objects[objectType]
	return k, ok
}

// ActionName is the Chinese name of action; an action recorded by an older
// version and no longer declared is named generically (with its code, the one
// thing that tells it apart).
func ActionName(action string) string {
	if k, ok := ActionKey(action); ok {
		return i18n.T(k)
	}
	return i18n.T("audit.action_unknown", "code", action)
}

// ObjectName is the Chinese name of an object type ("" for none).
func ObjectName(objectType string) string {
	if objectType == "" {
		return ""
	}
	if k, ok := ObjectKey(objectType); ok {
		return i18n.T(k)
	}
	return i18n.T("audit.object_unknown")
}

// DeclaredActions lists every declared action code, sorted.
func DeclaredActions() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(actions))
	for c := range actions {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// DeclaredObjects lists every declared object type, sorted.
func DeclaredObjects() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(objects))
	for c := range objects {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

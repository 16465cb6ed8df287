package app_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"linli/internal/audit"
	"linli/internal/db"
	_ "linli/internal/demo" // its actions too
	"linli/internal/i18n"
	"linli/internal/web"
)

// Every audit action the code records has a Chinese name: it is declared with
// audit.Actions (and so named in the catalogue, which the catalogue test
// checks), and so is every object type entries name. The code is read for
// the actions it writes as literals (audit.Event(p, "case.transition",
// "case", …), audit.Entry{Action: "login"}, action := "user.lock"); the
// matrix checks the actions every allowed write records, whatever builds them.
func TestEveryRecordedActionIsDeclared(t *testing.T) {
	actions, objects := recordedActions(t, filepath.Join("..", ".."))
	if len(actions) < 60 {
		t.Fatalf("found only %d audit actions in the code: the scan is broken", len(actions))
	}
	for a, where := range actions {
		key, ok := audit.ActionKey(a)
		if !ok {
			t.Errorf("%s records audit action %q, which no audit.Actions declares: give it a name (internal/audit/actions.go)", where, a)
			continue
		}
		if !i18n.Has(key) {
			t.Errorf("audit action %q is named by %q, which is not in the catalogue", a, key)
		}
	}
	for o, where := range objects {
		if _, ok := audit.ObjectKey(o); !ok {
			t.Errorf("%s names audit object type %q, which no audit.Objects declares", where, o)
		}
	}
}

var (
	eventCall   = regexp.MustCompile(`audit\.Event\([^,()]+(?:\([^()]*\))?,\s*"([^"]+)",\s*"([^"]*)"`)
	eventAction = regexp.MustCompile(`audit\.Event\([^,()]+(?:\([^()]*\))?,\s*"([^"]+)"`)
	entryAction = regexp.MustCompile(`Action:\s*"([^"]+)"`)
	entryObject = regexp.MustCompile(`ObjectType:\s*"([^"]+)"`)
	varAction   = regexp.MustCompile(`\baction(?:, \w+)? :?= "([a-z_]+\.[a-z_.]+|login[a-z_]*)"`)
	helperCall  = regexp.MustCompile(`auditEntry\(\w+, "([^"]+)"`)
)

// recordedActions reads the Go code (not tests) under root for literal audit
// actions and object types: code → "file:line".
func recordedActions(t *testing.T, root string) (actions, objects map[string]string) {
	actions, objects = map[string]string{}, map[string]string{}
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		src := string(b)
		if !strings.Contains(src, "linli/internal/audit") && !strings.HasSuffix(filepath.Dir(path), "audit") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		for i, line := range strings.Split(src, "\n") {
			at := rel + ":" + strconv.Itoa(i+1)
			for _, m := range eventCall.FindAllStringSubmatch(line, -1) {
				if m[2] != "" {
					objects[m[2]] = at
				}
			}
			for _, re := range []*regexp.Regexp{eventAction, helperCall} {
				for _, m := range re.FindAllStringSubmatch(line, -1) {
					if !strings.HasSuffix(m[1], ".") { // "person."+kind: checked by the matrix
						actions[m[1]] = at
					}
				}
			}
			if strings.Contains(line, "audit.Entry{") {
				for _, m := range entryAction.FindAllStringSubmatch(line, -1) {
					actions[m[1]] = at
				}
				for _, m := range entryObject.FindAllStringSubmatch(line, -1) {
					objects[m[1]] = at
				}
			}
			for _, m := range varAction.FindAllStringSubmatch(line, -1) {
				actions[m[1]] = at
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return actions, objects
}

// auditMark is where each audit chain ended (partition → last seq), to find
// the entries written after.
type auditMark map[int64]int64

// markAudit reads every chain's head.
func markAudit(t *testing.T, d *db.DB) auditMark {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT community_id, seq FROM audit_head`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := auditMark{}
	for rows.Next() {
		var c, seq int64
		if err := rows.Scan(&c, &seq); err != nil {
			t.Fatal(err)
		}
		m[c] = seq
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// after is the condition "written after the mark": past its chain's head
// then, or in a chain begun since.
func (m auditMark) after() (string, []any) {
	if len(m) == 0 {
		return "1=1", nil
	}
	var b strings.Builder
	var args []any
	b.WriteString("seq > CASE community_id")
	for c, seq := range m {
		b.WriteString(" WHEN ? THEN ?")
		args = append(args, c, seq)
	}
	b.WriteString(" ELSE 0 END")
	return b.String(), args
}

// checkAuditNamed: every entry recorded after the mark since has a declared
// action and Chinese names for its detail's keys (the audit log shows them).
func checkAuditNamed(t *testing.T, d *db.DB, since auditMark, label string) {
	t.Helper()
	cond, args := since.after()
	rows, err := d.QueryContext(context.Background(), `SELECT action, detail FROM audit_log WHERE `+cond, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var action, detail string
		if err := rows.Scan(&action, &detail); err != nil {
			t.Fatal(err)
		}
		if _, ok := audit.ActionKey(action); !ok {
			t.Errorf("%s: recorded audit action %q, which no audit.Actions declares", label, action)
		}
		var m map[string]any
		if json.Unmarshal([]byte(detail), &m) == nil {
			for k := range m {
				if !web.AuditFieldNamed(k) {
					t.Errorf("%s: audit action %q records detail %q, which has no Chinese name (audit.field.%s in web.txt, auditFieldKeys)", label, action, k, k)
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

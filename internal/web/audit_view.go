package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/i18n"
)

// The audit log in Chinese: each entry's action by its catalogue name, its
// object by its name (a link where the reader may open it), and its detail as
// rows of Chinese field names and readable values, never raw JSON. The web
// shell does not read other modules' tables: each module registers, for the
// object types it owns, a resolver that names them (AddAuditTarget), and may
// make its detail values readable (AddAuditValues).

// AuditTarget is an object named for the audit log: its label, and the page
// that shows it when the reader may open it ("" otherwise).
type AuditTarget struct {
	Label string
	Href  string
}

// AuditResolver names objects of one type for reader p, by their ids as the
// log records them. Ids it cannot name (deleted objects) are left out. The
// label may be read past p's scope (the auditor reads the whole log), but what
// is sensitive stays masked unless p may open the object, and Href is set only
// when p may.
type AuditResolver func(ctx context.Context, p *auth.Principal, ids []string) (map[string]AuditTarget, error)

// AuditValuer makes a detail value readable: the value of key in an entry of
// e.Action ("accept" of case.transition's "action" → 受理). ok false leaves
// the value as it is.
type AuditValuer func(ctx context.Context, e audit.Entry, key, value string) (label string, ok bool)

type auditViews struct {
	mu        sync.RWMutex
	resolvers map[string]AuditResolver
	valuers   map[string][]AuditValuer // by action prefix
	lookups   map[string]func(ctx context.Context, number string) (id string, ok bool)
}

// AddAuditLookup lets the audit log's object filter take objectType's
// numbers as people write them (a case's 事项编号): fn returns the id the
// log records.
func (s *Server) AddAuditLookup(objectType string, fn func(ctx context.Context, number string) (id string, ok bool)) {
	s.auditViews.mu.Lock()
	defer s.auditViews.mu.Unlock()
	if s.auditViews.lookups == nil {
		s.auditViews.lookups = map[string]func(context.Context, string) (string, bool){}
	}
	s.auditViews.lookups[objectType] = fn
}

func (s *Server) auditLookup(ctx context.Context, objectType, number string) (string, bool) {
	s.auditViews.mu.RLock()
	fn := s.auditViews.lookups[objectType]
	s.auditViews.mu.RUnlock()
	if fn == nil {
		return "", false
	}
	return fn(ctx, number)
}

// AddAuditTarget registers the resolver of objectType's names.
func (s *Server) AddAuditTarget(objectType string, fn AuditResolver) {
	s.auditViews.mu.Lock()
	defer s.auditViews.mu.Unlock()
	if s.auditViews.resolvers == nil {
		s.auditViews.resolvers = map[string]AuditResolver{}
	}
	s.auditViews.resolvers[objectType] = fn
}

// AddAuditValues registers fn for the details of actions starting with prefix.
func (s *Server) AddAuditValues(actionPrefix string, fn AuditValuer) {
	s.auditViews.mu.Lock()
	defer s.auditViews.mu.Unlock()
	if s.auditViews.valuers == nil {
		s.auditViews.valuers = map[string][]AuditValuer{}
	}
	s.auditViews.valuers[actionPrefix] = append(s.auditViews.valuers[actionPrefix], fn)
}

// AuditRow is one entry as the page and the export show it.
type AuditRow struct {
	audit.Entry
	ActionName string
	Roles      string
	ObjectKind string // the object type's name ("事项")
	Object     AuditTarget
	Outcome    string
	Detail     []AuditField
}

// AuditField is one line of an entry's detail.
type AuditField struct {
	Label string
	Value string
	Href  string
}

// Detail keys that hold the id of an object: key → object type. Keys that
// mean different things in different actions are listed as "action/key".
var auditIDKeys = map[string]string{
	"person_id": "person", "landlord_person_id": "person", "head": "person",
	"household_id": "household", "new_household": "household", "household.merge/from": "household",
	"dwelling_id": "dwelling", "from_dwelling": "dwelling", "to_dwelling": "dwelling",
	"building_id": "building", "estate_id": "estate", "grid_id": "org_unit", "scope": "org_unit",
	"case.merge/into": "case", "building.assign_grid/before": "org_unit", "building.assign_grid/after": "org_unit",
}

// The names of detail keys (audit.field.*); a key not named here is shown as
// it is (the import summaries' keys are already Chinese).
var auditFieldKeys = []string{
	"action", "active", "added", "address", "after", "before", "building", "building_id", "bytes", "cases", "category", "changed",
	"code", "created", "dwelling_id", "dwellings", "end", "estate_id", "event", "fields", "file", "files", "files_public",
	"filter", "format", "from", "from_dwelling", "from_floor", "grid_id", "head", "held_on", "household_id", "idle_minutes",
	"into", "kind", "landlord_person_id", "lease_from", "lease_to", "level", "lines", "lock_minutes", "manual", "max_failures",
	"members", "name", "new_household", "on", "party_id", "per_floor", "person_id", "phone_changed", "public", "public_reply",
	"purpose", "reason", "ref_id", "refused", "removed", "reopen", "role", "roles", "room", "rows", "scope", "sensitivity",
	"sort", "source", "start", "city", "district", "street", "community", "grid", "tenants", "to", "to_dwelling", "to_floor", "type", "username", "valid_to",
	"duty", "every", "subjects", "unit", "way",
	"items", "zero_report", "case", "finding", "checklist", "month", "rule_id",
	"minutes", "capped", "track_consent", "points",
	"venue_id", "status", "series_id",
	"volunteer_id", "member_id", "activity_id", "teams", "skipped",
	"mode", "cancelled",
}

var _ = i18n.Family("audit.field.", auditFieldKeys...)

var auditFieldNamed = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range auditFieldKeys {
		m[k] = true
	}
	return m
}()

// Plain-text details (logins) are English phrases joined by "; ": each known
// phrase has its Chinese text.
var auditNotes = []string{"web", "api", "token", "unknown_user", "locked", "disabled", "wrong_password", "wrong_second_factor", "second_factor_passed", "second_factor_pending"}

var _ = i18n.Family("audit.note.", auditNotes...)

var auditNoteKnown = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range auditNotes {
		m[k] = true
	}
	return m
}()

// AuditFieldNamed reports whether a detail key has a Chinese name (the
// matrix checks every key a write records).
func AuditFieldNamed(key string) bool { return auditFieldNamed[key] || !isASCII(key) }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// detailPair is one key of a JSON detail with its value, in recorded order.
type detailPair struct {
	Key   string
	Value any
}

// parseDetail reads a JSON object detail keeping its keys' order; ok false
// for a detail that is not a JSON object.
func parseDetail(s string) ([]detailPair, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var out []detailPair
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		k, _ := t.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, detailPair{k, v})
	}
	return out, true
}

// idsOf lists the ids a detail value holds (a number, a numeric string or a
// list of them).
func idsOf(v any) []string {
	switch x := v.(type) {
	case json.Number:
		if x.String() != "0" {
			return []string{x.String()}
		}
	case string:
		if _, err := strconv.ParseInt(x, 10, 64); err == nil && x != "0" {
			return []string{x}
		}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, idsOf(e)...)
		}
		return out
	}
	return nil
}

func idKind(action, key string) string {
	if k, ok := auditIDKeys[action+"/"+key]; ok {
		return k
	}
	return auditIDKeys[key]
}

// AuditRows renders entries for reader p: names, targets and details. Each
// object type's resolver is asked once for all the ids of the page.
func (s *Server) AuditRows(ctx context.Context, p *auth.Principal, entries []audit.Entry) ([]AuditRow, error) {
	return s.auditRows(ctx, p, entries, map[string]map[string]AuditTarget{})
}

// auditRows is AuditRows with names already resolved (kind → id → target),
// which it adds to: an export passes the same map for every batch.
func (s *Server) auditRows(ctx context.Context, p *auth.Principal, entries []audit.Entry, names map[string]map[string]AuditTarget) ([]AuditRow, error) {
	want := map[string]map[string]bool{}
	ask := func(kind, id string) {
		if kind == "" || id == "" {
			return
		}
		if _, done := names[kind][id]; done {
			return
		}
		if want[kind] == nil {
			want[kind] = map[string]bool{}
		}
		want[kind][id] = true
	}
	details := make([][]detailPair, len(entries))
	for i, e := range entries {
		ask(e.ObjectType, e.ObjectID)
		pairs, _ := parseDetail(e.Detail)
		details[i] = pairs
		for _, kv := range pairs {
			kind := idKind(e.Action, kv.Key)
			if kv.Key == "ref_id" {
				kind = refKind(pairs)
			}
			for _, id := range idsOf(kv.Value) {
				ask(kind, id)
			}
			if m, ok := kv.Value.(map[string]any); ok { // before/after
				for k, v := range m {
					for _, id := range idsOf(v) {
						ask(idKind(e.Action, k), id)
					}
				}
			}
		}
	}
	s.auditViews.mu.RLock()
	resolvers := s.auditViews.resolvers
	valuers := s.auditViews.valuers
	s.auditViews.mu.RUnlock()
	kinds := make([]string, 0, len(want))
	for k := range want {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		fn := resolvers[kind]
		if fn == nil {
			continue
		}
		ids := make([]string, 0, len(want[kind]))
		for id := range want[kind] {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		got, err := fn(ctx, p, ids)
		if err != nil {
			return nil, err
		}
		if names[kind] == nil {
			names[kind] = map[string]AuditTarget{}
		}
		for _, id := range ids {
			t, ok := got[id]
			if !ok {
				t = AuditTarget{} // gone: remembered, named generically
			}
			names[kind][id] = t
		}
	}
	target := func(kind, id string) AuditTarget {
		if t, ok := names[kind][id]; ok && t.Label != "" {
			return t
		}
		if kind == "" {
			return AuditTarget{Label: id}
		}
		if _, err := strconv.ParseInt(id, 10, 64); err == nil {
			return AuditTarget{Label: i18n.T("audit.object_number", "kind", audit.ObjectName(kind), "id", id)}
		}
		return AuditTarget{Label: id}
	}
	out := make([]AuditRow, len(entries))
	for i, e := range entries {
		row := AuditRow{Entry: e, ActionName: audit.ActionName(e.Action), ObjectKind: audit.ObjectName(e.ObjectType),
			Roles: rolesLabel(e.Role), Outcome: i18n.T("audit.outcome." + outcomeCode(e.Outcome))}
		if e.ObjectID != "" {
			row.Object = target(e.ObjectType, e.ObjectID)
		}
		var value func(key string, v any) string
		value = func(key string, v any) string {
			if kind := idKind(e.Action, key); kind != "" {
				if n, ok := v.(json.Number); v == nil || ok && n.String() == "0" {
					return i18n.T("audit.value_none")
				}
				if ids := idsOf(v); len(ids) > 0 {
					labels := make([]string, 0, len(ids))
					for _, id := range ids {
						labels = append(labels, target(kind, id).Label)
					}
					return strings.Join(labels, "、")
				}
			}
			if m, ok := v.(map[string]any); ok {
				return auditMap(m, value)
			}
			if str, ok := v.(string); ok {
				for prefix, fns := range valuers {
					if strings.HasPrefix(e.Action, prefix) {
						for _, fn := range fns {
							if l, ok := fn(ctx, e, key, str); ok {
								return l
							}
						}
					}
				}
			}
			return auditValue(key, v)
		}
		if details[i] == nil {
			if note := auditNote(e.Detail); note != "" {
				row.Detail = []AuditField{{Label: i18n.T("audit.detail"), Value: note}}
			}
		}
		for _, kv := range details[i] {
			f := AuditField{Label: auditFieldLabel(kv.Key)}
			kind := idKind(e.Action, kv.Key)
			if kv.Key == "ref_id" {
				kind = refKind(details[i])
			}
			if ids := idsOf(kv.Value); kind != "" && len(ids) > 0 {
				var labels []string
				for _, id := range ids {
					t := target(kind, id)
					labels = append(labels, t.Label)
					if len(ids) == 1 {
						f.Href = t.Href
					}
				}
				f.Value = strings.Join(labels, "、")
			} else {
				f.Value = value(kv.Key, kv.Value)
			}
			row.Detail = append(row.Detail, f)
		}
		out[i] = row
	}
	return out, nil
}

// refKind: a case link's ref_id is of the kind its detail says.
func refKind(pairs []detailPair) string {
	for _, kv := range pairs {
		if kv.Key == "kind" {
			if k, ok := kv.Value.(string); ok {
				return k
			}
		}
	}
	return ""
}

func outcomeCode(o string) string {
	switch o {
	case audit.Success, audit.Failure, audit.Denied:
		return o
	}
	return audit.Failure
}

// rolesLabel names the roles an entry records ("community_admin" or several
// joined by commas).
func rolesLabel(s string) string {
	if s == "" {
		return ""
	}
	var out []string
	for _, r := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		ro := auth.Role(r)
		if ro.Valid() || ro == "system" {
			out = append(out, i18n.T(ro.LabelKey()))
		} else {
			out = append(out, r)
		}
	}
	return strings.Join(out, "、")
}

func auditFieldLabel(key string) string {
	if auditFieldNamed[key] {
		return i18n.T("audit.field." + key)
	}
	return key
}

// auditMap renders a nested object ("before": {"name": …}) as one line.
func auditMap(m map[string]any, value func(string, any) string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, auditFieldLabel(k)+"："+value(k, m[k]))
	}
	return strings.Join(parts, "；")
}

// auditValue renders one value readably: yes/no, numbers, lists, roles and
// lines by their names.
func auditValue(key string, v any) string {
	switch x := v.(type) {
	case nil:
		return i18n.T("audit.value_none")
	case bool:
		if x {
			return i18n.T("common.yes")
		}
		return i18n.T("common.no")
	case json.Number:
		if f, err := x.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return strconv.FormatInt(int64(f), 10)
		}
		return x.String()
	case string:
		switch key {
		case "roles", "role":
			if r := auth.Role(x); r.Valid() {
				return i18n.T(r.LabelKey())
			}
		case "lines":
			if auth.ValidLine(x) {
				return i18n.T("line." + x)
			}
		}
		if x == "" {
			return i18n.T("audit.value_none")
		}
		return x
	case []any:
		if len(x) == 0 {
			return i18n.T("audit.value_none")
		}
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, auditValue(key, e))
		}
		return strings.Join(parts, "、")
	case map[string]any:
		return auditMap(x, auditValue)
	}
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(v)
	return strings.TrimSpace(b.String())
}

// auditNote renders a plain-text detail: known phrases in Chinese.
func auditNote(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	var out []string
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		code := strings.ReplaceAll(part, " ", "_")
		switch {
		case auditNoteKnown[code]:
			out = append(out, i18n.T("audit.note."+code))
		case strings.HasPrefix(part, "origin="):
			out = append(out, i18n.T("audit.note_origin", "origin", strings.TrimPrefix(part, "origin=")))
		default:
			out = append(out, part)
		}
	}
	return strings.Join(out, "；")
}

// AuditEach builds a resolver from fn, which names one object by its numeric
// id (ok false: gone). Not-found errors count as gone.
func AuditEach(fn func(ctx context.Context, p *auth.Principal, id int64) (AuditTarget, bool, error)) AuditResolver {
	return func(ctx context.Context, p *auth.Principal, ids []string) (map[string]AuditTarget, error) {
		out := map[string]AuditTarget{}
		for _, s := range ids {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				continue
			}
			t, ok, err := fn(ctx, p, id)
			if errors.Is(err, auth.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if ok {
				out[s] = t
			}
		}
		return out, nil
	}
}

// AuditReader is the principal under which resolvers read names past the
// reader's scope: the auditor reads the whole log.
var AuditReader = auth.System("audit-names")

// AuditChainNames names the log's chains (audit.Partition) for reader p: a
// community's or street's chain by the org unit's name, as the org module
// resolves it, partition 0 as the administration's.
func (s *Server) AuditChainNames(ctx context.Context, p *auth.Principal, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	var units []string
	for _, id := range ids {
		if id == 0 {
			out[0] = i18n.T("audit.chain_admin")
			continue
		}
		units = append(units, strconv.FormatInt(id, 10))
	}
	if len(units) == 0 {
		return out, nil
	}
	s.auditViews.mu.RLock()
	fn := s.auditViews.resolvers["org_unit"]
	s.auditViews.mu.RUnlock()
	var got map[string]AuditTarget
	if fn != nil {
		var err error
		if got, err = fn(ctx, p, units); err != nil {
			return nil, err
		}
	}
	for _, u := range units {
		id, _ := strconv.ParseInt(u, 10, 64)
		if t, ok := got[u]; ok && t.Label != "" {
			out[id] = t.Label
		} else {
			out[id] = i18n.T("audit.chain_unit", "id", u)
		}
	}
	return out, nil
}

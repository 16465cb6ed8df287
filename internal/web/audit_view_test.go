package web

import (
	"context"
	"strings"
	"testing"

	"linli/internal/audit"
	"linli/internal/auth"
)

// Details read as named rows: nested before/after on one line each, ids by
// the names their module gives, none as 无, yes/no, login notes in Chinese,
// an undeclared key as it is, never JSON.
func TestAuditDetailsReadable(t *testing.T) {
	s := &Server{}
	s.AddAuditTarget("org_unit", func(_ context.Context, _ *auth.Principal, ids []string) (map[string]AuditTarget, error) {
		out := map[string]AuditTarget{}
		for _, id := range ids {
			if id == "7" {
				out[id] = AuditTarget{Label: "网格甲", Href: "/org/7"}
			}
		}
		return out, nil
	})
	entries := []audit.Entry{
		{Action: "building.update", ObjectType: "user", ObjectID: "3", Detail: `{"before":{"name":"甲楼","grid_id":7},"after":{"name":"乙楼","grid_id":0}}`},
		{Action: "login", Role: "grid_worker", Detail: "web; second factor pending"},
		{Action: "case.comment", Detail: `{"public_reply":true,"files":2,"grid_id":7,"foo_bar":"x"}`},
		{Action: "no.such_action", ObjectType: "no_such_type", ObjectID: "9"},
	}
	rows, err := s.AuditRows(context.Background(), &auth.Principal{}, entries)
	if err != nil {
		t.Fatal(err)
	}
	got := func(r AuditRow) string {
		var parts []string
		for _, f := range r.Detail {
			parts = append(parts, f.Label+"="+f.Value+map[bool]string{true: "@" + f.Href}[f.Href != ""])
		}
		return strings.Join(parts, " | ")
	}
	want := []string{
		"修改前=网格：网格甲；名称：甲楼 | 修改后=网格：无；名称：乙楼",
		"详情=网页登录；待二次验证",
		"有给居民的回复=是 | 附件数=2 | 网格=网格甲@/org/7 | foo_bar=x",
		"",
	}
	for i, r := range rows {
		if g := got(r); g != want[i] {
			t.Errorf("entry %d: %q, want %q", i, g, want[i])
		}
	}
	if rows[0].Object.Label != "账号 #3" || rows[1].Roles != "网格员" {
		t.Errorf("object %q, roles %q", rows[0].Object.Label, rows[1].Roles)
	}
	if r := rows[3]; r.ActionName != "未登记的操作（no.such_action）" || r.ObjectKind != "其他对象" || r.Object.Label != "其他对象 #9" {
		t.Errorf("unknown action and type: %q %q %q", r.ActionName, r.ObjectKind, r.Object.Label)
	}
}

package cases_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/cases"
	"linli/internal/i18n"
)

// people is a stand-in for the registry's "person" link kind: the registry
// registers the real one.
type people map[int64]cases.Ref

func (pp people) Resolve(_ context.Context, p *auth.Principal, id int64) (cases.Ref, error) {
	r, ok := pp[id]
	if !ok || !p.Scope.Allows(r.CommunityID, r.GridID) {
		return cases.Ref{}, auth.ErrNotFound
	}
	return r, nil
}

func (pp people) Search(_ context.Context, p *auth.Principal, q string, _ int) ([]cases.Ref, error) {
	var out []cases.Ref
	for _, r := range pp {
		if strings.Contains(r.Label, q) && p.Scope.Allows(r.CommunityID, r.GridID) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Links to dwellings and people show on the household file; parties who are
// registry people count as links to them; duplicates merge; escalation by hand.
func TestLinksPartiesMergeEscalate(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		s.RegisterLinkKind(cases.LinkPerson, people{7001: {ID: 7001, Label: "张*", CommunityID: w.C1, GridID: w.GridA, Href: "/registry/people/7001"}})
		leader := w.Principal(t, "community_admin")
		gwB := w.Principal(t, "grid_worker")
		reqA, reqB := w.Objects["case"][apptest.InA], w.Objects["case"][apptest.InB]
		dwA := w.Objects["dwelling"][apptest.InA]

		rel, err := s.RelatedTo(ctx, leader, cases.LinkDwelling, []int64{dwA})
		mustNil(t, err)
		if len(rel) != 1 || rel[0].ID != reqA || rel[0].Type != "居民诉求" || !strings.HasPrefix(rel[0].Number, "SQ") {
			t.Fatalf("related to the dwelling: %+v", rel)
		}
		if rel, _ := s.RelatedTo(ctx, w.Principal(t, "community_admin_c2"), cases.LinkDwelling, []int64{dwA}); len(rel) != 0 {
			t.Fatalf("another community sees it: %+v", rel)
		}
		// A link needs a target the user may see.
		var verrs *i18n.Errors
		if err := s.AddLink(ctx, leader, reqA, cases.LinkDwelling, w.Objects["dwelling"][apptest.InD]); !errors.As(err, &verrs) {
			t.Fatalf("link to another community's dwelling: %v", err)
		}
		if err := s.AddLink(ctx, leader, reqA, cases.LinkDwelling, dwA); err == nil {
			t.Fatal("linked twice")
		}
		hits, err := s.SearchLinks(ctx, leader, cases.LinkDwelling, "甲楼 101")
		mustNil(t, err)
		if len(hits) != 1 || hits[0].ID != dwA {
			t.Fatalf("dwelling search: %+v", hits)
		}
		// A dispute party who is a registry person relates the dispute to them.
		dis := w.Objects["case_dispute"][apptest.InA]
		mustNil(t, s.AddParty(ctx, gwB, dis, cases.PartyInput{Role: "respondent", PersonID: 7001}))
		rel, _ = s.RelatedTo(ctx, leader, cases.LinkPerson, []int64{7001})
		if len(rel) != 1 || rel[0].ID != dis {
			t.Fatalf("related to the person: %+v", rel)
		}
		if err := s.AddParty(ctx, gwB, dis, cases.PartyInput{Role: "respondent", PersonID: 9999}); !errors.As(err, &verrs) {
			t.Fatalf("unknown person accepted: %v", err)
		}

		// Merging a duplicate: it closes into the other, leaves the rates, hands on its links.
		if err := s.Merge(ctx, gwB, reqB, "x", ""); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker merged: %v", err)
		}
		if err := s.Merge(ctx, leader, reqB, "SQ20990101999999", ""); !errors.As(err, &verrs) {
			t.Fatalf("merge into nothing: %v", err)
		}
		target := stage(t, s, leader, reqA)
		mustNil(t, s.Merge(ctx, leader, reqB, target.Number(), "同一工地"))
		dup := stage(t, s, leader, reqB)
		if dup.Open() || dup.MergedInto != reqA {
			t.Fatalf("merged: %+v", dup)
		}
		links, _ := s.Links(ctx, leader, reqA)
		if len(links) != 2 {
			t.Fatalf("links after merge: %+v", links)
		}
		if err := s.Transition(ctx, leader, reqB, cases.TransitionInput{Action: "accept"}); err == nil {
			t.Fatal("a merged case moved on")
		}

		// Escalation by hand: a grid event goes to the community with a reason.
		ev := w.Objects["case_event"][apptest.InA]
		if err := s.Escalate(ctx, gwB, ev, ""); !errors.As(err, &verrs) {
			t.Fatalf("escalate without reason: %v", err)
		}
		mustNil(t, s.Escalate(ctx, gwB, ev, "涉及多个部门，网格无法处理"))
		c := stage(t, s, leader, ev)
		if c.Level != cases.LevelCommunity || c.HolderOrgID != w.C1 || c.Escalations != 1 {
			t.Fatalf("escalated: %+v", c)
		}
		// Now the grid worker no longer acts on it; the community does.
		if err := s.Transition(ctx, gwB, ev, cases.TransitionInput{Action: "register"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker acts after escalation: %v", err)
		}
		mustNil(t, s.Escalate(ctx, leader, ev, "疑难问题，提请街道"))
		// The street holds it now; the case still lies in its community (its
		// rows' key, which Citus may not change).
		if c := stage(t, s, leader, ev); c.Level != cases.LevelStreet || c.HolderOrgID != w.Street || c.CommunityID != w.C1 || c.GridID != w.GridA {
			t.Fatalf("escalated to the street: level %s holder %d community %d grid %d", c.Level, c.HolderOrgID, c.CommunityID, c.GridID)
		}
		if err := s.Escalate(ctx, w.Principal(t, "street_admin"), ev, "无处可升"); err == nil {
			t.Fatal("escalated beyond the street")
		}
		var alerts int
		mustNil(t, w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_alert WHERE user_id = ? AND case_id = ?`, w.Users["street_admin"], ev).Scan(&alerts))
		if alerts != 1 {
			t.Fatalf("street alerts: %d", alerts)
		}
		list, unread, err := s.Alerts(ctx, w.Principal(t, "street_admin"), 10)
		mustNil(t, err)
		if unread != 1 || len(list) != 1 || list[0].Kind != "escalated" {
			t.Fatalf("alerts: %d %+v", unread, list)
		}
		mustNil(t, s.MarkAlertsRead(ctx, w.Principal(t, "street_admin")))
		if _, unread, _ := s.Alerts(ctx, w.Principal(t, "street_admin"), 10); unread != 0 {
			t.Fatal("alerts still unread")
		}
	})
}

// A duplicate merges into a case of its own community: a case's rows live
// with it, keyed by its community, and the merged one points at the other by
// that key. Across communities the street is told so, and nothing changes.
func TestMergeStaysInItsCommunity(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		street := w.Principal(t, "street_admin")
		inA, inD := w.Objects["case"][apptest.InA], w.Objects["case"][apptest.InD]
		target := stage(t, s, street, inA)
		var verrs *i18n.Errors
		err := s.Merge(ctx, street, inD, target.Number(), "同一问题")
		if !errors.As(err, &verrs) || !strings.Contains(verrs.For("into"), "只能并入本社区的事项") || !strings.Contains(verrs.For("into"), target.Number()) {
			t.Fatalf("merged into another community's case: %v", err)
		}
		if dup := stage(t, s, street, inD); !dup.Open() || dup.MergedInto != 0 || dup.CommunityID != w.C2 {
			t.Fatalf("the refused duplicate changed: %+v", dup)
		}
		// Within a community it merges.
		inB := w.Objects["case"][apptest.InB]
		mustNil(t, s.Merge(ctx, street, inB, target.Number(), "同一问题"))
		if dup := stage(t, s, street, inB); dup.MergedInto != inA || dup.MergedNumber != target.Number() {
			t.Fatalf("merged within the community: %+v", dup)
		}
	})
}

// The system administrator changes limits and categories, or a whole
// definition; nothing that cases use can disappear.
func TestTypeConfiguration(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		sys := w.Principal(t, "sys_admin")
		leader := w.Principal(t, "community_admin")
		t0, _ := s.Type(ctx, "request")
		basics := cases.TypeBasics{Respond: "4h", Resolve: "3d", RemindHours: "4", EscalateDays: "1", Categories: cases.CategoryLines(t0) + "elevator|电梯故障|2d|2h\n"}
		if err := s.SaveTypeBasics(ctx, leader, "request", basics); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("leader configured: %v", err)
		}
		mustNil(t, s.SaveTypeBasics(ctx, sys, "request", basics))
		t1, _ := s.Type(ctx, "request")
		if r, res := t1.Limits("elevator"); r.Hours != 2 || res.Days != 2 || t1.Resolve.Days != 3 {
			t.Fatalf("limits: %+v %+v", r, res)
		}
		// A new category is usable at once, with its own limit.
		id, err := s.Create(ctx, leader, cases.CreateInput{Type: "request", Category: "elevator", Title: "电梯困人", GridID: w.GridA})
		mustNil(t, err)
		c := stage(t, s, leader, id)
		cal, _ := w.App.Calendar.Calendar(ctx)
		if got := cal.WorkdaysBetween(timeOf(c.CreatedAt), timeOf(c.DueAt)); got != 2 {
			t.Fatalf("due after %d working days", got)
		}
		// Removing a category cases use is refused, naming it.
		var verrs *i18n.Errors
		err = s.SaveTypeBasics(ctx, sys, "request", cases.TypeBasics{Respond: "4h", Resolve: "3d", RemindHours: "4", EscalateDays: "1", Categories: "other|其他"})
		if !errors.As(err, &verrs) || !strings.Contains(verrs.Error(), "噪音扰民") {
			t.Fatalf("removing used categories: %v", err)
		}
		if err := s.SaveTypeBasics(ctx, sys, "request", cases.TypeBasics{Respond: "soon", Resolve: "3d", RemindHours: "4", EscalateDays: "1", Categories: "other|其他"}); !errors.As(err, &verrs) || verrs.For("respond") == "" {
			t.Fatalf("bad limit: %v", err)
		}
		// A broken definition is refused with the reason.
		bad := strings.Replace(cases.TypeJSON(t1), `"to": "accepted"`, `"to": "nowhere"`, 1)
		if err := s.SaveTypeJSON(ctx, sys, bad); !errors.As(err, &verrs) || !strings.Contains(verrs.Error(), "目标环节“nowhere”不存在") {
			t.Fatalf("broken JSON accepted: %v", err)
		}
		// Every refusal of the JSON editor reads in Chinese and says where.
		broken := cases.TypeJSON(t1)
		for _, tc := range []struct{ name, def, want string }{
			{"syntax", strings.Replace(broken, `"to": "accepted",`, `"to": "accepted"`, 1), "第 "},
			{"type", strings.Replace(broken, `"prefix": "SQ"`, `"prefix": 12`, 1), "“prefix”的值类型不对，应为 文字"},
			{"unknown key", strings.Replace(broken, `"prefix": "SQ"`, `"prefx": "SQ"`, 1), "未知的键“prefx”"},
			{"empty", "  ", "定义为空"},
			{"rule", strings.Replace(broken, `"prefix": "SQ"`, `"prefix": "sq"`, 1), "编号前缀 prefix“sq”须为 1–4 个大写字母"},
		} {
			err := s.SaveTypeJSON(ctx, sys, tc.def)
			if !errors.As(err, &verrs) || !strings.Contains(verrs.For("config"), tc.want) {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if msg := verrs.For("config"); regexp.MustCompile(`json:|invalid character|cannot unmarshal|[a-z]+ %q`).MatchString(msg) {
				t.Errorf("%s: the reason is not in Chinese: %s", tc.name, msg)
			}
		}
		// A new type (信访) by JSON.
		petition := strings.NewReplacer(`"code": "request"`, `"code": "petition"`, `"name": "居民诉求"`, `"name": "信访事项"`, `"prefix": "SQ"`, `"prefix": "XF"`, `"open311": true,`, ``).Replace(cases.TypeJSON(t0))
		mustNil(t, s.SaveTypeJSON(ctx, sys, petition))
		if pt, ok := s.Type(ctx, "petition"); !ok || pt.Prefix != "XF" {
			t.Fatal("new type missing")
		}
		// Back to the shipped definition: not while a case uses the added category.
		if err := s.ResetType(ctx, sys, "request"); !errors.As(err, &verrs) || !strings.Contains(verrs.Error(), "电梯故障") {
			t.Fatalf("reset while the category is used: %v", err)
		}
		mustNil(t, s.ResetType(ctx, sys, "petition") /* not built in */)
	})
}

func timeOf(ms int64) time.Time { return time.UnixMilli(ms) }

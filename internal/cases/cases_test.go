package cases_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/cases"
	"linli/internal/i18n"
)

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func step(t *testing.T, s *cases.Service, p *auth.Principal, id int64, in cases.TransitionInput) {
	t.Helper()
	if err := s.Transition(context.Background(), p, id, in); err != nil {
		t.Fatalf("%s: %v", in.Action, err)
	}
}

func stage(t *testing.T, s *cases.Service, p *auth.Principal, id int64) *cases.Case {
	t.Helper()
	c, err := s.Get(context.Background(), p, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A phone request runs its whole life: taken in (首接), accepted, dispatched to
// a grid worker, sent back (退单) and approved by the dispatcher, dispatched
// again, handled, fed back, visited and closed; the resident's own request is
// rated unsatisfied and reopened from the portal.
func TestRequestLifecycle(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		leader := w.Principal(t, "community_admin")
		gw := w.Principal(t, "grid_worker")
		street := w.Principal(t, "street_admin")
		id, err := s.Create(ctx, leader, cases.CreateInput{Type: "request", Category: "property", Title: "电梯停运三天", Description: "3幢电梯", Source: "phone",
			GridID: w.GridA, ReporterName: "王大妈", ReporterPhone: "139 0000 1111"})
		mustNil(t, err)
		c := stage(t, s, leader, id)
		if c.Stage != "new" || c.FirstContactID != w.Users["community_admin"] || c.PhoneMask != "139****1111" || c.Level != cases.LevelCommunity || c.HolderOrgID != w.C1 {
			t.Fatalf("created: %+v", c)
		}
		if !strings.HasPrefix(c.Number(), "SQ") {
			t.Fatalf("number %s", c.Number())
		}
		if got, ok := cases.ParseNumber(c.Number()); !ok || got != id {
			t.Fatalf("ParseNumber(%s) = %d", c.Number(), got)
		}
		// The grid worker may not accept a request the community holds.
		if err := s.Transition(ctx, gw, id, cases.TransitionInput{Action: "accept"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker accepted: %v", err)
		}
		step(t, s, leader, id, cases.TransitionInput{Action: "accept"})
		if c = stage(t, s, leader, id); c.RespondedAt == 0 || c.Stage != "accepted" {
			t.Fatalf("accepted: %+v", c)
		}
		// Dispatch needs someone to dispatch to.
		var verrs *i18n.Errors
		if err := s.Transition(ctx, leader, id, cases.TransitionInput{Action: "dispatch"}); !errors.As(err, &verrs) {
			t.Fatalf("dispatch without assignee: %v", err)
		}
		step(t, s, leader, id, cases.TransitionInput{Action: "dispatch", AssigneeID: w.Users["grid_worker"], HolderOrgID: w.GridA})
		c = stage(t, s, gw, id)
		if c.AssigneeID != w.Users["grid_worker"] || c.Level != cases.LevelGrid || c.HolderOrgID != w.GridA {
			t.Fatalf("dispatched: %+v", c)
		}
		// Another grid worker's account may not be assigned: not reaching grid A.
		if err := s.Transition(ctx, leader, id, cases.TransitionInput{Action: "dispatch", AssigneeID: w.Users["target_user"]}); err == nil {
			t.Fatal("dispatch from the wrong stage went through")
		}
		// 退单: the assignee sends it back with a reason; the dispatcher decides.
		if err := s.Transition(ctx, gw, id, cases.TransitionInput{Action: "return"}); !errors.As(err, &verrs) || verrs.For("note") == "" {
			t.Fatalf("return without reason: %v", err)
		}
		step(t, s, gw, id, cases.TransitionInput{Action: "return", Note: "不属于网格职责，应由物业处理"})
		if err := s.Transition(ctx, gw, id, cases.TransitionInput{Action: "return_approve"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker approved its own send-back: %v", err)
		}
		step(t, s, leader, id, cases.TransitionInput{Action: "return_approve"})
		if c = stage(t, s, leader, id); c.Stage != "accepted" || c.AssigneeID != 0 {
			t.Fatalf("after send-back: %+v", c)
		}
		step(t, s, leader, id, cases.TransitionInput{Action: "dispatch", AssigneeID: w.Users["grid_worker"]})
		// Someone else than the assignee may not handle it, except a dispatcher.
		if err := s.Transition(ctx, street, id, cases.TransitionInput{Action: "handle", Fields: map[string]string{"outcome": "resolved"}, Note: "x"}); err != nil {
			// The street administrator is a dispatcher: allowed.
			t.Fatalf("street handles: %v", err)
		}
		c = stage(t, s, leader, id)
		if !c.Resolved.Valid || !c.Resolved.Bool || c.Stage != "handled" {
			t.Fatalf("handled: %+v", c)
		}
		step(t, s, leader, id, cases.TransitionInput{Action: "feedback", Fields: map[string]string{"channel": "phone"}, Note: "已电话告知"})
		step(t, s, leader, id, cases.TransitionInput{Action: "visit", Rating: cases.RatingSatisfied})
		c = stage(t, s, leader, id)
		if c.Open() || c.Rating != cases.RatingSatisfied || c.StageName() != "已办结" {
			t.Fatalf("closed: %+v", c)
		}
		evs, err := s.Timeline(ctx, leader, id)
		mustNil(t, err)
		if len(evs) != 9 {
			t.Fatalf("timeline has %d entries", len(evs))
		}

		// The resident's own request, from the portal.
		resident := w.Principal(t, "resident")
		own := w.Objects["case_own"][apptest.InA]
		if _, err := s.Get(ctx, resident, w.Objects["case"][apptest.InA]); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("resident sees another's request: %v", err)
		}
		list, total, err := s.List(ctx, resident, cases.Filter{})
		mustNil(t, err)
		if total != 1 || list[0].ID != own {
			t.Fatalf("resident's list: %d", total)
		}
		step(t, s, leader, own, cases.TransitionInput{Action: "accept"})
		step(t, s, leader, own, cases.TransitionInput{Action: "handle", Fields: map[string]string{"outcome": "resolved"}, Note: "已换灯泡"})
		step(t, s, leader, own, cases.TransitionInput{Action: "feedback", Fields: map[string]string{"channel": "portal"}, Note: "已修好"})
		// Staff cannot rate in the resident's name; the resident can.
		if err := s.Transition(ctx, leader, own, cases.TransitionInput{Action: "rate", Rating: cases.RatingSatisfied}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("staff rated: %v", err)
		}
		step(t, s, resident, own, cases.TransitionInput{Action: "rate", Rating: cases.RatingUnsatisfied, Reopen: true, Note: "还是不亮"})
		c = stage(t, s, resident, own)
		if !c.Open() || c.Stage != "accepted" || c.Reopened != 1 || c.Rating != "" || c.Resolved.Valid {
			t.Fatalf("reopened: %+v", c)
		}
		// Dispatched to a grid worker, the request (filed without a grid) moves into
		// their grid, so that they see it.
		if _, err := s.Get(ctx, gw, own); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid worker sees a request of no grid: %v", err)
		}
		step(t, s, leader, own, cases.TransitionInput{Action: "dispatch", AssigneeID: w.Users["grid_worker"]})
		if c = stage(t, s, gw, own); c.GridID != w.GridA || c.AssigneeID != w.Users["grid_worker"] {
			t.Fatalf("dispatched into the grid: %+v", c)
		}
		pub, err := s.Timeline(ctx, resident, own)
		mustNil(t, err)
		for _, e := range pub {
			if !e.Public {
				t.Fatalf("resident sees internal entry %s", e.Kind)
			}
		}
	})
}

// Dispute, hazard and grid event each run to the end with their documents.
func TestDisputeHazardAndEvent(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		gw := w.Principal(t, "grid_worker")
		leader := w.Principal(t, "community_admin")
		sw := w.Principal(t, "social_worker") // 民政 only

		// Dispute: found on patrol, accepted, mediated, agreement, performance visit.
		dis, err := s.Create(ctx, gw, cases.CreateInput{Type: "dispute", Category: "neighbour", Title: "楼上漏水纠纷", GridID: w.GridA, Source: "patrol"})
		mustNil(t, err)
		if _, err := s.Get(ctx, sw, dis); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("a 民政 social worker sees a 综治 dispute: %v", err)
		}
		step(t, s, gw, dis, cases.TransitionInput{Action: "accept"})
		mustNil(t, s.AddParty(ctx, gw, dis, cases.PartyInput{Role: "applicant", Name: "张三", Phone: "13900001111"}))
		mustNil(t, s.AddParty(ctx, gw, dis, cases.PartyInput{Role: "respondent", Name: "李四", Address: "3幢502"}))
		mustNil(t, s.AddSession(ctx, gw, dis, cases.Session{HeldOn: "2026-03-02", Mediators: "刘洋", Notes: "双方到场，同意赔偿"}))
		var verrs *i18n.Errors
		if err := s.Transition(ctx, gw, dis, cases.TransitionInput{Action: "agree"}); !errors.As(err, &verrs) || verrs.For("document") == "" {
			t.Fatalf("agreement without document: %v", err)
		}
		mustNil(t, s.SaveDocument(ctx, gw, dis, cases.DocAgreement, map[string]string{"committee": "一号社区人民调解委员会", "facts": "楼上漏水", "terms": "赔偿800元",
			"performance": "一次性现金支付", "perform_by": "2026-03-10", "mediators": "刘洋", "made_on": "2026-03-02"}))
		step(t, s, gw, dis, cases.TransitionInput{Action: "agree"})
		step(t, s, gw, dis, cases.TransitionInput{Action: "perform_visit", Fields: map[string]string{"performance": "performed"}, Rating: cases.RatingSatisfied})
		c := stage(t, s, gw, dis)
		if c.Open() || !c.Resolved.Bool || c.StageName() != "已履行回访" {
			t.Fatalf("dispute: %+v", c)
		}
		parties, _ := s.Parties(ctx, gw, dis)
		if len(parties) != 2 || parties[0].PhoneMask != "139****1111" {
			t.Fatalf("parties: %+v", parties)
		}

		// Hazard: the notice's deadline becomes the due time.
		haz, err := s.Create(ctx, gw, cases.CreateInput{Type: "hazard", Category: "fire", Title: "消防通道堆放杂物", GridID: w.GridA})
		mustNil(t, err)
		deadline := time.Now().AddDate(0, 0, 20).Format(time.DateOnly)
		mustNil(t, s.SaveDocument(ctx, gw, haz, cases.DocNotice, map[string]string{"target": "3幢业主", "problems": "堆放杂物", "requirements": "三日内清理",
			"deadline": deadline, "issuer": "一号社区居委会", "issued_on": time.Now().Format(time.DateOnly)}))
		step(t, s, gw, haz, cases.TransitionInput{Action: "notify"})
		c = stage(t, s, gw, haz)
		if got := time.UnixMilli(c.DueAt).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04"); got != deadline+" 17:30" {
			t.Fatalf("due from the notice: %s", got)
		}
		step(t, s, gw, haz, cases.TransitionInput{Action: "rectified", Note: "已清理", Files: []cases.Upload{{Name: "after.png", Data: apptest.TinyPNG}}})
		step(t, s, gw, haz, cases.TransitionInput{Action: "fail", Note: "仍有杂物", Fields: map[string]string{"deadline": time.Now().AddDate(0, 0, 5).Format(time.DateOnly)}})
		step(t, s, gw, haz, cases.TransitionInput{Action: "rectified", Note: "已全部清理"})
		step(t, s, gw, haz, cases.TransitionInput{Action: "pass"})
		if c = stage(t, s, gw, haz); c.Open() || !c.Resolved.Bool {
			t.Fatalf("hazard: %+v", c)
		}

		// Grid event: 上报 by a 楼栋长, 立案, 派遣, 处置, 核查, 结案.
		vol := w.Principal(t, "volunteer")
		ev, err := s.Create(ctx, vol, cases.CreateInput{Type: "grid_event", Category: "facility", Title: "路灯不亮", GridID: w.GridA, Location: "甲区东门"})
		mustNil(t, err)
		if _, err := s.Get(ctx, vol, w.Objects["case_event"][apptest.InA]); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("volunteer sees events of others: %v", err)
		}
		if err := s.Transition(ctx, vol, ev, cases.TransitionInput{Action: "register"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("volunteer registered: %v", err)
		}
		step(t, s, gw, ev, cases.TransitionInput{Action: "register"})
		step(t, s, gw, ev, cases.TransitionInput{Action: "dispatch", HolderOrgID: w.C1})
		if c = stage(t, s, gw, ev); c.Level != cases.LevelCommunity {
			t.Fatalf("dispatched up: %+v", c)
		}
		step(t, s, leader, ev, cases.TransitionInput{Action: "handle", Fields: map[string]string{"outcome": "resolved"}, Note: "已报修"})
		step(t, s, leader, ev, cases.TransitionInput{Action: "verify"})
		step(t, s, leader, ev, cases.TransitionInput{Action: "close"})
		if c = stage(t, s, vol, ev); c.Open() {
			t.Fatalf("event: %+v", c)
		}
	})
}

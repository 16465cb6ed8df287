package cases_test

import (
	"context"
	"errors"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/cases"
)

func hasAction(trs []cases.Transition, code string) bool {
	for _, tr := range trs {
		if tr.Code == code {
			return true
		}
	}
	return false
}

// Get decides once what its reader may do with a case (Case.Access), which
// the pages, the API and the portal only read: the community's dispatcher
// works a case the community holds, the grid worker of its grid only reads it,
// the resident rates their own request once it is fed back, and a request
// merged away says where it went though the resident cannot read that case.
func TestGetDecidesCaseAccess(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		leader := w.Principal(t, "community_admin")
		gw := w.Principal(t, "grid_worker")
		resident := w.Principal(t, "resident")
		id, err := s.Create(ctx, leader, cases.CreateInput{Type: "request", Category: "property", Title: "楼道灯坏", Source: "phone",
			GridID: w.GridA, ReporterName: "李阿姨", ReporterPhone: "139 0000 2222"})
		mustNil(t, err)
		target := stage(t, s, leader, id)
		if a := target.Access; !a.Work || !a.Merge || !a.Escalate || !a.Reveal || a.Rate != "" || !hasAction(a.Actions, "accept") {
			t.Fatalf("the dispatcher's access: %+v", a)
		}
		if a := stage(t, s, gw, id).Access; a.Work || a.Merge || a.Escalate || !a.Reveal || len(a.Actions) != 0 {
			t.Fatalf("the grid worker's access to a case the community holds: %+v", a)
		}

		own := w.Objects["case_own"][apptest.InA]
		step(t, s, leader, own, cases.TransitionInput{Action: "accept"})
		step(t, s, leader, own, cases.TransitionInput{Action: "handle", Fields: map[string]string{"outcome": "resolved"}, Note: "已换灯泡"})
		step(t, s, leader, own, cases.TransitionInput{Action: "feedback", Fields: map[string]string{"channel": "portal"}, Note: "已修好"})
		if a := stage(t, s, resident, own).Access; a.Rate != "rate" || a.Work || a.Merge || a.Reveal {
			t.Fatalf("the resident's access to their request: %+v", a)
		}
		if a := stage(t, s, leader, own).Access; a.Rate != "" || !a.Work {
			t.Fatalf("staff may rate in the resident's name: %+v", a)
		}

		mustNil(t, s.Merge(ctx, leader, own, target.Number(), "同一盏灯"))
		c := stage(t, s, resident, own)
		if c.MergedNumber != target.Number() || c.Access.Rate != "" || len(c.Access.Actions) != 0 {
			t.Fatalf("merged request: number %q, access %+v", c.MergedNumber, c.Access)
		}
		if _, err := s.Get(ctx, resident, id); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("the resident reads the case their request went into: %v", err)
		}
	})
}

// A reader who does not work cases (a volunteer) lists what they reported
// whichever bucket is asked for, on every path that lists (the service
// decides it, not the page).
func TestVolunteersListWhatTheyReported(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		vol := w.Principal(t, "volunteer")
		ev, err := s.Create(ctx, vol, cases.CreateInput{Type: "grid_event", Category: "facility", Title: "路灯不亮", GridID: w.GridA, Location: "甲区东门"})
		mustNil(t, err)
		for _, mine := range []string{"", cases.MineTodo, cases.MineIntake, cases.MineReported} {
			list, total, err := s.List(ctx, vol, cases.Filter{Mine: mine})
			mustNil(t, err)
			if total != 1 || len(list) != 1 || list[0].ID != ev {
				t.Fatalf("mine=%q: %d cases", mine, total)
			}
		}
		if b, dflt := cases.WorkBuckets(vol); len(b) != 1 || b[0] != cases.MineReported || dflt != cases.MineReported {
			t.Fatalf("a volunteer's buckets: %v, %s", b, dflt)
		}
		if a := stage(t, s, vol, ev).Access; a.Work || a.Reveal || len(a.Actions) != 0 {
			t.Fatalf("the volunteer's access to what they reported: %+v", a)
		}
	})
}

// Merge reads both cases with Get and relies on its scope: every role that may
// merge works cases, whose visibility is the scope.
func TestMergersWorkCases(t *testing.T) {
	for _, r := range auth.AllRoles {
		if auth.RoleHas(r, cases.PermMerge) && !auth.RoleHas(r, cases.PermWork) {
			t.Errorf("%s may merge cases without working them", r)
		}
	}
}

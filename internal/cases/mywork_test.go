package cases_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/cases"
	"linli/internal/db"
)

// The my-work buckets hold exactly the open cases assigned to the user or held,
// unassigned, by one of the user's units — counted and listed alike, in due
// order, page by page.
func TestMyWorkBuckets(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		gw := w.Principal(t, "grid_worker")
		leader := w.Principal(t, "community_admin")
		// The fixture's own open cases are counted before and taken off.
		gwBefore, err := s.MyWork(ctx, gw)
		mustNil(t, err)
		leaderBefore, err := s.MyWork(ctx, leader)
		mustNil(t, err)
		minus := func(a, b cases.WorkCounts) cases.WorkCounts {
			return cases.WorkCounts{Intake: a.Intake - b.Intake, Todo: a.Todo - b.Todo, DueSoon: a.DueSoon - b.DueSoon, Overdue: a.Overdue - b.Overdue, First: a.First - b.First}
		}
		now := db.Now()
		day := int64(24 * time.Hour / time.Millisecond)
		add := func(stage string, holder, assignee int64, due, remind, closed int64) int64 {
			t.Helper()
			level := cases.LevelGrid
			if holder == w.C1 {
				level = cases.LevelCommunity
			}
			grid := w.GridA
			if holder == w.GridB {
				grid = w.GridB
			}
			var ids []int64
			err := w.DB.InTx(ctx, func(tx *db.Tx) error {
				var err error
				ids, err = cases.InsertBulk(ctx, tx, []cases.BulkCase{{Type: "request", Category: "property", Stage: stage, Title: "测试", Source: "phone",
					CommunityID: w.C1, GridID: grid, Level: level, HolderOrgID: holder, AssigneeID: assignee,
					CreatedAt: now - 10*day, RespondDueAt: now - 9*day, DueAt: due, RemindAt: remind, ClosedAt: closed}})
				return err
			})
			mustNil(t, err)
			return ids[0]
		}
		me, other := w.Users["grid_worker"], w.Users["social_worker"]
		assignedWork := add("dispatched", w.GridA, me, now+5*day, now+4*day, 0)
		gridIntakeDueSoon := add("new", w.GridA, 0, now+2*day, now-3600_000, 0)
		gridWorkOverdue := add("accepted", w.GridA, 0, now-day, now-2*day, 0)
		add("accepted", w.GridA, other, now+day, 0, 0)          // a colleague's
		communityIntake := add("new", w.C1, 0, now+3*day, 0, 0) // the community's
		add("closed", w.GridA, me, now+day, 0, now-day)         // closed
		assignedDueSoon := add("accepted", w.GridA, me, now+day, now-60_000, 0)
		add("new", w.GridB, 0, now+day, 0, 0) // another grid's

		counts, err := s.MyWork(ctx, gw)
		mustNil(t, err)
		if want := (cases.WorkCounts{Intake: 1, Todo: 3, DueSoon: 2, Overdue: 1}); minus(counts, gwBefore) != want {
			t.Fatalf("grid worker's counts %+v, want %+v", counts, want)
		}
		list := func(p any, f cases.Filter) ([]int64, int) {
			t.Helper()
			f.Type, f.Category = "request", "property" // only this test's cases
			got, total, err := s.List(ctx, gw, f)
			if p != nil {
				got, total, err = s.List(ctx, leader, f)
			}
			mustNil(t, err)
			var ids []int64
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			return ids, total
		}
		for _, tc := range []struct {
			f     cases.Filter
			ids   []int64
			total int
		}{
			{cases.Filter{Mine: cases.MineTodo}, []int64{gridWorkOverdue, assignedDueSoon, assignedWork}, 3},
			{cases.Filter{Mine: cases.MineTodo, Limit: 2, Offset: 1}, []int64{assignedDueSoon, assignedWork}, 3},
			{cases.Filter{Mine: cases.MineIntake}, []int64{gridIntakeDueSoon}, 1},
			{cases.Filter{Mine: cases.MineDueSoon}, []int64{assignedDueSoon, gridIntakeDueSoon}, 2},
			{cases.Filter{Mine: cases.MineOverdue}, []int64{gridWorkOverdue}, 1},
		} {
			ids, total := list(nil, tc.f)
			if !reflect.DeepEqual(ids, tc.ids) || total != tc.total {
				t.Errorf("%s offset %d: %v of %d, want %v of %d", tc.f.Mine, tc.f.Offset, ids, total, tc.ids, tc.total)
			}
		}
		// The community leader's queue is what the community holds unassigned.
		if ids, total := list(leader, cases.Filter{Mine: cases.MineIntake}); !reflect.DeepEqual(ids, []int64{communityIntake}) || total != 1 {
			t.Errorf("leader's intake %v of %d", ids, total)
		}
		counts, err = s.MyWork(ctx, leader)
		mustNil(t, err)
		if want := (cases.WorkCounts{Intake: 1}); minus(counts, leaderBefore) != want {
			t.Errorf("leader's counts %+v, want %+v", counts, want)
		}
	})
}

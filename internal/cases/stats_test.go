package cases_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/cases"
	"linli/internal/db"
)

var cst = time.FixedZone("CST", 8*3600)

func ms(s string) int64 {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

func yes() sql.NullBool { return sql.NullBool{Valid: true, Bool: true} }
func no() sql.NullBool  { return sql.NullBool{Valid: true, Bool: false} }

// The rates against a fixture counted by hand (see the table in the comments).
func TestRatesHandCounted(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		mk := func(typ string, grid int64, comm int64, created, respDue, responded, due, closed string, resolved sql.NullBool, rating string) cases.BulkCase {
			opt := func(v string) int64 {
				if v == "" {
					return 0
				}
				return ms(v)
			}
			stage := map[string]string{"request": "new", "dispute": "found", "hazard": "found"}[typ]
			return cases.BulkCase{Type: typ, Category: "other", Stage: stage, Title: "统计", Source: "patrol", CommunityID: comm, GridID: grid, Level: "grid", HolderOrgID: grid,
				CreatedAt: ms(created), RespondDueAt: ms(respDue), RespondedAt: opt(responded), DueAt: ms(due), ClosedAt: opt(closed), Resolved: resolved, Rating: rating}
		}
		A, B, D, C1, C2 := w.GridA, w.GridB, w.GridD, w.C1, w.C2
		list := []cases.BulkCase{
			// #  type      grid comm created             respond due          responded           due                 closed              resolved rating
			/*1*/ mk("request", A, C1, "2025-01-10 09:00", "2025-01-10 17:00", "2025-01-10 10:00", "2025-01-17 17:30", "2025-01-16 11:00", yes(), "satisfied"),
			/*2*/ mk("request", A, C1, "2025-01-15 09:00", "2025-01-15 17:00", "2025-01-16 10:00", "2025-01-22 17:30", "2025-01-24 11:00", yes(), "basic"),
			/*3*/ mk("request", B, C1, "2025-02-03 09:00", "2025-02-03 17:00", "2025-02-03 09:30", "2025-02-10 17:30", "2025-02-07 11:00", no(), "unsatisfied"),
			/*4*/ mk("request", B, C1, "2025-02-20 09:00", "2025-02-20 17:00", "", "2025-02-27 17:30", "", sql.NullBool{}, ""),
			/*5*/ mk("request", D, C2, "2025-01-05 09:00", "2025-01-06 17:00", "2025-01-06 09:00", "2025-01-10 17:30", "2025-01-09 11:00", yes(), "satisfied"),
			/*6*/ mk("dispute", A, C1, "2025-01-20 09:00", "2025-01-21 17:30", "2025-01-20 15:00", "2025-03-03 17:30", "2025-02-10 11:00", yes(), ""),
			/*7*/ mk("dispute", B, C1, "2025-03-01 09:00", "2025-03-03 17:30", "2025-03-03 09:00", "2025-04-14 17:30", "2025-03-20 11:00", no(), ""),
			/*8*/ mk("hazard", A, C1, "2025-02-10 09:00", "2025-02-11 17:30", "2025-02-10 16:00", "2025-02-24 17:30", "2025-02-21 11:00", yes(), ""),
			/*9*/ mk("hazard", B, C1, "2025-03-05 09:00", "2025-03-06 17:30", "2025-03-05 10:00", "2025-03-19 17:30", "", sql.NullBool{}, ""),
			/*10*/ mk("hazard", A, C1, "2025-03-06 09:00", "2025-03-07 17:30", "2025-03-06 11:00", "2025-03-20 17:30", "2025-03-07 09:00", sql.NullBool{}, ""),
			/*11*/ mk("request", A, C1, "2025-01-11 09:00", "2025-01-11 17:00", "", "2025-01-18 17:30", "2025-01-11 10:00", sql.NullBool{}, ""), // merged below
			/*12*/ mk("request", A, C1, "2024-12-30 09:00", "2024-12-30 17:00", "2024-12-30 10:00", "2025-01-06 17:30", "2025-01-02 11:00", yes(), "satisfied"),
		}
		var ids []int64
		mustNil(t, w.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			ids, err = cases.InsertBulk(ctx, tx, list)
			return err
		}))
		if _, err := w.DB.ExecContext(ctx, `UPDATE cases SET merged_into = ? WHERE id = ?`, ids[0], ids[10]); err != nil {
			t.Fatal(err)
		}
		f := cases.StatsFilter{From: "2025-01", To: "2025-03"}
		st, err := s.Stats(ctx, w.Principal(t, "street_admin"), f)
		mustNil(t, err)
		tot := st.Total
		want := cases.Counts{Received: 10, RespondBase: 10, RespondedOK: 8, Closed: 8, ClosedOnTime: 7, Judged: 7, Resolved: 5, Rated: 4, Satisfied: 3, Unsatisfied: 1,
			MediationJudged: 2, MediationOK: 1, HazardEngaged: 2, HazardRectified: 1, OverdueOpen: 2, ClosedLate: 1}
		if tot != want {
			t.Fatalf("street totals\n got %+v\nwant %+v", tot, want)
		}
		for got, exp := range map[string]string{tot.ResponseRate(): "80.0%", tot.OnTimeRate(): "87.5%", tot.ResolutionRate(): "71.4%", tot.SatisfactionRate(): "75.0%",
			tot.MediationRate(): "50.0%", tot.RectificationRate(): "50.0%"} {
			if got != exp {
				t.Errorf("rate %s, want %s", got, exp)
			}
		}
		rows := map[string]int{}
		for _, r := range st.Rows {
			rows[strings.Repeat(">", r.Depth)+r.Name] = r.Received
		}
		for name, n := range map[string]int{"测试街道": 10, ">一号社区": 9, ">>网格甲A": 5, ">>网格乙B": 4, ">二号社区": 1, ">>网格丁D": 1} {
			if rows[name] != n {
				t.Errorf("row %s: %d, want %d (rows %v)", name, rows[name], n, rows)
			}
		}
		months := map[string]int{}
		for _, m := range st.Months {
			months[m.Month] = m.Received
		}
		if months["2025-01"] != 4 || months["2025-02"] != 3 || months["2025-03"] != 3 || len(months) != 3 {
			t.Errorf("months: %v", months)
		}
		// Narrower views roll up only what they reach.
		for user, n := range map[string]int{"community_admin": 9, "community_admin_c2": 1, "grid_worker": 5, "social_worker": 4} {
			st, err := s.Stats(ctx, w.Principal(t, user), f)
			mustNil(t, err)
			if st.Total.Received != n {
				t.Errorf("%s sees %d received, want %d", user, st.Total.Received, n)
			}
		}
		// One unit, one type: grid B's hazards.
		st, err = s.Stats(ctx, w.Principal(t, "street_admin"), cases.StatsFilter{OrgID: w.GridB, From: "2025-01", To: "2025-03", Type: "hazard"})
		mustNil(t, err)
		if st.Total.Received != 1 || st.Total.OverdueOpen != 1 || len(st.Rows) != 1 {
			t.Errorf("grid B hazards: %+v", st.Total)
		}
		// A unit outside the scope is not found.
		if _, err := s.Stats(ctx, w.Principal(t, "community_admin"), cases.StatsFilter{OrgID: w.GridD}); err != auth.ErrNotFound {
			t.Errorf("other community's grid: %v", err)
		}
	})
}

package goals_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/goals"
	"linli/internal/i18n"
	"linli/internal/org"
)

func fieldErr(err error, field string) bool {
	var errs *i18n.Errors
	return errors.As(err, &errs) && errs.For(field) != ""
}

func row(t *testing.T, b *goals.Board, code string) goals.Row {
	t.Helper()
	for _, r := range b.Rows {
		if r.Code == code {
			return r
		}
	}
	t.Fatalf("no row %s on the board of %s", code, b.Unit.Name)
	return goals.Row{}
}

// A street's ratio is the ratio of its communities' sums: community 1 has
// 1 of 2 (50 %), community 2 90 of 100 (90 %); the street has 91 of 102
// (89.2 %), not the 70 % the average of the percentages would give.
func TestStreetRatioIsTheRatioOfSums(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Goals
		street := w.Principal(t, "street_admin")
		year := s.ThisYear()
		id, err := s.Define(ctx, street, goals.IndicatorInput{StreetID: w.Street, Name: "测试参保率", Definition: "参保人数 ÷ 应参保人数", Kind: "ratio", Direction: "higher"})
		if err != nil {
			t.Fatal(err)
		}
		code := fmt.Sprintf("entered.%d", id)
		enter := func(c int64, month, n, d, v string) {
			t.Helper()
			if _, err := s.Enter(ctx, street, goals.EntryInput{OrgID: c, Code: code, Month: fmt.Sprintf("%d-%s", year, month), Numerator: n, Denominator: d, Value: v,
				Evidence: "医保系统导出"}); err != nil {
				t.Fatalf("enter %s/%s: %v", n, d, err)
			}
		}
		// An older month of community 1 is replaced by its latest.
		enter(w.C1, "01", "2", "2", "100")
		enter(w.C1, "02", "1", "2", "50")
		enter(w.C2, "01", "90", "100", "90")
		b, err := s.Board(ctx, street, w.Street, year)
		if err != nil {
			t.Fatal(err)
		}
		r := row(t, b, code)
		if !r.HasActual || math.Abs(r.Actual-91.0/102.0) > 1e-12 {
			t.Fatalf("street actual %v, want 91/102 = %v (the average of percentages would be 0.70)", r.Actual, 91.0/102.0)
		}
		if r.ActualText() != "89.2%" {
			t.Fatalf("shown %q", r.ActualText())
		}
		c1, err := s.Board(ctx, street, w.C1, year)
		if err != nil {
			t.Fatal(err)
		}
		if r := row(t, c1, code); r.Actual != 0.5 || !r.Months[0].Has || r.Months[0].Num != 2 || r.Months[1].Num != 1 {
			t.Fatalf("community 1: %+v", r)
		}
		// The ranking puts community 2 (90 %) before community 1 (50 %).
		_, _, rank, err := s.Rank(ctx, street, w.Street, year, code)
		if err != nil {
			t.Fatal(err)
		}
		if len(rank) != 2 || rank[0].Unit.ID != w.C2 || rank[1].Unit.ID != w.C1 || rank[0].Text != "90.0%" {
			t.Fatalf("ranking: %+v", rank)
		}
		// Community 2's leader reaches neither community 1 nor the street.
		c2 := w.Principal(t, "community_admin_c2")
		for _, u := range []int64{w.C1, w.Street, w.GridA} {
			if _, err := s.Board(ctx, c2, u, year); !errors.Is(err, auth.ErrNotFound) {
				t.Fatalf("community 2's leader reads unit %d: %v", u, err)
			}
		}
	})
}

// An entered ratio must be its numerator over its denominator to the
// precision typed; counts need only their value; nothing is saved when
// refused.
func TestEnteredFiguresAreChecked(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Goals
		street := w.Principal(t, "street_admin")
		leader := w.Principal(t, "community_admin")
		year := s.ThisYear()
		ratio, err := s.Define(ctx, street, goals.IndicatorInput{StreetID: w.Street, Name: "测试率", Definition: "口径", Kind: "ratio", Direction: "higher"})
		if err != nil {
			t.Fatal(err)
		}
		zero, err := s.Define(ctx, street, goals.IndicatorInput{StreetID: w.Street, Name: "重大刑事案件", Definition: "口径", Kind: "count", Direction: "zero", Unit: "起"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Define(ctx, leader, goals.IndicatorInput{StreetID: w.Street, Name: "社区定义", Definition: "口径", Kind: "count", Direction: "higher"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("a community defines the street's indicator: %v", err)
		}
		month := fmt.Sprintf("%d-05", year)
		in := goals.EntryInput{OrgID: w.C1, Code: fmt.Sprintf("entered.%d", ratio), Month: month, Numerator: "912", Denominator: "950", Evidence: "导出表"}
		for _, c := range []struct {
			value, num, den, field string
		}{
			{"95", "912", "950", "value"},   // 96.0 %
			{"96.1", "912", "950", "value"}, // 96.0 % to one decimal
			{"", "912", "950", "value"},
			{"50", "1", "0", "denominator"},
			{"120", "12", "10", "numerator"},
			{"abc", "912", "950", "value"},
		} {
			in.Value, in.Numerator, in.Denominator = c.value, c.num, c.den
			if _, err := s.Enter(ctx, leader, in); !fieldErr(err, c.field) {
				t.Fatalf("%s = %s/%s: %v, want a refusal on %s", c.value, c.num, c.den, err, c.field)
			}
		}
		var n int
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM goal_entry WHERE evidence = '导出表'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d entries after refusals (%v)", n, err)
		}
		for _, v := range []string{"96", "96.0", "96.00%"} {
			in.Value, in.Numerator, in.Denominator = v, "912", "950"
			if _, err := s.Enter(ctx, leader, in); err != nil {
				t.Fatalf("%s: %v", v, err)
			}
		}
		// Community 2 is not the leader's.
		in.OrgID = w.C2
		if _, err := s.Enter(ctx, leader, in); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("entry in another community: %v", err)
		}
		// A zero-outcome indicator is green at 0 and red above.
		zin := goals.EntryInput{OrgID: w.C1, Code: fmt.Sprintf("entered.%d", zero), Month: month, Value: "0", Evidence: "派出所通报"}
		if _, err := s.Enter(ctx, leader, zin); err != nil {
			t.Fatal(err)
		}
		b, err := s.Board(ctx, leader, w.C1, year)
		if err != nil {
			t.Fatal(err)
		}
		if r := row(t, b, zin.Code); r.Light != goals.LightGreen || r.TargetText() != "0" {
			t.Fatalf("zero outcome at 0: %+v", r)
		}
		zin.Value = "1"
		if _, err := s.Enter(ctx, leader, zin); err != nil {
			t.Fatal(err)
		}
		if b, err = s.Board(ctx, leader, w.C1, year); err != nil {
			t.Fatal(err)
		}
		if r := row(t, b, zin.Code); r.Light != goals.LightRed {
			t.Fatalf("zero outcome at 1: %s", r.Light)
		}
	})
}

// Targets: a street sets its communities', a community its grids'; not
// their own. The light follows the target and its milestones.
func TestTargetsAndLights(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Goals
		year := s.ThisYear()
		street, leader, gw := w.Principal(t, "street_admin"), w.Principal(t, "community_admin"), w.Principal(t, "grid_worker")
		set := func(p *auth.Principal, org int64, value, ms string) error {
			_, err := s.SetTarget(ctx, p, goals.TargetInput{OrgID: org, Year: year, Code: "cases.on_time_rate", Value: value, Milestones: ms})
			return err
		}
		if err := set(street, w.C1, "95", ""); err != nil {
			t.Fatal(err)
		}
		if err := set(leader, w.GridA, "90", "70,80,85,90"); err != nil {
			t.Fatal(err)
		}
		if err := set(leader, w.C1, "50", ""); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("a community sets its own target: %v", err)
		}
		if err := set(gw, w.GridA, "50", ""); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("a grid worker sets a target: %v", err)
		}
		if err := set(leader, w.GridD, "50", ""); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("a target in another community: %v", err)
		}
		if err := set(leader, w.GridA, "101", ""); !fieldErr(err, "value") {
			t.Fatalf("101 %%: %v", err)
		}
		if err := set(leader, w.GridA, "90", "1,2,3"); !fieldErr(err, "milestones") {
			t.Fatalf("three milestones: %v", err)
		}
		tg, err := s.Targets(ctx, mustUnit(t, s, street, w.GridA), year)
		if err != nil {
			t.Fatal(err)
		}
		if tg["cases.on_time_rate"] == nil || tg["cases.on_time_rate"].Value != 0.9 || len(tg["cases.on_time_rate"].Milestones) != 4 {
			t.Fatalf("grid A's target: %+v", tg["cases.on_time_rate"])
		}
		d := goals.Def{Direction: goals.Higher, Rollup: goals.RollupRatio}
		t90 := &goals.Target{Value: 0.9, Milestones: []float64{0.7, 0.8, 0.85, 0.9}}
		for _, c := range []struct {
			actual float64
			month  int
			want   string
		}{
			{0.92, 12, goals.LightGreen},
			{0.82, 12, goals.LightAmber}, // within 10 % of 0.9
			{0.75, 3, goals.LightAmber},  // on track against Q1's 0.7
			{0.75, 6, goals.LightRed},    // behind Q2's 0.8
			{0.5, 12, goals.LightRed},
		} {
			if got := goals.Light(d, c.actual, true, t90, c.month); got != c.want {
				t.Errorf("%v in month %d: %s, want %s", c.actual, c.month, got, c.want)
			}
		}
		if got := goals.Light(d, 0.5, true, nil, 12); got != goals.LightNone {
			t.Errorf("without a target: %s", got)
		}
		if got := goals.Light(goals.Def{Direction: goals.Lower}, 105, true, &goals.Target{Value: 100}, 12); got != goals.LightAmber {
			t.Errorf("lower is better, 5 %% above: %s", got)
		}
	})
}

func mustUnit(t *testing.T, s *goals.Service, p *auth.Principal, id int64) *org.Unit {
	t.Helper()
	u, err := s.Unit(context.Background(), p, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The case indicators are what /api/v1/cases/stats says for the same unit
// and year, to the last bit: for a community, a grid and the street.
func TestCaseIndicatorsEqualCaseStats(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		// Some of the fixture's cases answered, closed (one late) and rated,
		// so that the rates have bases: the smallest id of each community
		// on time, the largest late and unsatisfied.
		for _, q := range []string{
			`UPDATE cases SET responded_at = respond_due_at - 1, closed_at = due_at - 1, resolved = TRUE, rating = 'satisfied'
				WHERE id IN (SELECT MIN(id) FROM cases GROUP BY community_id)`,
			`UPDATE cases SET responded_at = respond_due_at + 1, closed_at = due_at + 1, resolved = FALSE, rating = 'unsatisfied'
				WHERE id IN (SELECT MAX(id) FROM cases GROUP BY community_id) AND closed_at IS NULL`,
		} {
			if _, err := w.DB.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("street_admin", apptest.Password)
		year := w.App.Goals.ThisYear()
		compared := 0
		for _, org := range []int64{w.C1, w.GridA, w.Street, w.C2} {
			resp, body := c.Get(fmt.Sprintf("/api/v1/indicators?org=%d&year=%d", org, year))
			if resp.StatusCode != 200 {
				t.Fatalf("indicators %d: %d %s", org, resp.StatusCode, body)
			}
			var ind struct {
				Items []struct {
					Code   string   `json:"code"`
					Actual *float64 `json:"actual"`
				} `json:"items"`
			}
			if err := json.Unmarshal([]byte(body), &ind); err != nil {
				t.Fatal(err)
			}
			resp, body = c.Get(fmt.Sprintf("/api/v1/cases/stats?org=%d&from=%d-01&to=%d-12", org, year, year))
			if resp.StatusCode != 200 {
				t.Fatalf("stats %d: %d %s", org, resp.StatusCode, body)
			}
			var st struct {
				Total map[string]float64 `json:"total"`
			}
			if err := json.Unmarshal([]byte(body), &st); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"cases.received": "received", "cases.response_rate": "response_rate", "cases.on_time_rate": "on_time_rate",
				"cases.satisfaction_rate": "satisfaction_rate", "cases.mediation_rate": "mediation_success_rate", "cases.rectification_rate": "rectification_rate"}
			seen := 0
			for _, it := range ind.Items {
				key, ok := want[it.Code]
				if !ok {
					continue
				}
				seen++
				sv := st.Total[key]
				switch {
				case sv == -1 && it.Actual != nil:
					t.Errorf("unit %d %s: %v, stats have no base", org, it.Code, *it.Actual)
				case sv != -1 && (it.Actual == nil || *it.Actual != sv):
					t.Errorf("unit %d %s: %v, stats %v", org, it.Code, it.Actual, sv)
				case sv != -1:
					compared++
				}
			}
			if seen != len(want) {
				t.Fatalf("unit %d: %d of the %d case indicators", org, seen, len(want))
			}
		}
		if compared < 8 {
			t.Fatalf("only %d figures compared: the fixture's cases do not reach the board", compared)
		}
	})
}

// A mismatched entry is refused on its page with the field named and the
// form kept; nothing is saved.
func TestEntryPageRefusesAMismatch(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		var id int64
		if err := w.DB.QueryRowContext(context.Background(), `SELECT id FROM goal_indicator WHERE name = '医保参保率'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		year := w.App.Goals.ThisYear()
		resp, body := c.PostForm(fmt.Sprintf("/goals/entries?org=%d&year=%d", w.C1, year), map[string][]string{"org": {fmt.Sprint(w.C1)},
			"code": {fmt.Sprintf("entered.%d", id)}, "month": {fmt.Sprintf("%d-06", year)}, "numerator": {"912"}, "denominator": {"950"}, "value": {"95.5"},
			"evidence": {"医保导出表"}})
		if resp.StatusCode != 422 || !strings.Contains(body, "填报值 95.5% 与分子 ÷ 分母（96.0%）不符") || !strings.Contains(body, "医保导出表") {
			t.Fatalf("mismatch: %d %s", resp.StatusCode, body)
		}
		var n int
		if err := w.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM goal_entry WHERE evidence = '医保导出表'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d saved (%v)", n, err)
		}
	})
}

// 受教育居民率 is the distinct residents the community's activities reached
// this year over the residents registered; the street's is the ratio of the
// sums, not the average of its communities' rates.
func TestReachRateIsDistinctResidentsOverPeople(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Goals
		street := w.Principal(t, "street_admin")
		year := s.ThisYear()
		sys := auth.System("test")
		reach := func(c int64, n int) {
			t.Helper()
			for i := 1; i <= n; i++ {
				// A person reached many times counts once (n is their attendances).
				if _, err := w.DB.ExecContext(ctx, `INSERT INTO activity_reach (community_id, year, person_id, n) VALUES (?, ?, ?, ?)`, c, year, 900000+c*100+int64(i), i); err != nil {
					t.Fatal(err)
				}
			}
			// Last year's do not count.
			if _, err := w.DB.ExecContext(ctx, `INSERT INTO activity_reach (community_id, year, person_id, n) VALUES (?, ?, ?, 1)`, c, year-1, 800000+c); err != nil {
				t.Fatal(err)
			}
		}
		reach(w.C1, 1)
		reach(w.C2, 3)
		p1, _, err := w.App.Registry.CountIn(ctx, sys, w.C1, 0)
		if err != nil {
			t.Fatal(err)
		}
		p2, _, err := w.App.Registry.CountIn(ctx, sys, w.C2, 0)
		if err != nil {
			t.Fatal(err)
		}
		if p1 == p2 || p1 == 0 || p2 == 0 {
			t.Fatalf("the fixture's communities hold %d and %d people: the average of rates would equal the ratio of sums", p1, p2)
		}
		for _, c := range []struct {
			org  int64
			want float64
		}{{w.C1, 1 / float64(p1)}, {w.C2, 3 / float64(p2)}, {w.Street, 4 / float64(p1+p2)}} {
			b, err := s.Board(ctx, street, c.org, year)
			if err != nil {
				t.Fatal(err)
			}
			r := row(t, b, "activities.reach_rate")
			if !r.HasActual || math.Abs(r.Actual-c.want) > 1e-9 {
				t.Errorf("unit %d: 受教育居民率 %v, want %v", c.org, r.Actual, c.want)
			}
		}
	})
}

package patrols_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/patrols"
)

func TestStartEndAndCorrect(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Patrols
		clock := time.Now().In(locale.Zone).Truncate(time.Minute)
		if clock.Hour() >= 18 || clock.Hour() < 1 {
			clock = time.Date(clock.Year(), clock.Month(), clock.Day(), 9, 0, 0, 0, locale.Zone)
		}
		s.Now = func() time.Time { return clock }
		gw := w.Principal(t, "grid_worker")

		// A grid worker of one grid starts without naming it; a second start
		// returns the patrol already running.
		id, again, err := s.Start(ctx, gw, patrols.StartInput{})
		if err != nil || again {
			t.Fatalf("start: %v, again %v", err, again)
		}
		id2, again, err := s.Start(ctx, gw, patrols.StartInput{GridID: w.GridA})
		if err != nil || !again || id2 != id {
			t.Fatalf("second start: %d (want %d), again %v, %v", id2, id, again, err)
		}
		// Not in another's grid.
		if _, _, err := s.Start(ctx, w.Principal(t, "community_admin_c2"), patrols.StartInput{GridID: w.GridA}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("start outside the scope: %v", err)
		}
		// Only its worker ends it.
		if _, err := s.End(ctx, w.Principal(t, "community_admin"), id); !errors.Is(err, patrols.ErrNotOwn) {
			t.Fatalf("a leader ended the worker's patrol: %v", err)
		}
		clock = clock.Add(47*time.Minute + 30*time.Second)
		pt, err := s.End(ctx, gw, id)
		if err != nil || pt.Minutes != 47 {
			t.Fatalf("end: %v, %d minutes, want 47", err, pt.Minutes)
		}
		if _, err := s.End(ctx, gw, id); !errors.Is(err, patrols.ErrEnded) {
			t.Fatalf("ended twice: %v", err)
		}
		// Corrected the same day: an end before the start is refused, naming the field.
		start := time.UnixMilli(pt.StartedAt).In(locale.Zone)
		var verrs *i18n.Errors
		if err := s.Correct(ctx, gw, id, start, start.Add(-time.Minute)); !errors.As(err, &verrs) || verrs.For("ended_at") == "" {
			t.Fatalf("end before start: %v", err)
		}
		if err := s.Correct(ctx, gw, id, start.Add(-10*time.Minute), start.Add(40*time.Minute)); err != nil {
			t.Fatalf("correct: %v", err)
		}
		got, _ := s.Get(ctx, gw, id)
		if got.Minutes != 50 {
			t.Fatalf("corrected minutes %d, want 50", got.Minutes)
		}
		var n int
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'patrols.correct' AND object_id = ?`, itoa(id)).Scan(&n); err != nil || n != 1 {
			t.Fatalf("correction audited %d times (%v)", n, err)
		}
		// Not the next day.
		clock = clock.Add(24 * time.Hour)
		if err := s.Correct(ctx, gw, id, start, start.Add(30*time.Minute)); err == nil {
			t.Fatal("corrected a patrol of yesterday")
		}

		// A patrol left open counts four hours at most, and a new start
		// closes it at that first.
		id, _, err = s.Start(ctx, gw, patrols.StartInput{})
		if err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(6 * time.Hour)
		id3, again, err := s.Start(ctx, gw, patrols.StartInput{})
		if err != nil || again || id3 == id {
			t.Fatalf("start after a stale patrol: %d, again %v, %v", id3, again, err)
		}
		old, _ := s.Get(ctx, gw, id)
		if old.Open() || old.Minutes != patrols.MaxOpen {
			t.Fatalf("the stale patrol: open %v, %d minutes", old.Open(), old.Minutes)
		}
	})
}

func TestTrackPointsNeedConsent(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Patrols
		gw := w.Principal(t, "grid_worker")
		id, _, err := s.Start(ctx, gw, patrols.StartInput{})
		if err != nil {
			t.Fatal(err)
		}
		pt := []patrols.Point{{Lat: 30.27, Lng: 120.13, AccuracyM: 10}}
		if _, err := s.AddPoints(ctx, gw, id, pt); !errors.Is(err, patrols.ErrNoConsent) {
			t.Fatalf("points without consent: %v", err)
		}
		var n int
		_ = w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM patrol_point`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d points stored without consent", n)
		}
		if _, err := s.End(ctx, gw, id); err != nil {
			t.Fatal(err)
		}
		id, _, err = s.Start(ctx, gw, patrols.StartInput{TrackConsent: true})
		if err != nil {
			t.Fatal(err)
		}
		if k, err := s.AddPoints(ctx, gw, id, append(pt, patrols.Point{Lat: 30.28, Lng: 120.14})); err != nil || k != 2 {
			t.Fatalf("points with consent: %d, %v", k, err)
		}
		// Someone else's patrol: refused, also to a leader who sees it.
		if _, err := s.AddPoints(ctx, w.Principal(t, "community_admin"), id, pt); !errors.Is(err, patrols.ErrNotOwn) {
			t.Fatalf("points for another's patrol: %v", err)
		}
		if _, err := s.AddPoints(ctx, w.Principal(t, "community_admin_c2"), id, pt); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("points for a patrol outside the scope: %v", err)
		}
		var verrs *i18n.Errors
		if _, err := s.AddPoints(ctx, gw, id, []patrols.Point{{Lat: 91, Lng: 120}}); !errors.As(err, &verrs) || verrs.For("points") == "" {
			t.Fatalf("a point off the globe: %v", err)
		}
		if _, err := s.AddPoints(ctx, gw, id, []patrols.Point{{At: time.Now().Add(-time.Hour).UnixMilli(), Lat: 30, Lng: 120}}); !errors.As(err, &verrs) {
			t.Fatalf("a point before the patrol: %v", err)
		}
		got, _ := s.Get(ctx, gw, id)
		if got.Points != 2 {
			t.Fatalf("%d points, want 2", got.Points)
		}
	})
}

func TestScope(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Patrols
		for user, want := range map[string][]apptest.Where{
			"grid_worker":        {apptest.InA},
			"community_admin":    {apptest.InA, apptest.InB},
			"community_admin_c2": {apptest.InD},
			"street_admin":       {apptest.InA, apptest.InB, apptest.InD},
		} {
			p := w.Principal(t, user)
			list, total, err := s.List(ctx, p, patrols.Filter{})
			if err != nil || total != len(want) || len(list) != len(want) {
				t.Fatalf("%s sees %d patrols (%v), want %d", user, total, err, len(want))
			}
			for _, wh := range []apptest.Where{apptest.InA, apptest.InB, apptest.InD} {
				_, err := s.Get(ctx, p, w.Objects["patrol"][wh])
				if apptest.Reaches(user, wh) != (err == nil) {
					t.Errorf("%s reading the patrol of %v: %v", user, wh, err)
				}
			}
		}
	})
}

// TestStats holds the month's statistics against a hand-counted month.
func TestStats(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Patrols
		sys := auth.System("test")
		m := time.Now().In(locale.Zone).AddDate(0, -2, 0)
		at := func(d, h, min int) int64 {
			return time.Date(m.Year(), m.Month(), d, h, min, 0, 0, locale.Zone).UnixMilli()
		}
		gw, tu, c2 := w.Users["grid_worker"], w.Users["target_user"], w.Users["community_admin_c2"]
		_, err := s.ImportPast(ctx, sys, []patrols.Past{
			{UserID: gw, GridID: w.GridA, StartedAt: at(1, 8, 0), EndedAt: at(1, 8, 30)},   // day 1: 30
			{UserID: gw, GridID: w.GridA, StartedAt: at(1, 15, 0), EndedAt: at(1, 15, 40)}, //        +40 = 70, met
			{UserID: gw, GridID: w.GridA, StartedAt: at(2, 9, 0), EndedAt: at(2, 9, 50)},   // day 2: 50, short
			{UserID: gw, GridID: w.GridA, StartedAt: at(5, 9, 0), EndedAt: at(5, 10, 0)},   // day 5: 60, met
			{UserID: tu, GridID: w.GridB, StartedAt: at(1, 9, 0), EndedAt: at(1, 10, 30)},  // day 1: 90, met
			{UserID: c2, GridID: w.GridD, StartedAt: at(3, 9, 0), EndedAt: at(3, 9, 20)},   // day 3: 20, met at 15
			{UserID: gw, GridID: w.GridA, StartedAt: at(6, 9, 0)},                          // open: not counted
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetTarget(ctx, w.Principal(t, "community_admin_c2"), w.C2, 15); err != nil {
			t.Fatal(err)
		}
		month := m.Format("2006-01")
		if _, err := s.Stats(ctx, w.Principal(t, "grid_worker"), patrols.StatsFilter{Month: month}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("a grid worker read the statistics: %v", err)
		}
		st, err := s.Stats(ctx, w.Principal(t, "street_admin"), patrols.StatsFilter{Month: month})
		if err != nil {
			t.Fatal(err)
		}
		type row struct{ days, met, mins, target int }
		want := map[int64]row{gw: {3, 2, 180, 60}, tu: {1, 1, 90, 60}, c2: {1, 1, 20, 15}}
		if len(st.Workers) != len(want) {
			t.Fatalf("%d workers, want %d", len(st.Workers), len(want))
		}
		for _, wr := range st.Workers {
			got := row{wr.PatrolDays, wr.MetDays, wr.Minutes, wr.Target}
			if got != want[wr.UserID] {
				t.Errorf("worker %s: %+v, want %+v", wr.Name, got, want[wr.UserID])
			}
			if wr.UserID == gw && (wr.Days[0].Minutes != 70 || !wr.Days[0].Met || wr.Days[1].Met || wr.Days[2].Minutes != 0) {
				t.Errorf("grid worker's days: %+v", wr.Days[:3])
			}
		}
		comm := map[int64]patrols.RollRow{}
		for _, c := range st.Communities {
			comm[c.ID] = c
		}
		if c := comm[w.C1]; c.Workers != 2 || c.PatrolDays != 4 || c.MetDays != 3 || c.Minutes != 270 {
			t.Errorf("community 1: %+v", c)
		}
		if c := comm[w.C2]; c.Workers != 1 || c.PatrolDays != 1 || c.MetDays != 1 || c.Minutes != 20 {
			t.Errorf("community 2: %+v", c)
		}
		for _, g := range st.Grids {
			if g.ID == w.GridA && (g.PatrolDays != 3 || g.MetDays != 2 || g.Rate() != "66%") {
				t.Errorf("grid A: %+v", g)
			}
		}
		// A leader of community 1 sees only its workers.
		st, err = s.Stats(ctx, w.Principal(t, "community_admin"), patrols.StatsFilter{Month: month})
		if err != nil || len(st.Workers) != 2 || len(st.Communities) != 1 {
			t.Fatalf("community 1's leader: %d workers, %d communities, %v", len(st.Workers), len(st.Communities), err)
		}
		// Narrowed to grid B.
		st, err = s.Stats(ctx, w.Principal(t, "street_admin"), patrols.StatsFilter{Month: month, OrgID: w.GridB})
		if err != nil || len(st.Workers) != 1 || st.Workers[0].UserID != tu {
			t.Fatalf("grid B: %+v, %v", st.Workers, err)
		}
		var verrs *i18n.Errors
		if _, err := s.Stats(ctx, w.Principal(t, "street_admin"), patrols.StatsFilter{Month: "2026-13"}); !errors.As(err, &verrs) {
			t.Fatalf("a month that does not read: %v", err)
		}
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

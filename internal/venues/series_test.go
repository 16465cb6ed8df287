package venues_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/venues"
)

// A weekly series: one occurrence cancelled frees that evening at once (and
// only that one), the page marks it; cancelling from a date on ends the
// series there and keeps the earlier occurrences; a grid worker who did not
// book it may not; a bad date names the field and changes nothing.
func TestSeriesExceptions(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Venues
		leader, gw := w.Principal(t, "community_admin"), w.Principal(t, "grid_worker")
		v := newVenue(t, w, "合唱厅", false)
		start := day(7, 0, 0)
		for start.Weekday() != time.Tuesday {
			start = start.AddDate(0, 0, 1)
		}
		tue := func(i int) time.Time { return start.AddDate(0, 0, 7*i) }
		tued := func(i int) string { return tue(i).Format(time.DateOnly) }
		id, n, err := s.BookSeries(ctx, leader, venues.SeriesInput{VenueID: v, Title: "合唱团排练", BookerKind: venues.BookerTeam, Team: "夕阳红合唱团",
			Weekdays: []string{"2"}, From: tued(0), To: tued(4), StartTime: "19:00", EndTime: "21:00"})
		if err != nil || n != 5 {
			t.Fatalf("series: %d, %v", n, err)
		}
		other := func(i int) error {
			_, err := s.Book(ctx, leader, venues.BookInput{VenueID: v, Title: "讲座", StartsAt: tue(i).Add(19 * time.Hour), EndsAt: tue(i).Add(20 * time.Hour)})
			return err
		}
		if conflictMsg(other(1)) == "" {
			t.Fatal("an occurrence's time was not held")
		}

		// Refused: someone else's series for a grid worker; a day not in it.
		if _, err := s.CancelSeries(ctx, gw, id, venues.SeriesCancel{Mode: "one", Day: tued(1)}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker cancels the leader's series: %v", err)
		}
		_, err = s.CancelSeries(ctx, leader, id, venues.SeriesCancel{Mode: "one", Day: tue(1).AddDate(0, 0, 1).Format(time.DateOnly)})
		if err == nil || !strings.Contains(err.Error(), "没有可取消的场次") {
			t.Fatalf("a Wednesday: %v", err)
		}
		_, err = s.CancelSeries(ctx, leader, id, venues.SeriesCancel{Mode: "one", Day: "2026-13-01"})
		if err == nil || !strings.Contains(err.Error(), "日期") {
			t.Fatalf("a bad date: %v", err)
		}

		// One Tuesday cancelled: its evening is free, the others still clash.
		if n, err := s.CancelSeries(ctx, leader, id, venues.SeriesCancel{Mode: "one", Day: tued(1), Note: "场地检修"}); err != nil || n != 1 {
			t.Fatalf("cancel one: %d, %v", n, err)
		}
		if err := other(1); err != nil {
			t.Fatalf("the cancelled Tuesday is not free: %v", err)
		}
		for _, i := range []int{0, 2, 3, 4} {
			if conflictMsg(other(i)) == "" {
				t.Fatalf("Tuesday %d no longer held", i)
			}
		}
		var audits int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'venues.series_cancel' AND object_id = ?`, fmt.Sprint(id)).Scan(&audits)
		if audits != 1 {
			t.Fatalf("%d audit entries for the cancelled occurrence", audits)
		}

		// From the fourth Tuesday on: two cancelled, the series ends the day before.
		if n, err := s.CancelSeries(ctx, leader, id, venues.SeriesCancel{Mode: "from", Day: tued(3)}); err != nil || n != 2 {
			t.Fatalf("cancel from: %d, %v", n, err)
		}
		sr, err := s.GetSeries(ctx, leader, id)
		if err != nil {
			t.Fatal(err)
		}
		var st []string
		for _, b := range sr.Occurrences {
			st = append(st, b.Status)
		}
		if got := strings.Join(st, ","); got != "approved,cancelled,approved,cancelled,cancelled" || sr.To != tue(3).AddDate(0, 0, -1).Format(time.DateOnly) ||
			len(sr.Except) != 1 || sr.Except[0] != tued(1) {
			t.Fatalf("the series after cancelling: %s, to %s, except %v", got, sr.To, sr.Except)
		}
		if err := other(4); err != nil {
			t.Fatalf("the last Tuesday is not free: %v", err)
		}

		// The pages: the occurrences with the cancelled ones marked, the form.
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		resp, body := c.Get(fmt.Sprintf("/venues/series/%d", id))
		if resp.StatusCode != 200 || strings.Count(body, `vn-occ cancelled`) != 3 || strings.Count(body, `vn-occ approved`) != 2 || !strings.Contains(body, "夕阳红合唱团") {
			t.Fatalf("series page: %d\n%s", resp.StatusCode, body)
		}
		if resp, body := c.Get(fmt.Sprintf("/venues/series/%d/cancel?day=%s", id, tued(2))); resp.StatusCode != 200 || !strings.Contains(body, `id="series-cancel-form"`) {
			t.Fatalf("cancel form: %d", resp.StatusCode)
		}
		resp, body = c.PostForm(fmt.Sprintf("/venues/series/%d/cancel", id), url.Values{"mode": {"sometimes"}, "day": {tued(2)}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "取消方式") {
			t.Fatalf("a bad mode: %d", resp.StatusCode)
		}
		resp, _ = c.PostForm(fmt.Sprintf("/venues/series/%d/cancel", id), url.Values{"mode": {"one"}, "day": {tued(2)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("cancel on the page: %d", resp.StatusCode)
		}
		if err := other(2); err != nil {
			t.Fatalf("the Tuesday cancelled on the page is not free: %v", err)
		}
		// The rest from its first day: nothing left to cancel, the form is a conflict.
		if n, err := s.CancelSeries(ctx, leader, id, venues.SeriesCancel{Mode: "from", Day: tued(0)}); err != nil || n != 1 {
			t.Fatalf("cancel the rest: %d, %v", n, err)
		}
		if resp, _ := c.Get(fmt.Sprintf("/venues/series/%d/cancel", id)); resp.StatusCode != http.StatusConflict {
			t.Fatalf("cancel form of a spent series: %d", resp.StatusCode)
		}
	})
}

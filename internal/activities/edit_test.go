package activities_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"linli/internal/activities"
	"linli/internal/apptest"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/venues"
)

// An edit changes a published activity: a quota below the places taken is
// refused, a move onto a clashing booking is refused with the venue's
// message and changes nothing (the old booking stays), and a good edit
// moves the booking to the new venue and lets the waiting list up into the
// larger quota. A cancelled activity is not edited.
func TestEdit(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Activities
		s.People = fakePeople{w.C1}
		leader := w.Principal(t, "community_admin")
		room := func(name string) int64 {
			id, err := w.App.Venues.CreateVenue(ctx, leader, venues.VenueInput{OrgID: w.C1, Name: name, Kind: "activity_room", Capacity: 40,
				Hours: venues.ParseHours(""), BookStaff: true})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		room1, room2 := room("一号活动室"), room("二号活动室")
		d := time.Now().In(locale.Zone).AddDate(0, 0, 6)
		start := time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, locale.Zone)
		in := activities.Input{OrgID: w.C1, Title: "插花课", Topic: "culture", Format: "training", StartsAt: start, EndsAt: start.Add(2 * time.Hour), Quota: 2,
			VenueID: room1, Publish: true}
		id, err := s.Create(ctx, leader, in)
		if err != nil {
			t.Fatal(err)
		}
		other := in
		other.Title, other.StartsAt, other.EndsAt = "书法课", start.Add(4*time.Hour), start.Add(6*time.Hour)
		if _, err := s.Create(ctx, leader, other); err != nil {
			t.Fatal(err)
		}
		for _, person := range []int64{501, 502, 503} {
			if _, err := s.SignUp(ctx, leader, id, person); err != nil {
				t.Fatal(err)
			}
		}
		booking := func(venue int64) (n int, from int64) {
			if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(starts_at), 0) FROM venue_booking WHERE venue_id = ? AND source = 'activity'
				AND source_ref = ? AND status IN ('pending', 'approved')`, venue, id).Scan(&n, &from); err != nil {
				t.Fatal(err)
			}
			return
		}
		var verrs *i18n.Errors
		low := in
		low.Quota = 1
		if err := s.Update(ctx, leader, id, low); !errors.As(err, &verrs) || !strings.Contains(verrs.For("quota"), "2") {
			t.Fatalf("a quota below the accepted: %v", err)
		}
		clash := in
		clash.Title, clash.StartsAt, clash.EndsAt = "插花课（改期）", other.StartsAt.Add(time.Hour), other.EndsAt.Add(time.Hour)
		if err := s.Update(ctx, leader, id, clash); !errors.As(err, &verrs) || !strings.Contains(verrs.For("venue_id"), "书法课") {
			t.Fatalf("a clash: %v", err)
		}
		a, _ := s.Get(ctx, leader, id)
		if a.Title != "插花课" || a.StartsAt != start.UnixMilli() || a.Quota != 2 {
			t.Fatalf("refused edits changed the activity: %+v", a)
		}
		if n, from := booking(room1); n != 1 || from != start.UnixMilli() {
			t.Fatalf("the old booking after a refused move: %d from %d", n, from)
		}

		good := in
		good.Title, good.Quota, good.VenueID, good.Speakers = "插花入门课", 3, room2, "王老师"
		good.StartsAt, good.EndsAt = start.Add(30*time.Minute), start.Add(150*time.Minute)
		if err := s.Update(ctx, leader, id, good); err != nil {
			t.Fatalf("edit: %v", err)
		}
		a, _ = s.Get(ctx, leader, id)
		if a.Title != "插花入门课" || a.VenueID != room2 || a.Quota != 3 || a.Accepted != 3 || a.Waiting != 0 || a.Speakers != "王老师" ||
			a.StartsAt != good.StartsAt.UnixMilli() || a.Status != activities.StatusPublished {
			t.Fatalf("after the edit: %+v", a)
		}
		if n, _ := booking(room1); n != 0 {
			t.Fatal("the old venue is still booked")
		}
		if n, from := booking(room2); n != 1 || from != good.StartsAt.UnixMilli() {
			t.Fatalf("the new venue's booking: %d from %d", n, from)
		}
		var audits int
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'activities.update'`).Scan(&audits); err != nil || audits != 1 {
			t.Fatalf("edit audits: %d %v", audits, err)
		}
		if err := s.Cancel(ctx, leader, id, "老师有事"); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(ctx, leader, id, good); !errors.Is(err, activities.ErrState) {
			t.Fatalf("editing a cancelled activity: %v", err)
		}
	})
}

// The edit page is the activity's form filled from it; a refused save
// answers 422 with the field's message and the posted values.
func TestEditPage(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Activities
		s.People = fakePeople{w.C1}
		start := soon(96 * time.Hour)
		id := newActivity(t, w, "合唱排练", 3, start)
		for _, person := range []int64{601, 602} {
			if _, err := s.SignUp(ctx, w.Principal(t, "community_admin"), id, person); err != nil {
				t.Fatal(err)
			}
		}
		leader := apptest.NewClient(t, w.Server(t).URL).Login("community_admin", apptest.Password)
		path := fmt.Sprintf("/activities/%d/edit", id)
		resp, body := leader.Get(path)
		if resp.StatusCode != 200 || !strings.Contains(body, `value="合唱排练"`) || !strings.Contains(body, `value="`+start.Format("15:04")+`"`) ||
			!strings.Contains(body, `action="`+path+`"`) {
			t.Fatalf("the edit page: %d\n%s", resp.StatusCode, body)
		}
		form := url.Values{"title": {"合唱排练（加场）"}, "topic": {"culture"}, "format": {"show"}, "day": {start.Format(time.DateOnly)},
			"start": {start.Format("15:04")}, "end": {start.Add(time.Hour).Format("15:04")}, "quota": {"1"}}
		resp, body = leader.PostForm(path, form)
		if resp.StatusCode != 422 || !strings.Contains(body, "名额不能少于 2") || !strings.Contains(body, `value="合唱排练（加场）"`) {
			t.Fatalf("a quota below the accepted: %d\n%s", resp.StatusCode, body)
		}
		form.Set("quota", "2")
		if resp, body = leader.PostForm(path, form); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != fmt.Sprintf("/activities/%d", id) {
			t.Fatalf("the edit: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		if a, _ := s.Get(ctx, w.Principal(t, "community_admin"), id); a.Title != "合唱排练（加场）" || a.Quota != 2 || a.Format != "show" {
			t.Fatalf("after the edit: %+v", a)
		}
	})
}

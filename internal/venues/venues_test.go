package venues_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/venues"
)

// day returns a local date n days ahead at hh:mm.
func day(n, hh, mm int) time.Time {
	d := time.Now().In(locale.Zone).AddDate(0, 0, n)
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, locale.Zone)
}

func newVenue(t *testing.T, w *apptest.World, name string, approval bool) int64 {
	t.Helper()
	id, err := w.App.Venues.CreateVenue(context.Background(), w.Principal(t, "community_admin"), venues.VenueInput{OrgID: w.C1, Name: name,
		Kind: "activity_room", Capacity: 30, Hours: venues.ParseHours(""), BookStaff: true, BookTeams: true, BookResidents: true, NeedsApproval: approval})
	if err != nil {
		t.Fatalf("create venue: %v", err)
	}
	return id
}

func conflictMsg(err error) string {
	var ie *i18n.Error
	if errors.As(err, &ie) && ie.Code == "conflict" {
		return ie.Error()
	}
	return ""
}

// A second booking of a held time is refused by the database, naming the
// first; a refused or cancelled booking frees its time; bad input names
// the field and saves nothing.
func TestBookCollideApproveRelease(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Venues
		gw, leader := w.Principal(t, "grid_worker"), w.Principal(t, "community_admin")
		v := newVenue(t, w, "测试活动室", true)

		// The grid worker's booking waits for approval and holds its time.
		first, err := s.Book(ctx, gw, venues.BookInput{VenueID: v, Title: "书法班", BookerKind: venues.BookerTeam, Team: "墨香书法队",
			StartsAt: day(3, 14, 0), EndsAt: day(3, 16, 0)})
		if err != nil {
			t.Fatalf("book: %v", err)
		}
		b, _ := s.GetBooking(ctx, gw, first)
		if b.Status != venues.StatusPending || b.Access.Approve || !b.Access.Cancel {
			t.Fatalf("grid worker's booking: %s, access %+v", b.Status, b.Access)
		}
		// An overlapping time is refused, naming the booking and its time.
		_, err = s.Book(ctx, leader, venues.BookInput{VenueID: v, Title: "党员会", StartsAt: day(3, 15, 30), EndsAt: day(3, 17, 0)})
		msg := conflictMsg(err)
		if !strings.Contains(msg, "书法班") || !strings.Contains(msg, "墨香书法队") || !strings.Contains(msg, "14:00–16:00") {
			t.Fatalf("overlap: %v (message %q)", err, msg)
		}
		// Touching times are not a collision.
		if _, err := s.Book(ctx, leader, venues.BookInput{VenueID: v, Title: "党员会", StartsAt: day(3, 16, 0), EndsAt: day(3, 17, 0)}); err != nil {
			t.Fatalf("touching booking: %v", err)
		}
		// The leader approves; twice is refused.
		if err := s.Approve(ctx, leader, first, ""); err != nil {
			t.Fatalf("approve: %v", err)
		}
		if err := s.Approve(ctx, leader, first, ""); !errors.Is(err, venues.ErrNotPending) {
			t.Fatalf("approved twice: %v", err)
		}
		// Cancelled, its time is free again.
		if err := s.Cancel(ctx, gw, first, ""); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		if _, err := s.Book(ctx, leader, venues.BookInput{VenueID: v, Title: "党员会二", StartsAt: day(3, 14, 0), EndsAt: day(3, 16, 0)}); err != nil {
			t.Fatalf("booking the freed time: %v", err)
		}
		// A refusal needs its reason and frees the time.
		p2, err := s.Book(ctx, gw, venues.BookInput{VenueID: v, Title: "舞蹈", StartsAt: day(4, 9, 0), EndsAt: day(4, 10, 0)})
		if err != nil {
			t.Fatal(err)
		}
		var verrs *i18n.Errors
		if err := s.Refuse(ctx, leader, p2, " "); !errors.As(err, &verrs) || verrs.For("note") == "" {
			t.Fatalf("refusal without a reason: %v", err)
		}
		if err := s.Refuse(ctx, leader, p2, "当天有检查"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Book(ctx, gw, venues.BookInput{VenueID: v, Title: "舞蹈", StartsAt: day(4, 9, 0), EndsAt: day(4, 10, 0)}); err != nil {
			t.Fatalf("booking the refused time: %v", err)
		}

		// Bad input names the field; nothing is saved.
		var before int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM venue_booking`).Scan(&before)
		for _, c := range []struct {
			in    venues.BookInput
			field string
		}{
			{venues.BookInput{VenueID: v, StartsAt: day(5, 9, 0), EndsAt: day(5, 10, 0)}, "title"},
			{venues.BookInput{VenueID: v, Title: "x", StartsAt: day(5, 9, 15), EndsAt: day(5, 10, 0)}, "starts_at"},
			{venues.BookInput{VenueID: v, Title: "x", StartsAt: day(5, 10, 0), EndsAt: day(5, 9, 0)}, "ends_at"},
			{venues.BookInput{VenueID: v, Title: "x", StartsAt: day(5, 6, 0), EndsAt: day(5, 9, 0)}, "starts_at"},
			{venues.BookInput{VenueID: v, Title: "x", StartsAt: day(-2, 9, 0), EndsAt: day(-2, 10, 0)}, "starts_at"},
			{venues.BookInput{VenueID: v, Title: "x", BookerKind: venues.BookerTeam, StartsAt: day(5, 9, 0), EndsAt: day(5, 10, 0)}, "team"},
			{venues.BookInput{VenueID: v, Title: "x", Attendees: 31, StartsAt: day(5, 9, 0), EndsAt: day(5, 10, 0)}, "attendees"},
		} {
			_, err := s.Book(ctx, gw, c.in)
			if !errors.As(err, &verrs) || verrs.For(c.field) == "" {
				t.Errorf("%+v: %v, want a message on %s", c.in, err, c.field)
			}
		}
		var after int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM venue_booking`).Scan(&after)
		if after != before {
			t.Fatalf("refused bookings saved: %d → %d", before, after)
		}
		// Another community's leader does not see the venue.
		if _, err := s.Get(ctx, w.Principal(t, "community_admin_c2"), v); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("outside the scope: %v", err)
		}
	})
}

// A weekly series is all or nothing: one taken Tuesday refuses the whole
// series and names the date; the dates skipped are not booked.
func TestSeries(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Venues
		leader := w.Principal(t, "community_admin")
		v := newVenue(t, w, "合唱室", false)
		// The next four Tuesdays from a week ahead.
		start := day(7, 0, 0)
		for start.Weekday() != time.Tuesday {
			start = start.AddDate(0, 0, 1)
		}
		tue := func(i int) string { return start.AddDate(0, 0, 7*i).Format(time.DateOnly) }
		taken := start.AddDate(0, 0, 14)
		if _, err := s.Book(ctx, leader, venues.BookInput{VenueID: v, Title: "讲座", StartsAt: taken.Add(19*time.Hour + 30*time.Minute),
			EndsAt: taken.Add(20*time.Hour + 30*time.Minute)}); err != nil {
			t.Fatal(err)
		}
		in := venues.SeriesInput{VenueID: v, Title: "合唱团排练", BookerKind: venues.BookerTeam, Team: "夕阳红合唱团", Weekdays: []string{"2"},
			From: tue(0), To: tue(3), StartTime: "19:00", EndTime: "21:00"}
		_, _, err := s.BookSeries(ctx, leader, in)
		if msg := conflictMsg(err); !strings.Contains(msg, tue(2)) || strings.Contains(msg, tue(1)) {
			t.Fatalf("series over a taken Tuesday: %v", err)
		}
		var n int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM venue_booking WHERE venue_id = ? AND title = '合唱团排练'`, v).Scan(&n)
		if n != 0 {
			t.Fatalf("a refused series left %d bookings", n)
		}
		// Skipping that Tuesday, the series books the other three.
		in.Except = []string{tue(2)}
		id, n2, err := s.BookSeries(ctx, leader, in)
		if err != nil || n2 != 3 || id == 0 {
			t.Fatalf("series: %d occurrences, %v", n2, err)
		}
		list, _, err := s.ListBookings(ctx, leader, venues.Filter{VenueID: v, Q: "合唱团排练", From: tue(0)})
		if err != nil || len(list) != 3 || list[0].Day != tue(0) || list[2].Day != tue(3) || list[0].SeriesID != id {
			t.Fatalf("the series' bookings: %d, %v", len(list), err)
		}
	})
}

// 200 requests for the same slot at once: exactly one 201, every other a
// 409 naming it; then overlapping different ranges at once never both win.
func TestConcurrentBookings(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		v := newVenue(t, w, "抢订室", false)
		path := fmt.Sprintf("/api/v1/venues/%d/bookings", v)
		from, to := day(2, 10, 0), day(2, 11, 0)
		body := fmt.Sprintf(`{"starts_at":%q,"ends_at":%q,"title":"同一时段"}`, from.Format(time.RFC3339), to.Format(time.RFC3339))
		const n = 200
		codes := make([]int, n)
		bodies := make([]string, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				resp, b := c.JSON("POST", path, body)
				codes[i], bodies[i] = resp.StatusCode, b
			}(i)
		}
		wg.Wait()
		won := 0
		for i, code := range codes {
			switch code {
			case http.StatusCreated:
				won++
			case http.StatusConflict:
				if !strings.Contains(bodies[i], "同一时段") || !strings.Contains(bodies[i], "10:00–11:00") {
					t.Fatalf("409 without naming the booking: %s", bodies[i])
				}
			default:
				t.Fatalf("request %d: %d %s", i, code, bodies[i])
			}
		}
		if won != 1 {
			t.Fatalf("%d requests won the same slot", won)
		}

		// Ranges of one to three hours starting every half hour, all at once.
		var mu sync.Mutex
		type span struct{ from, to time.Time }
		var wins []span
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				f := day(3, 8, 0).Add(time.Duration(i%20) * 30 * time.Minute)
				e := f.Add(time.Duration(2+i%5) * 30 * time.Minute)
				resp, b := c.JSON("POST", path, fmt.Sprintf(`{"starts_at":%q,"ends_at":%q,"title":"区间%d"}`, f.Format(time.RFC3339), e.Format(time.RFC3339), i))
				switch resp.StatusCode {
				case http.StatusCreated:
					mu.Lock()
					wins = append(wins, span{f, e})
					mu.Unlock()
				case http.StatusConflict:
				default:
					t.Errorf("range %d: %d %s", i, resp.StatusCode, b)
				}
			}(i)
		}
		wg.Wait()
		if len(wins) == 0 {
			t.Fatal("no range won")
		}
		for i := range wins {
			for j := i + 1; j < len(wins); j++ {
				if wins[i].from.Before(wins[j].to) && wins[j].from.Before(wins[i].to) {
					t.Fatalf("overlapping bookings both made: %v and %v", wins[i], wins[j])
				}
			}
		}
		var slots, held int
		w.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM venue_booking_slot WHERE venue_id = ?`, v).Scan(&slots)
		w.DB.QueryRowContext(context.Background(), `SELECT COALESCE(SUM((ends_at - starts_at) / 1800000), 0) FROM venue_booking WHERE venue_id = ?`, v).Scan(&held)
		if slots != held {
			t.Fatalf("%d slots held for %d half hours booked", slots, held)
		}
	})
}

// The pages: a booking made on the week page, a second of the same time
// refused with 409 naming the first; the API's 201 and 409; the resident's
// portal request waits for approval, shows on their person page and is
// approved by the leader.
func TestPagesAPIAndPortal(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		srv := w.Server(t)
		leader := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		v := newVenue(t, w, "页面室", true)
		d := day(5, 0, 0).Format(time.DateOnly)
		form := url.Values{"day": {d}, "start": {"09:00"}, "end": {"10:30"}, "title": {"读书会"}, "booker_kind": {"staff"}}
		resp, body := leader.PostForm(fmt.Sprintf("/venues/%d", v), form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("book on the page: %d %s", resp.StatusCode, body)
		}
		form.Set("title", "另一个会")
		form.Set("start", "10:00")
		resp, body = leader.PostForm(fmt.Sprintf("/venues/%d", v), form)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "读书会") || !strings.Contains(body, "09:00–10:30") {
			t.Fatalf("second booking on the page: %d", resp.StatusCode)
		}
		resp, body = leader.Get(fmt.Sprintf("/venues/%d?week=%s", v, d))
		if resp.StatusCode != 200 || !strings.Contains(body, "读书会") {
			t.Fatalf("week page: %d", resp.StatusCode)
		}
		for _, p := range []string{"/venues", "/venues/day?date=" + d, "/venues/bookings", "/venues/usage", fmt.Sprintf("/venues/%d/weekly/new", v), "/venues/new"} {
			if resp, _ := leader.Get(p); resp.StatusCode != 200 {
				t.Errorf("GET %s: %d", p, resp.StatusCode)
			}
		}
		for _, p := range []string{"/venues/export", "/venues/bookings/export", "/venues/usage/export"} {
			if resp, _ := leader.Get(p); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheet") {
				t.Errorf("GET %s: %d %s", p, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		// The API: a venue and its booking, then the same time again.
		resp, body = leader.JSON("POST", "/api/v1/venues", `{"name":"接口会议室","capacity":12}`)
		var created struct{ ID int64 }
		if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(body), &created) != nil || created.ID == 0 {
			t.Fatalf("API create venue: %d %s", resp.StatusCode, body)
		}
		bk := fmt.Sprintf(`{"starts_at":%q,"ends_at":%q,"title":"接口会"}`, day(6, 14, 0).Format(time.RFC3339), day(6, 15, 0).Format(time.RFC3339))
		if resp, body = leader.JSON("POST", fmt.Sprintf("/api/v1/venues/%d/bookings", created.ID), bk); resp.StatusCode != http.StatusCreated {
			t.Fatalf("API book: %d %s", resp.StatusCode, body)
		}
		if resp, body = leader.JSON("POST", fmt.Sprintf("/api/v1/venues/%d/bookings", created.ID), bk); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "接口会") {
			t.Fatalf("API book again: %d %s", resp.StatusCode, body)
		}
		if resp, body = leader.JSON("POST", fmt.Sprintf("/api/v1/venues/%d/bookings", created.ID), `{"starts_at":"明天","ends_at":""}`); resp.StatusCode != 422 || !strings.Contains(body, "开始时间") {
			t.Fatalf("API bad time: %d %s", resp.StatusCode, body)
		}

		// A resident whose account is their registry person (community 1).
		person := w.Objects["person"][apptest.InA]
		if _, err := w.App.Auth.CreateUser(ctx, auth.System("test"), auth.NewUser{Username: "venue_resident", DisplayName: "王阿姨", Password: apptest.Password,
			Roles: []auth.Role{auth.RoleResident}, PersonID: person, MFAExempt: true}); err != nil {
			t.Fatal(err)
		}
		res := apptest.NewClient(t, srv.URL).Login("venue_resident", apptest.Password)
		resp, body = res.Get("/portal/venues")
		if resp.StatusCode != 200 || !strings.Contains(body, "页面室") {
			t.Fatalf("portal list: %d", resp.StatusCode)
		}
		// The portal shows the time taken, not by whom.
		resp, body = res.Get(fmt.Sprintf("/portal/venues/%d?week=%s", v, d))
		if resp.StatusCode != 200 || strings.Contains(body, "读书会") || !strings.Contains(body, "已被预约") {
			t.Fatalf("portal week: %d", resp.StatusCode)
		}
		resp, body = res.PostForm(fmt.Sprintf("/portal/venues/%d", v), url.Values{"day": {d}, "start": {"10:00"}, "end": {"11:00"}, "title": {"孙子生日会"}})
		if resp.StatusCode != http.StatusConflict || strings.Contains(body, "读书会") {
			t.Fatalf("portal over a taken time: %d", resp.StatusCode)
		}
		resp, body = res.PostForm(fmt.Sprintf("/portal/venues/%d", v), url.Values{"day": {d}, "start": {"15:00"}, "end": {"17:00"}, "title": {"孙子生日会"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("portal request: %d %s", resp.StatusCode, body)
		}
		var id int64
		w.DB.QueryRowContext(ctx, `SELECT id FROM venue_booking WHERE title = '孙子生日会' AND status = 'pending' AND booker_person_id = ?`, person).Scan(&id)
		if id == 0 {
			t.Fatal("the resident's request is not pending")
		}
		// The leader sees it on the person page and approves it.
		resp, body = leader.Get(fmt.Sprintf("/registry/people/%d", person))
		if resp.StatusCode != 200 || !strings.Contains(body, "孙子生日会") {
			t.Fatalf("person page: %d", resp.StatusCode)
		}
		resp, body = leader.PostForm(fmt.Sprintf("/venues/bookings/%d/approve", id), url.Values{})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", resp.StatusCode, body)
		}
		resp, body = res.Get("/portal/venues")
		if !strings.Contains(body, "孙子生日会") || !strings.Contains(body, "已预约") {
			t.Fatalf("the resident's own list: %d", resp.StatusCode)
		}
		// Another resident neither sees nor cancels it.
		other := w.Principal(t, "resident")
		if _, err := w.App.Venues.GetBooking(ctx, other, id); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("another resident's view: %v", err)
		}
	})
}

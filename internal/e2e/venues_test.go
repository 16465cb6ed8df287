package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"linli/internal/auth"
	"linli/internal/locale"
	"linli/internal/venues"
)

// The community's leader books the meeting room on the week page from a
// phone; a second booking of the same time is refused with the message
// naming the first. A resident requests the activity room on the portal
// (it needs approval); the leader finds it among the home page's 待办 and
// approves it, and the resident sees it booked.
func TestVenueBooking(t *testing.T) {
	site := StartDemo(t, 120)
	ctx := context.Background()
	sys := auth.System("e2e")
	leader, err := site.App.Auth.Login(ctx, "community_admin", DemoPassword, "e2e", "e2e", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	list, err := site.App.Venues.ListVenues(ctx, leader.Principal, venues.VenueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var room, hall *venues.Venue
	for _, v := range list {
		if v.Name == "二楼会议室" && room == nil {
			room = v
		}
		if v.Name == "多功能活动室" && hall == nil {
			hall = v
		}
	}
	if room == nil || hall == nil || room.CommunityID != hall.CommunityID {
		t.Fatal("the demo lacks the first community's rooms")
	}
	// A day past the demo's bookings.
	day := time.Now().In(locale.Zone).AddDate(0, 0, 100).Format(time.DateOnly)
	book := func(b context.Context, title, start, end string) {
		Do(t, b,
			chromedp.SetValue(Sel(`#book-form input[name=day]`), day),
			chromedp.SetValue(Sel(`#book-form select[name=start]`), start),
			chromedp.SetValue(Sel(`#book-form select[name=end]`), end),
			chromedp.SendKeys(Sel(`#book-form input[name=title]`), title),
			chromedp.Click(Sel(`#book-submit`)),
		)
	}

	b := Browser(t)
	Do(t, b, Phone(), Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(fmt.Sprintf("%s/venues/%d?week=%s", site.URL, room.ID, day)), WaitSel(`#book-form`))
	fitsPhoneWidth(t, b, "the week page")
	book(b, "e2e党建联席会", "09:00", "10:30")
	Do(t, b, WaitSel(`.flash`))
	if s := Text(t, b, `.flash`); s != "已预约" {
		t.Fatalf("after booking: %q", s)
	}
	if s := Text(t, b, `#week`); !strings.Contains(s, "e2e党建联席会") || !strings.Contains(s, "09:00–10:30") {
		t.Fatalf("the week lacks the booking: %s", s)
	}
	// The same room at an overlapping time.
	book(b, "e2e另一个会", "10:00", "11:00")
	Do(t, b, WaitSel(`#book-refused`))
	if s := Text(t, b, `#book-refused`); !strings.Contains(s, "该时段已被预约") || !strings.Contains(s, "e2e党建联席会") || !strings.Contains(s, "09:00–10:30") {
		t.Fatalf("the refusal does not name the first booking: %q", s)
	}
	Do(t, b, Logout())

	// A resident of the first community, their account tied to their registry person.
	var person int64
	if err := site.App.DB.QueryRowContext(ctx, `SELECT id FROM reg_person WHERE community_id = ? ORDER BY id LIMIT 1`, hall.CommunityID).Scan(&person); err != nil {
		t.Fatal(err)
	}
	if _, err := site.App.Auth.CreateUser(ctx, sys, auth.NewUser{Username: "e2e_resident", DisplayName: "e2e居民", Password: DemoPassword,
		Roles: []auth.Role{auth.RoleResident}, PersonID: person, MFAExempt: true}); err != nil {
		t.Fatal(err)
	}
	Do(t, b, Login(site.URL, "e2e_resident", DemoPassword), chromedp.Navigate(site.URL+"/portal/venues"), WaitSel(`#portal-venues`))
	Do(t, b, chromedp.Click(Sel(fmt.Sprintf(`#portal-venues a[href="/portal/venues/%d"]`, hall.ID))), WaitSel(`#book-form`))
	Do(t, b, chromedp.Navigate(fmt.Sprintf("%s/portal/venues/%d?week=%s", site.URL, hall.ID, day)), WaitSel(`#book-form`))
	book(b, "e2e孙子满月酒", "14:00", "16:00")
	Do(t, b, WaitSel(`#my-bookings`))
	if s := Text(t, b, `#my-bookings`); !strings.Contains(s, "e2e孙子满月酒") || !strings.Contains(s, "待审批") {
		t.Fatalf("the resident's own bookings: %q", s)
	}
	Do(t, b, Logout())

	// The leader approves it from the home page's 待办.
	Do(t, b, Login(site.URL, "community_admin", DemoPassword), WaitSel(`#todo`))
	if s := Text(t, b, `#todo`); !strings.Contains(s, "场地预约 · 待审批") {
		t.Fatalf("the home page's 待办 lacks the bookings awaiting approval: %s", s)
	}
	Do(t, b, chromedp.Navigate(site.URL+"/venues/bookings?status=pending&q=e2e孙子满月酒"), WaitSel(`#bookings .vn-approve`))
	Do(t, b, chromedp.Click(Sel(`#bookings .vn-approve`)), WaitSel(`#approve-form`))
	// The approve page shows the booking's status too: wait for the flash of
	// the page the approval leads to.
	Do(t, b, chromedp.Click(Sel(`#approve-submit`)), WaitSel(`.flash`))
	if s := Text(t, b, `#booking-status`); s != "已预约" {
		t.Fatalf("after approval: %q", s)
	}
	Do(t, b, Logout(), Login(site.URL, "e2e_resident", DemoPassword), chromedp.Navigate(site.URL+"/portal/venues"), WaitSel(`#my-bookings`))
	if s := Text(t, b, `#my-bookings`); !strings.Contains(s, "e2e孙子满月酒") || !strings.Contains(s, "已预约") {
		t.Fatalf("the resident's booking after approval: %q", s)
	}
}

// The leader opens the choir's weekly series, cancels the next rehearsal
// with the button on its date (the form opens on it) and sees that date
// cancelled and the one after still booked; then books the activity room
// for an elderly resident without a phone (found by name on the week page),
// and the booking names them.
func TestVenueSeriesAndBookingOnBehalf(t *testing.T) {
	site := StartDemo(t, 120)
	ctx := context.Background()
	var seriesID, venueID, community int64
	if err := site.App.DB.QueryRowContext(ctx, `SELECT s.id, s.venue_id, s.community_id FROM venue_series s
		JOIN venue_booking b ON b.community_id = s.community_id AND b.series_id = s.id
		WHERE b.title = '合唱团排练' ORDER BY s.id LIMIT 1`).Scan(&seriesID, &venueID, &community); err != nil {
		t.Fatalf("the demo's choir series: %v", err)
	}
	now := time.Now().UnixMilli()
	var next, after string
	rows, err := site.App.DB.QueryContext(ctx, `SELECT starts_at FROM venue_booking WHERE community_id = ? AND series_id = ? AND status = 'approved' AND starts_at > ? ORDER BY starts_at LIMIT 2`,
		community, seriesID, now+24*3600*1000)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		day := time.UnixMilli(at).In(locale.Zone).Format(time.DateOnly)
		if next == "" {
			next = day
		} else {
			after = day
		}
	}
	if err := rows.Close(); err != nil || after == "" {
		t.Fatalf("the series lacks two coming rehearsals (%v)", err)
	}

	b := Browser(t)
	Do(t, b, Phone(), Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(fmt.Sprintf("%s/venues/series/%d", site.URL, seriesID)), WaitSel(`#series-occurrences`))
	fitsPhoneWidth(t, b, "the series page")
	Do(t, b, chromedp.Click(Sel(fmt.Sprintf(`#series-occurrences li[data-day=%q] a.button`, next))), WaitSel(`#series-cancel-form`))
	if v := Eval[string](t, b, `document.querySelector('#series-cancel-form select[name=day]').value`); v != next {
		t.Fatalf("the cancel form opened on %q, not %q", v, next)
	}
	Do(t, b, chromedp.SendKeys(Sel(`#series-cancel-form textarea[name=note]`), "国庆调休，暂停一次"), chromedp.Click(Sel(`#series-cancel-submit`)), WaitSel(`.flash`))
	if s := Text(t, b, `.flash`); !strings.Contains(s, "已取消 1 次") {
		t.Fatalf("after cancelling one date: %q", s)
	}
	if s := Text(t, b, fmt.Sprintf(`#series-occurrences li[data-day=%q]`, next)); !strings.Contains(s, "已取消") {
		t.Fatalf("the cancelled date: %q", s)
	}
	if s := Text(t, b, fmt.Sprintf(`#series-occurrences li[data-day=%q]`, after)); !strings.Contains(s, "已预约") {
		t.Fatalf("the date after: %q", s)
	}

	// Booking for a resident of the community, found by name.
	var person int64
	var name string
	if err := site.App.DB.QueryRowContext(ctx, `SELECT id, name FROM reg_person WHERE community_id = ? ORDER BY id LIMIT 1`, community).Scan(&person, &name); err != nil {
		t.Fatal(err)
	}
	day := time.Now().In(locale.Zone).AddDate(0, 0, 101).Format(time.DateOnly)
	Do(t, b, chromedp.Navigate(fmt.Sprintf("%s/venues/%d?week=%s", site.URL, venueID, day)), WaitSel(`#person-search`),
		chromedp.SendKeys(Sel(`#person-search input[name=who]`), name), chromedp.Click(Sel(`#person-search-submit`)), WaitSel(`#book-person`),
		chromedp.Click(Sel(fmt.Sprintf(`#book-person input[value="%d"]`, person))),
		chromedp.SetValue(Sel(`#book-form select[name=booker_kind]`), "resident"),
		chromedp.SetValue(Sel(`#book-form input[name=day]`), day),
		chromedp.SetValue(Sel(`#book-form select[name=start]`), "09:00"),
		chromedp.SetValue(Sel(`#book-form select[name=end]`), "10:00"),
		chromedp.SendKeys(Sel(`#book-form input[name=title]`), "e2e代订寿宴"),
		chromedp.Click(Sel(`#book-submit`)), WaitSel(`.flash`))
	var booking, booker int64
	if err := site.App.DB.QueryRowContext(ctx, `SELECT id, booker_person_id FROM venue_booking WHERE community_id = ? AND title = 'e2e代订寿宴'`, community).Scan(&booking, &booker); err != nil {
		t.Fatalf("the booking for the resident was not made (%s): %v", Text(t, b, `.flash`), err)
	}
	if booker != person {
		t.Fatalf("the booking is for person %d, not %d", booker, person)
	}
	Do(t, b, chromedp.Navigate(fmt.Sprintf("%s/venues/bookings/%d", site.URL, booking)), WaitSel(`#booking`))
	if s := Text(t, b, `#booking`); !strings.Contains(s, name) || !strings.Contains(s, "居民") {
		t.Fatalf("the booking does not name the resident %s: %s", name, s)
	}
}

package app_test

import (
	"encoding/json"
	"fmt"
	"time"

	"linli/internal/apptest"
	"linli/internal/locale"
)

// The venues module (场地预约): staff pages, the portal and the JSON API.

// vnStaff read venues and book them; vnManagers keep venues and decide
// bookings.
var (
	vnStaff    = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker"}
	vnManagers = []string{"street_admin", "community_admin", "community_admin_c2"}
)

// vnDay is a day ahead, free in every fixture venue.
func vnDay(days int) string {
	return time.Now().In(locale.Zone).AddDate(0, 0, days).Format(time.DateOnly)
}

func init() {
	form := func(s string) func(*apptest.World, apptest.Where) string {
		return func(*apptest.World, apptest.Where) string { return s }
	}
	bookingStatus := func(status string) func(p proofArgs) error {
		return func(p proofArgs) error {
			return want(p.count(`SELECT COUNT(*) FROM venue_booking WHERE id = ? AND status = ?`, p.id, status) == 1, "the booking is not %s", status)
		}
	}
	released := func(status string) func(p proofArgs) error {
		return func(p proofArgs) error {
			return want(p.count(`SELECT COUNT(*) FROM venue_booking WHERE id = ? AND status = ?`, p.id, status) == 1 &&
				p.count(`SELECT COUNT(*) FROM venue_booking_slot WHERE booking_id = ?`, p.id) == 0, "the booking is not %s with its time free", status)
		}
	}
	bookedOn := func(title string) func(p proofArgs) error {
		return func(p proofArgs) error {
			return want(p.count(`SELECT COUNT(*) FROM venue_booking b JOIN venue_booking_slot s ON s.community_id = b.community_id AND s.booking_id = b.id
				WHERE b.venue_id = ? AND b.title = ?`, p.id, title) >= 2, "no booking %q holding its slots", title)
		}
	}
	addMatrix(map[string]matrixEntry{
		"GET /venues/assets/venues.css": {skip: "public stylesheet"},

		"GET /venues":                       {allow: vnStaff},
		"GET /venues/export":                {allow: vnStaff},
		"GET /venues/day":                   {allow: vnStaff},
		"GET /venues/usage":                 {allow: vnStaff},
		"GET /venues/usage/export":          {allow: vnStaff},
		"GET /venues/bookings":              {allow: vnStaff},
		"GET /venues/bookings/export":       {allow: vnStaff},
		"GET /venues/new":                   {allow: vnManagers},
		"GET /venues/{id}":                  {allow: vnStaff, kind: "venue", reach: reachPartition},
		"GET /venues/{id}/weekly/new":       {allow: vnStaff, kind: "venue", reach: reachPartition},
		"GET /venues/{id}/info/edit":        {allow: vnManagers, kind: "venue", reach: reachPartition},
		"GET /venues/bookings/{id}":         {allow: vnStaff, kind: "venue_booking", reach: reachPartition},
		"GET /venues/bookings/{id}/approve": {allow: vnManagers, kind: "venue_booking", reach: reachPartition},
		"GET /venues/bookings/{id}/refuse":  {allow: vnManagers, kind: "venue_booking", reach: reachPartition},
		"GET /venues/bookings/{id}/cancel":  {allow: vnManagers, kind: "venue_booking", reach: reachPartition},

		"POST /venues/new": {allow: vnManagers, scopedBody: true, reach: reachCommunity, audit: "venues.create", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("org_id=%d&name=矩阵会议室&kind=meeting_room&capacity=10&book_staff=1&hours_1=08:00-18:00", community(w, wh))
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM venue WHERE name = '矩阵会议室' AND community_id = ? AND capacity = 10`, community(p.w, p.wh)) == 1, "no venue in the community")
			}},
		"POST /venues/{id}": {allow: vnStaff, kind: "venue", reach: reachPartition, audit: "venues.book", auditOther: true,
			body: func(*apptest.World, apptest.Where) string {
				return "day=" + vnDay(20) + "&start=14:00&end=15:00&title=矩阵预约&booker_kind=staff"
			}, proof: bookedOn("矩阵预约")},
		"POST /venues/{id}/weekly/new": {allow: vnStaff, kind: "venue", reach: reachPartition, audit: "venues.series",
			body: func(*apptest.World, apptest.Where) string {
				return "title=矩阵每周&weekdays=1&weekdays=2&weekdays=3&weekdays=4&weekdays=5&weekdays=6&weekdays=0&from=" + vnDay(21) + "&to=" + vnDay(27) +
					"&start=18:00&end=19:00&booker_kind=team&team=矩阵合唱团"
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM venue_booking WHERE venue_id = ? AND title = '矩阵每周' AND series_id <> 0`, p.id) == 7, "not seven bookings of the series")
			}},
		"POST /venues/{id}/info/edit": {allow: vnManagers, kind: "venue", reach: reachPartition, audit: "venues.update",
			body: form("name=矩阵改名室&kind=library&capacity=50&book_staff=1&book_residents=1&active=1&hours_6=09:00-17:00"),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM venue WHERE id = ? AND name = '矩阵改名室' AND capacity = 50 AND book_residents`, p.id) == 1, "the venue did not change")
			}},
		"POST /venues/bookings/{id}/approve": {allow: vnManagers, kind: "venue_booking", reach: reachPartition, audit: "venues.approve", proof: bookingStatus("approved")},
		"POST /venues/bookings/{id}/refuse": {allow: vnManagers, kind: "venue_booking", reach: reachPartition, audit: "venues.refuse", body: form("note=当天场地检修"),
			proof: released("refused")},
		"POST /venues/bookings/{id}/cancel": {allow: vnManagers, kind: "venue_booking", reach: reachPartition, audit: "venues.cancel", proof: released("cancelled")},

		// A recurring booking: its page, and cancelling part of it (the
		// fixture series is the program's, so only managers may).
		"GET /venues/series/{id}":        {allow: vnStaff, kind: "venue_series", reach: reachPartition},
		"GET /venues/series/{id}/cancel": {allow: vnManagers, kind: "venue_series", reach: reachPartition},
		"POST /venues/series/{id}/cancel": {allow: vnManagers, kind: "venue_series", reach: reachPartition, audit: "venues.series_cancel",
			body: func(*apptest.World, apptest.Where) string { return "mode=from&day=" + apptest.SeriesDay(4) },
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM venue_booking WHERE series_id = ? AND status = 'cancelled'`, p.id) == 3 &&
					p.count(`SELECT COUNT(*) FROM venue_booking b JOIN venue_booking_slot s ON s.community_id = b.community_id AND s.booking_id = b.id
						WHERE b.series_id = ?`, p.id) == 8, "not the last three occurrences cancelled with their time free")
			}},

		// The portal: the fixture resident reaches no venue (see reachNone).
		"GET /portal/venues":      {allow: []string{"resident"}},
		"GET /portal/venues/{id}": {allow: []string{"resident"}, kind: "venue", reach: reachNone},
		"POST /portal/venues/{id}": {allow: []string{"resident"}, kind: "venue", reach: reachNone, audit: "venues.portal_book", auditOther: true,
			body: func(*apptest.World, apptest.Where) string {
				return "day=" + vnDay(20) + "&start=09:00&end=10:00&title=矩阵居民预约"
			}},
		"GET /portal/venues/bookings/{id}/cancel":  {allow: []string{"resident"}, kind: "venue_booking", reach: reachNone},
		"POST /portal/venues/bookings/{id}/cancel": {allow: []string{"resident"}, kind: "venue_booking", reach: reachNone, audit: "venues.cancel"},

		// The API.
		"GET /api/v1/venues":               {allow: vnStaff},
		"GET /api/v1/venue-bookings":       {allow: vnStaff},
		"GET /api/v1/venues/{id}":          {allow: vnStaff, kind: "venue", reach: reachPartition},
		"GET /api/v1/venues/{id}/bookings": {allow: vnStaff, kind: "venue", reach: reachPartition},
		"GET /api/v1/venue-bookings/{id}":  {allow: vnStaff, kind: "venue_booking", reach: reachPartition},
		"POST /api/v1/venues": {allow: vnManagers, scopedBody: true, reach: reachCommunity, audit: "venues.create", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf(`{"org_id":%d,"name":"矩阵接口场地","capacity":8}`, community(w, wh))
			},
			proof: func(p proofArgs) error {
				var got struct{ ID int64 }
				if err := json.Unmarshal([]byte(p.body), &got); err != nil || got.ID == 0 {
					return fmt.Errorf("the answer %q names no venue", p.body)
				}
				return want(p.count(`SELECT COUNT(*) FROM venue WHERE id = ? AND name = '矩阵接口场地'`, got.ID) == 1, "venue %d is not there", got.ID)
			}},
		"POST /api/v1/venues/{id}/bookings": {allow: vnStaff, kind: "venue", reach: reachPartition, audit: "venues.book", auditOther: true,
			body: func(*apptest.World, apptest.Where) string {
				d := vnDay(22)
				return `{"starts_at":"` + d + `T15:00:00+08:00","ends_at":"` + d + `T16:30:00+08:00","title":"矩阵接口预约"}`
			}, proof: bookedOn("矩阵接口预约")},
		"POST /api/v1/venue-bookings/{id}/approve": {allow: vnManagers, kind: "venue_booking", reach: reachPartition, audit: "venues.approve", proof: bookingStatus("approved")},
		"POST /api/v1/venue-bookings/{id}/refuse": {allow: vnManagers, kind: "venue_booking", reach: reachPartition, audit: "venues.refuse", body: form(`{"note":"矩阵接口不通过"}`),
			proof: released("refused")},
		"POST /api/v1/venue-bookings/{id}/cancel": {allow: vnManagers, kind: "venue_booking", reach: reachPartition, audit: "venues.cancel", proof: released("cancelled")},
	})
}

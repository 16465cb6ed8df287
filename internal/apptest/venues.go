package apptest

import (
	"context"
	"testing"
	"time"

	"linli/internal/auth"
	"linli/internal/locale"
	"linli/internal/venues"
)

// Venue fixtures (场地):
//   - "venue": an activity room per place ("甲活动室" in community 1 for A,
//     "乙活动室" also in community 1 for B, "丁活动室" in community 2 for D),
//     open to staff, teams and residents, bookings needing approval. Venues
//     have no grid: whoever reaches a community (a grid worker through
//     their grid) reaches both of community 1's.
//   - "venue_booking": in each room a team's booking awaiting approval, two
//     weeks ahead, 10:00–12:00 ("甲合唱排练" …).
//   - "venue_series": in each room a team's evening every day of the week
//     five weeks ahead, 19:00–20:00 ("甲每周舞蹈" …), booked by the program.
func init() {
	Register(70, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		s := w.App.Venues
		comms := map[Where]int64{InA: w.C1, InB: w.C1, InD: w.C2}
		tags := map[Where]string{InA: "甲", InB: "乙", InD: "丁"}
		d := time.Now().In(locale.Zone).AddDate(0, 0, 14)
		start := time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, locale.Zone)
		for _, wh := range []Where{InA, InB, InD} {
			tag := tags[wh]
			id, err := s.CreateVenue(ctx, sys, venues.VenueInput{OrgID: comms[wh], Name: tag + "活动室", Kind: "activity_room", Capacity: 40,
				Hours: venues.ParseHours(""), Equipment: "音响", BookStaff: true, BookTeams: true, BookResidents: true, NeedsApproval: true})
			if err != nil {
				t.Fatalf("venue fixture: %v", err)
			}
			w.Add("venue", wh, id, tag+"活动室")
			b := &venues.Booking{VenueID: id, Title: tag + "合唱排练", BookerKind: venues.BookerTeam, Team: tag + "合唱团", Attendees: 20,
				StartsAt: start.UnixMilli(), EndsAt: start.Add(2 * time.Hour).UnixMilli(), Status: venues.StatusPending}
			if err := s.ImportPast(ctx, sys, comms[wh], []*venues.Booking{b}); err != nil {
				t.Fatalf("booking fixture: %v", err)
			}
			w.Add("venue_booking", wh, b.ID, tag+"合唱排练")
			sid, _, err := s.BookSeries(ctx, sys, venues.SeriesInput{VenueID: id, Title: tag + "每周舞蹈", BookerKind: venues.BookerTeam, Team: tag + "舞蹈队",
				Weekdays: venues.Weekdays, From: SeriesDay(0), To: SeriesDay(6), StartTime: "19:00", EndTime: "20:00"})
			if err != nil {
				t.Fatalf("series fixture: %v", err)
			}
			w.Add("venue_series", wh, sid, tag+"每周舞蹈")
		}
	})
}

// SeriesDay is the i-th day of the "venue_series" fixtures (0 to 6).
func SeriesDay(i int) string {
	return time.Now().In(locale.Zone).AddDate(0, 0, 35+i).Format(time.DateOnly)
}

package demo_test

import (
	"testing"
)

// The demo's venues hold a year of bookings without a collision: the choir
// every Tuesday evening as one series, residents' and teams' bookings, some
// waiting for approval; every holding booking holds exactly its slots.
func demoVenues(t *testing.T, w *demoWorld) {
	count := w.counter(t)
	if n := count(`SELECT COUNT(*) FROM venue_booking`); n < 1000 {
		t.Fatalf("%d bookings, want a year's", n)
	}
	if n := count(`SELECT COUNT(*) FROM venue_booking WHERE team = '夕阳红合唱团' AND series_id <> 0`); n < 45 {
		t.Fatalf("the choir's series has %d Tuesdays", n)
	}
	if n := count(`SELECT COUNT(*) FROM venue_booking WHERE status = 'pending'`); n == 0 {
		t.Fatal("no booking waits for approval")
	}
	if n := count(`SELECT COUNT(*) FROM venue_booking WHERE booker_kind = 'resident' AND booker_person_id <> 0`); n == 0 {
		t.Fatal("no resident's booking")
	}
	slots := count(`SELECT COUNT(*) FROM venue_booking_slot`)
	held := count(`SELECT COALESCE(SUM((ends_at - starts_at) / 1800000), 0) FROM venue_booking WHERE status IN ('pending', 'approved')`)
	if slots != held {
		t.Fatalf("%d slots held for %d half hours booked", slots, held)
	}
}

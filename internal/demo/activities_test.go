package demo_test

import (
	"testing"
)

// The demo's activities: a year of them per community with the plan, held
// ones with attendance and summaries, some awaiting their summary, coming
// ones with sign-ups; the counters agree with the sign-up rows.
func demoActivities(t *testing.T, w *demoWorld) {
	count := w.counter(t)
	if n := count(`SELECT COUNT(*) FROM activity`); n < 100 {
		t.Fatalf("%d activities, want a year's", n)
	}
	if n := count(`SELECT COUNT(*) FROM activity WHERE status = 'summarised'`); n == 0 {
		t.Fatal("no summarised activity")
	}
	if n := count(`SELECT COUNT(*) FROM activity_file f JOIN activity a ON a.community_id = f.community_id AND a.id = f.activity_id
			WHERE f.kind = 'photo' AND f.content_type = 'image/png' AND a.status = 'summarised'`); n == 0 {
		t.Fatal("no summary with a photo")
	}
	if n := count(`SELECT COUNT(*) FROM activity WHERE status = 'held'`); n == 0 {
		t.Fatal("no activity awaits its summary")
	}
	// Volunteers served at past activities, their hours recorded from the check-out.
	if n := count(`SELECT COUNT(*) FROM activity_helper WHERE checked_out_at <> 0 AND check_out > check_in`); n < 2 {
		t.Fatalf("%d helpers checked out of the demo's activities", n)
	}
	if n := count(`SELECT COUNT(*) FROM vol_record WHERE source = 'activity'`); n < 2 {
		t.Fatalf("%d service records from activities", n)
	}
	if n := count(`SELECT COUNT(*) FROM activity WHERE theme_id <> 0`); n == 0 {
		t.Fatal("no activity serves a theme")
	}
	if n := count(`SELECT COUNT(*) FROM activity_plan WHERE kind = 'day'`); n == 0 {
		t.Fatal("no special days")
	}
	if n := count(`SELECT COUNT(*) FROM activity a WHERE a.accepted <> (SELECT COUNT(*) FROM activity_signup s WHERE s.community_id = a.community_id
			AND s.activity_id = a.id AND s.status = 'accepted') OR a.attended <> (SELECT COUNT(*) FROM activity_signup s WHERE s.community_id = a.community_id
			AND s.activity_id = a.id AND s.attended_at <> 0)`); n != 0 {
		t.Fatalf("%d activities whose counters disagree with their sign-ups", n)
	}
}

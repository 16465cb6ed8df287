package demo_test

import (
	"testing"

	"linli/internal/auth"
	"linli/internal/volunteers"
)

// The demo's volunteers hold a year of service in teams of three kinds, a
// few reaching the star bands, with registrations and leaders' entries
// waiting for confirmation, a membership ended, and an expert pool.
func demoVolunteers(t *testing.T, w *demoWorld) {
	ctx, a := w.ctx, w.a
	count := w.counter(t)
	for q, min := range map[string]int{
		`SELECT COUNT(*) FROM vol_record WHERE status = 'confirmed'`:                        500,
		`SELECT COUNT(*) FROM vol_record WHERE status = 'pending' AND source = 'leader'`:    1,
		`SELECT COUNT(*) FROM vol_volunteer WHERE status = 'pending' AND source = 'portal'`: 1,
		`SELECT COUNT(DISTINCT kind) FROM vol_team`:                                         3,
		`SELECT COUNT(*) FROM vol_member WHERE left_on <> ''`:                               1,
		`SELECT COUNT(*) FROM vol_expert`:                                                   4,
		`SELECT COUNT(*) FROM vol_volunteer WHERE person_id IS NULL AND phone_mask <> ''`:   1,
	} {
		if n := count(q); n < min {
			t.Errorf("%s: %d, want at least %d", q, n, min)
		}
	}
	// Someone reached a star.
	list, err := a.Volunteers.List(ctx, auth.System("test"), volunteers.Filter{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	starred := 0
	for _, v := range list {
		if volunteers.LevelOf(v.Minutes, volunteers.DefaultBands).Stars > 0 {
			starred++
		}
	}
	if starred == 0 {
		t.Fatal("no demo volunteer reaches one star")
	}
}

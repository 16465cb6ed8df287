package apptest

import (
	"context"
	"testing"
	"time"

	"linli/internal/auth"
	"linli/internal/patrols"
)

// patrolOwners: who walked the fixture patrols of each place (B's by the
// community's leader, who patrols too; D's by the other community's).
var patrolOwners = map[Where]string{InA: "grid_worker", InB: "community_admin", InD: "community_admin_c2"}

// Patrol fixtures:
//   - "patrol": in each place an ended patrol of today (started two minutes
//     ago, one minute long, its own worker's, so that it may be corrected),
//     with the place's building passed and a note ("甲巡查备注" …).
//
// Write targets:
//   - "patrol_open": in each place the same worker's patrol left open five
//     hours ago, with consent to the track: ended (at four hours), ticked and
//     sent points by its worker; a new start closes it first.
func init() {
	Register(60, func(t testing.TB, w *World) {
		ctx := context.Background()
		now := time.Now()
		tags := map[Where]string{InA: "甲", InB: "乙", InD: "丁"}
		grids := map[Where]int64{InA: w.GridA, InB: w.GridB, InD: w.GridD}
		for _, wh := range []Where{InA, InB, InD} {
			ids, err := w.App.Patrols.ImportPast(ctx, auth.System("fixture"), []patrols.Past{{UserID: w.Users[patrolOwners[wh]], GridID: grids[wh],
				StartedAt: now.Add(-2 * time.Minute).UnixMilli(), EndedAt: now.Add(-time.Minute).UnixMilli(), Note: tags[wh] + "巡查备注",
				Buildings: []int64{w.Objects["building"][wh]}}})
			if err != nil {
				t.Fatalf("patrol fixture: %v", err)
			}
			w.Add("patrol", wh, ids[0], tags[wh]+"巡查备注")
		}
	})
	RegisterWriteTargets(60, func(t testing.TB, w *World) {
		ctx := context.Background()
		started := time.Now().Add(-5 * time.Hour).UnixMilli()
		tags := map[Where]string{InA: "甲", InB: "乙", InD: "丁"}
		grids := map[Where]int64{InA: w.GridA, InB: w.GridB, InD: w.GridD}
		for _, wh := range []Where{InA, InB, InD} {
			ids, err := w.App.Patrols.ImportPast(ctx, auth.System("fixture"), []patrols.Past{{UserID: w.Users[patrolOwners[wh]], GridID: grids[wh],
				StartedAt: started, TrackConsent: true, Note: tags[wh] + "未结束巡查"}})
			if err != nil {
				t.Fatalf("open patrol target: %v", err)
			}
			w.Add("patrol_open", wh, ids[0], tags[wh]+"未结束巡查")
		}
	})
}

package apptest

import (
	"context"
	"testing"

	"linli/internal/auth"
	"linli/internal/org"
	"linli/internal/places"
)

// The foundation's write targets: in each place an estate without buildings
// ("empty_estate"), an entrance without dwellings ("empty_entrance") and a
// dwelling nobody lives in, rents or links to ("empty_dwelling"), the last two
// in the place's building; the staged building list, checked, so that it may
// be committed; and an account locked and disabled ("user_blocked"), for the
// administrators to unlock and enable; and for each place another grid of
// its community ("grid_other"; community 2 gets a second grid for it).
func init() {
	RegisterWriteTargets(0, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		must := func(id int64, err error) int64 {
			t.Helper()
			if err != nil {
				t.Fatalf("write target: %v", err)
			}
			return id
		}
		comms := map[Where]int64{InA: w.C1, InB: w.C1, InD: w.C2}
		for wh, tag := range placeTags {
			w.add("empty_estate", wh, must(w.App.Places.CreateEstate(ctx, sys, places.EstateInput{CommunityID: comms[wh], Name: "小区" + tag + "空苑"})), "小区"+tag+"空苑")
			b := w.Objects["building"][wh]
			w.add("empty_entrance", wh, must(w.App.Places.CreateEntrance(ctx, sys, b, tag+"二单元")), tag+"二单元")
			w.add("empty_dwelling", wh, must(w.App.Places.CreateDwelling(ctx, sys, places.DwellingInput{BuildingID: b, EntranceID: w.Objects["entrance"][wh],
				Room: "199", Remark: tag + "空室备注"})), tag+"空室备注")
		}
		w.checkUpload(t, "upload_places")

		// A second grid in community 2, for its buildings to move to (recorded
		// without a marker: the org tree shows it to its administrators).
		e := must(w.App.Org.Create(ctx, sys, org.Input{ParentID: w.C2, Level: org.Grid, Name: "网格戊E", Code: "002"}))
		w.Objects["grid_other"] = map[Where]int64{InA: w.GridB, InB: w.GridA, InD: e}

		// An account locked and disabled, for the administrators to unlock and enable.
		blocked := must(w.App.Auth.CreateUser(ctx, sys, auth.NewUser{Username: "blocked_user", DisplayName: "blocked_user姓名", Password: Password,
			Roles: []auth.Role{auth.RoleGridWorker}, Scope: []int64{w.GridB}, MFAExempt: true}))
		if err := w.App.Auth.SetLocked(ctx, sys, blocked, true, 0); err != nil {
			t.Fatal(err)
		}
		if err := w.App.Auth.SetDisabled(ctx, sys, blocked, true); err != nil {
			t.Fatal(err)
		}
		w.add("user_blocked", InA, blocked, "blocked_user姓名")
	})
}

// placeTags name the three places in fixture names.
var placeTags = map[Where]string{InA: "甲", InB: "乙", InD: "丁"}

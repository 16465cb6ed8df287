package apptest

import (
	"context"
	"testing"

	"linli/internal/auth"
	"linli/internal/registry"
)

// Rental fixtures: in each place the dwelling is let by a landlord known by name
// (the marker) to the household's second member; and the group "老年人" as the
// object of the group administration pages (recorded without a marker: its name
// is shown to every registry reader).
func init() {
	Register(12, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		tags := map[Where]string{InA: "甲", InB: "乙", InD: "丁"}
		for _, wh := range []Where{InA, InB, InD} {
			marker := tags[wh] + "房东某"
			id, err := w.App.Registry.CreateRental(ctx, sys, registry.RentalInput{
				DwellingID: w.Objects["dwelling"][wh], LandlordName: marker, LandlordPhone: LandlordPhone(wh),
				LeaseFrom: "2025-01-01", LeaseTo: "2027-12-31", Tenants: []int64{w.Objects["member"][wh]},
			})
			if err != nil {
				t.Fatalf("fixture rental: %v", err)
			}
			w.Add("rental", wh, id, marker)
		}
		all, err := w.App.Registry.VisibleTags(ctx, sys)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range all {
			if tg.Code == "elderly" {
				w.Objects["tag"] = map[Where]int64{InA: tg.ID}
			}
		}
	})
}

// LandlordPhone is the phone of the landlord of the fixture rental at wh.
func LandlordPhone(wh Where) string { return "1390000000" + string(rune('1'+int(wh))) }

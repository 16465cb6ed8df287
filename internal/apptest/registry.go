package apptest

import (
	"context"
	"testing"

	"linli/internal/auth"
	"linli/internal/identity"
	"linli/internal/registry"
)

// Registry fixtures: a household of two in each place, the head of grid A's
// household tagged 刑释解教 (a sensitive group of the 综治 line) and 老年人.
func init() {
	Register(10, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		tags := map[Where]string{InA: "甲", InB: "乙", InD: "丁"}
		for i, wh := range []Where{InA, InB, InD} {
			tag := tags[wh]
			head := HeadIDNumber(wh)
			in := registry.PersonInput{
				Name: "居民" + tag + "户主", IDNumber: head, Phone: "1380013800" + string(rune('1'+i)),
				DwellingID: w.Objects["dwelling"][wh], NewHousehold: true, HouseholdNumber: "H-" + tag, Ethnicity: "汉族", Since: "2020-01-01",
			}
			if wh == InA {
				in.Tags = []string{"released_prisoner", "elderly"}
			}
			hp, err := w.App.Registry.CreatePerson(ctx, sys, in)
			if err != nil {
				t.Fatalf("fixture person: %v", err)
			}
			p, _ := w.App.Registry.GetPerson(ctx, sys, hp)
			w.Add("person", wh, hp, "居民"+tag+"户主")
			w.Add("household", wh, p.HouseholdID, "H-"+tag)
			member, err := w.App.Registry.CreatePerson(ctx, sys, registry.PersonInput{
				Name: "居民" + tag + "配偶", IDNumber: RegistryID(regions[wh], 1952+i, 2), DwellingID: w.Objects["dwelling"][wh],
				HouseholdID: p.HouseholdID, Relation: "spouse", Since: "2020-01-01",
			})
			if err != nil {
				t.Fatalf("fixture member: %v", err)
			}
			w.Add("member", wh, member, "居民"+tag+"配偶")
		}
		// The sensitive group's name itself: only leaders (and the 综治 line, and
		// the system administrator who defines groups) may ever see it.
		w.Add("sensitive_tag", InA, 0, "刑释解教")
	})
}

// regions are the fixture residents' places of birth, by place.
var regions = map[Where]string{InA: "110105", InB: "330106", InD: "440524"}

// HeadIDNumber is the ID number of the head of the fixture household at wh.
func HeadIDNumber(wh Where) string { return RegistryID(regions[wh], 1950+int(wh), 1) }

// RegistryID makes a valid citizen ID number for fixtures.
func RegistryID(region string, year, seq int) string {
	return identity.MakeID(region, dateOf(year), seq, map[bool]string{true: identity.Male, false: identity.Female}[seq%2 == 1])
}

// Registry's write targets: in each place a second household of one
// ("household_other", the one others merge into), in the place's dwelling;
// and the staged resident ledger, checked.
func init() {
	RegisterWriteTargets(10, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		for wh, tag := range placeTags {
			id, err := w.App.Registry.CreatePerson(ctx, sys, registry.PersonInput{
				Name: "居民" + tag + "邻户", IDNumber: RegistryID(regions[wh], 1960, 3), DwellingID: w.Objects["dwelling"][wh],
				NewHousehold: true, HouseholdNumber: "H-" + tag + "二", Since: "2021-01-01",
			})
			if err != nil {
				t.Fatalf("write target person: %v", err)
			}
			p, _ := w.App.Registry.GetPerson(ctx, sys, id)
			w.Add("household_other", wh, p.HouseholdID, "H-"+tag+"二")
		}
		w.checkUpload(t, "upload_residents")
	})
}

package registry_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/places"
	"linli/internal/registry"
)

func rentalAddresses(list []*registry.Rental) string {
	var out []string
	for _, r := range list {
		out = append(out, r.LandlordName)
	}
	return strings.Join(out, ",")
}

func TestRentalsScopedSealedAndAudited(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		gw := w.Principal(t, "grid_worker")
		leader := w.Principal(t, "community_admin")
		dwA, dwB := w.Objects["dwelling"][apptest.InA], w.Objects["dwelling"][apptest.InB]
		head, member := w.Objects["person"][apptest.InA], w.Objects["member"][apptest.InA]

		// Scope: each account sees the rentals of its own reach only.
		list, total, err := reg.ListRentals(ctx, gw, registry.RentalFilter{})
		if err != nil || total != 1 || rentalAddresses(list) != "甲房东某" {
			t.Fatalf("grid worker's rentals: %s %d %v", rentalAddresses(list), total, err)
		}
		list, _, _ = reg.ListRentals(ctx, leader, registry.RentalFilter{})
		if rentalAddresses(list) != "乙房东某,甲房东某" {
			t.Fatalf("leader's rentals: %s", rentalAddresses(list))
		}
		list, _, _ = reg.ListRentals(ctx, leader, registry.RentalFilter{GridID: w.GridB})
		if rentalAddresses(list) != "乙房东某" {
			t.Fatalf("grid filter: %s", rentalAddresses(list))
		}
		if _, err := reg.GetRental(ctx, gw, w.Objects["rental"][apptest.InB]); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid worker read grid B's rental: %v", err)
		}
		if _, err := reg.GetRental(ctx, w.Principal(t, "community_admin_c2"), w.Objects["rental"][apptest.InA]); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("another community read the rental: %v", err)
		}
		if _, _, err := reg.ListRentals(ctx, w.Principal(t, "volunteer"), registry.RentalFilter{}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("volunteer listed rentals: %v", err)
		}

		// Writing outside the grid is refused; bad input names each field.
		if _, err := reg.CreateRental(ctx, gw, registry.RentalInput{DwellingID: dwB, LandlordName: "某", LeaseFrom: "2026-01-01"}); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid worker let grid B's dwelling: %v", err)
		}
		_, err = reg.CreateRental(ctx, gw, registry.RentalInput{DwellingID: dwA, LandlordPhone: "12", LeaseFrom: "2026-05-01", LeaseTo: "2026-04-01",
			Purpose: "casino", Tenants: []int64{w.Objects["person"][apptest.InB]}})
		var verrs *i18n.Errors
		if !errors.As(err, &verrs) || !strings.Contains(verrs.For("landlord_name"), "房东姓名") || verrs.For("landlord_phone") == "" ||
			!strings.Contains(verrs.For("lease_to"), "不能早于") || verrs.For("purpose") == "" || !strings.Contains(verrs.For("tenants"), "找不到") {
			t.Fatalf("bad rental: %v", err)
		}
		_, err = reg.CreateRental(ctx, gw, registry.RentalInput{})
		if !errors.As(err, &verrs) || verrs.For("dwelling_id") == "" || verrs.For("lease_from") == "" {
			t.Fatalf("empty rental: %v", err)
		}

		// A rental that ends soon, with the landlord a registry person.
		today := time.Now().In(time.FixedZone("CST", 8*3600))
		soon := today.AddDate(0, 0, 10).Format("2006-01-02")
		id, err := reg.CreateRental(ctx, gw, registry.RentalInput{DwellingID: dwA, LandlordPersonID: head, LandlordPhone: "13912340000",
			LeaseFrom: today.AddDate(-1, 0, 0).Format("2006-01-02"), LeaseTo: soon, Purpose: "business", Tenants: []int64{member, member}})
		if err != nil {
			t.Fatal(err)
		}
		r, err := reg.GetRental(ctx, gw, id)
		if err != nil || r.LandlordName != "居民甲户主" || r.LandlordPhoneMask != "139****0000" || len(r.Tenants) != 1 || r.Tenants[0].ID != member {
			t.Fatalf("rental: %+v %v", r, err)
		}
		if !r.EndsWithin(today.Format("2006-01-02"), registry.ExpiringDays) {
			t.Fatal("a lease ending in 10 days is not expiring")
		}
		list, _, _ = reg.ListRentals(ctx, gw, registry.RentalFilter{Expiring: true})
		if len(list) != 1 || list[0].ID != id {
			t.Fatalf("expiring: %s", rentalAddresses(list))
		}
		var enc []byte
		var mask string
		if err := w.DB.QueryRowContext(ctx, `SELECT landlord_phone_enc, landlord_phone_mask FROM reg_rental WHERE id = ?`, id).Scan(&enc, &mask); err != nil {
			t.Fatal(err)
		}
		if len(enc) == 0 || bytes.Contains(enc, []byte("13912340000")) || mask != "139****0000" {
			t.Fatal("the landlord's phone is not sealed")
		}
		mine, _ := reg.RentalsOf(ctx, gw, w.C1, head)
		if len(mine) != 1 || mine[0].ID != id {
			t.Fatalf("rentals of the landlord: %s", rentalAddresses(mine))
		}

		// Revealing the phone needs the permission and is audited.
		if _, err := reg.RevealLandlordPhone(ctx, gw, id, "x"); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker revealed: %v", err)
		}
		phone, err := reg.RevealLandlordPhone(ctx, leader, id, "核实出租登记")
		if err != nil || phone != "13912340000" {
			t.Fatalf("reveal: %q %v", phone, err)
		}
		entries, _, _ := audit.Search(ctx, w.DB.Reader(), audit.Filter{Action: "rental.reveal"})
		if len(entries) != 1 || !strings.Contains(entries[0].Detail, "核实出租登记") || strings.Contains(entries[0].Detail, phone) {
			t.Fatalf("reveal audit: %+v", entries)
		}

		// A change without a phone keeps it; a landlord by name unlinks the person.
		if err := reg.UpdateRental(ctx, gw, id, registry.RentalInput{LandlordName: "王房东", LeaseFrom: r.LeaseFrom, LeaseTo: soon, Purpose: "residential", Remark: "二房东转租"}); err != nil {
			t.Fatal(err)
		}
		r, _ = reg.GetRental(ctx, gw, id)
		if r.LandlordName != "王房东" || r.LandlordPersonID != 0 || r.LandlordPhoneMask != "139****0000" || r.Purpose != "residential" {
			t.Fatalf("after update: %+v", r)
		}
		if err := reg.SetLandlord(ctx, gw, id, w.Objects["person"][apptest.InB]); err == nil {
			t.Fatal("grid worker made grid B's resident the landlord")
		}
		if err := reg.SetLandlord(ctx, gw, id, head); err != nil {
			t.Fatal(err)
		}

		// Tenants come and go; people outside the reach or departed cannot be added.
		if err := reg.AddTenant(ctx, gw, id, w.Objects["person"][apptest.InB]); !errors.As(err, &verrs) {
			t.Fatalf("tenant from grid B: %v", err)
		}
		if err := reg.AddTenant(ctx, gw, id, head); err != nil {
			t.Fatal(err)
		}
		if err := reg.AddTenant(ctx, gw, id, head); err != nil {
			t.Fatalf("adding a tenant twice: %v", err)
		}
		if err := reg.RemoveTenant(ctx, gw, id, member); err != nil {
			t.Fatal(err)
		}
		r, _ = reg.GetRental(ctx, gw, id)
		if len(r.Tenants) != 1 || r.Tenants[0].ID != head || r.TenantCount != 1 {
			t.Fatalf("tenants: %+v", r.Tenants)
		}

		// Ending: not before the lease began, once.
		if err := reg.EndRental(ctx, gw, id, "2000-01-01"); !errors.As(err, &verrs) {
			t.Fatalf("ended before it began: %v", err)
		}
		end := today.Format("2006-01-02")
		if err := reg.EndRental(ctx, gw, id, end); err != nil {
			t.Fatal(err)
		}
		var ie *i18n.Error
		if err := reg.EndRental(ctx, gw, id, end); !errors.As(err, &ie) || ie.Code != "conflict" {
			t.Fatalf("ended twice: %v", err)
		}
		if err := reg.AddTenant(ctx, gw, id, member); !errors.As(err, &ie) {
			t.Fatalf("tenant added to an ended rental: %v", err)
		}
		ended, _, _ := reg.ListRentals(ctx, gw, registry.RentalFilter{Status: registry.RentalEnded})
		active, _, _ := reg.ListRentals(ctx, gw, registry.RentalFilter{})
		all, _, _ := reg.ListRentals(ctx, gw, registry.RentalFilter{Status: "all"})
		if len(ended) != 1 || ended[0].LeaseTo != end || len(active) != 1 || len(all) != 2 {
			t.Fatalf("status filters: ended %d active %d all %d", len(ended), len(active), len(all))
		}
		for _, action := range []string{"rental.create", "rental.update", "rental.landlord", "rental.tenant_add", "rental.tenant_remove", "rental.end"} {
			if es, _, _ := audit.Search(ctx, w.DB.Reader(), audit.Filter{Action: action}); len(es) == 0 {
				t.Errorf("%s not audited", action)
			}
		}

		// A building that moves to another grid takes its rentals along.
		b, _ := w.App.Places.GetBuilding(ctx, leader, w.Objects["building"][apptest.InA])
		if err := w.App.Places.UpdateBuilding(ctx, leader, b.ID, places.BuildingInput{GridID: w.GridB, EstateID: b.EstateID, Name: b.Name, Floors: b.Floors}); err != nil {
			t.Fatal(err)
		}
		if list, _, _ := reg.ListRentals(ctx, gw, registry.RentalFilter{Status: "all"}); len(list) != 0 {
			t.Fatalf("grid A's worker still sees %s", rentalAddresses(list))
		}
	})
}

package registry_test

import (
	"context"
	"testing"

	"linli/internal/apptest"
	"linli/internal/db"
	"linli/internal/registry"
)

// One person per document across the deployment is kept by reg_identity: a
// document changed on a person is freed for another and taken from anyone
// else, in any community, and a search by the whole number across the street
// finds its person through it.
func TestIdentityFollowsDocumentChanges(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		street := w.Principal(t, "street_admin")
		old, neu := apptest.RegistryID("110105", 1985, 7), apptest.RegistryID("110105", 1986, 9)
		id, err := reg.CreatePerson(ctx, street, registry.PersonInput{Name: "换证人", IDNumber: old, DwellingID: w.Objects["dwelling"][apptest.InA]})
		if err != nil {
			t.Fatal(err)
		}
		if err := reg.UpdatePerson(ctx, street, id, registry.PersonInput{Name: "换证人", IDNumber: neu}); err != nil {
			t.Fatal(err)
		}
		// The new number is taken everywhere, the old one is free again.
		_, err = reg.CreatePerson(ctx, street, registry.PersonInput{Name: "冒用新号", IDNumber: neu, DwellingID: w.Objects["dwelling"][apptest.InD]})
		fieldErr(t, err, "id_number", "已在系统中登记")
		other, err := reg.CreatePerson(ctx, street, registry.PersonInput{Name: "用旧号", IDNumber: old, DwellingID: w.Objects["dwelling"][apptest.InD]})
		if err != nil {
			t.Fatalf("the number given up is still taken: %v", err)
		}
		// Taking another's number on an edit is refused too.
		err = reg.UpdatePerson(ctx, street, other, registry.PersonInput{Name: "用旧号", IDNumber: neu})
		fieldErr(t, err, "id_number", "已在系统中登记")
		for number, want := range map[string]string{neu: "换证人", old: "用旧号"} {
			list, _, err := reg.ListPeople(ctx, street, registry.Filter{Q: number, AgeMin: -1, AgeMax: -1})
			if err != nil || len(list) != 1 || list[0].Name != want {
				t.Fatalf("search by %s: %v %v", number, ids(list), err)
			}
		}
	})
}

// A violation of reg_identity's key is told apart by the key's name in the
// error's text on every engine: from a statement, and from a bulk load's
// COPY, which Citus reports as SQLSTATE XX000 without the constraint's name
// in the error's fields; another table's duplicate is not taken for it.
func TestIdentityConflictIsRecognised(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		d := w.DB
		hash := "conflict-test-hash"
		if _, err := d.ExecContext(ctx, `INSERT INTO reg_identity (id_hash, community_id, person_id) VALUES (?, ?, ?)`, hash, w.C1, w.Objects["person"][apptest.InA]); err != nil {
			t.Fatal(err)
		}
		_, err := d.ExecContext(ctx, `INSERT INTO reg_identity (id_hash, community_id, person_id) VALUES (?, ?, ?)`, hash, w.C2, w.Objects["person"][apptest.InD])
		if err == nil || !registry.IsIdentityConflict(err) {
			t.Fatalf("a statement's duplicate document: %v", err)
		}
		err = d.InBulkTx(ctx, func(tx *db.Tx) error {
			b := tx.NewBatch("reg_identity", []string{"id_hash", "community_id", "person_id"}, 10)
			if err := b.Add(ctx, "conflict-test-other", w.C2, w.Objects["member"][apptest.InD]); err != nil {
				return err
			}
			if err := b.Add(ctx, hash, w.C2, w.Objects["person"][apptest.InD]); err != nil {
				return err
			}
			return b.Flush(ctx)
		})
		if err == nil || !registry.IsIdentityConflict(err) {
			t.Fatalf("a bulk load's duplicate document: %v", err)
		}
		_, err = d.ExecContext(ctx, `INSERT INTO reg_tag (code, name, created_at, updated_at) VALUES ('elderly', '重名', 0, 0)`)
		if err == nil || registry.IsIdentityConflict(err) {
			t.Fatalf("another table's duplicate: %v", err)
		}
	})
}

// A person moves to another community with their rows: the record keeps its
// id, residences, timeline and groups, lives in the new community (its staff
// find them by name and number, the old community's do not), the document
// stays theirs, and what belonged to the old community ends there (the
// tenancy). Someone who belongs to a household cannot leave its community
// alone.
func TestMoveToAnotherCommunityKeepsHistory(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		street := w.Principal(t, "street_admin")
		c1, c2 := w.Principal(t, "community_admin"), w.Principal(t, "community_admin_c2")
		number := apptest.RegistryID("110105", 1970, 5)
		id, err := reg.CreatePerson(ctx, street, registry.PersonInput{Name: "迁居者", IDNumber: number, DwellingID: w.Objects["dwelling"][apptest.InA],
			Tags: []string{"elderly"}, Since: "2021-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		rental := w.Objects["rental"][apptest.InA]
		if err := reg.AddTenant(ctx, street, rental, id); err != nil {
			t.Fatal(err)
		}
		// A household member is refused: the household stays in its community.
		err = reg.MovePerson(ctx, street, w.Objects["member"][apptest.InA], w.Objects["dwelling"][apptest.InD], 0, "2026-02-01")
		fieldErr(t, err, "dwelling_id", "同一社区")

		if err := reg.MovePerson(ctx, street, id, w.Objects["dwelling"][apptest.InD], 0, "2026-02-01"); err != nil {
			t.Fatal(err)
		}
		p, err := reg.GetPerson(ctx, c2, id)
		if err != nil {
			t.Fatalf("the new community's staff: %v", err)
		}
		if p.CommunityID != w.C2 || p.DwellingID != w.Objects["dwelling"][apptest.InD] || len(p.Tags) != 1 || p.Tags[0].Code != "elderly" {
			t.Fatalf("moved person: %+v, tags %v", p, p.Tags)
		}
		if _, err := reg.GetPerson(ctx, c1, id); err == nil {
			t.Fatal("the old community's staff still read the person")
		}
		res, err := reg.Residences(ctx, w.C2, id)
		if err != nil || len(res) != 2 || res[0].From != "2026-02-01" || res[0].To != "" || res[1].From != "2021-01-01" || res[1].To != "2026-02-01" {
			t.Fatalf("residences after the move: %+v %v", res, err)
		}
		tl, err := reg.Timeline(ctx, w.C2, id, 0, 0)
		kinds := map[string]bool{}
		for _, e := range tl {
			kinds[e.Kind] = true
		}
		if err != nil || !kinds[registry.EventRegister] || !kinds[registry.EventMoveIn] {
			t.Fatalf("timeline after the move: %+v %v", tl, err)
		}
		for _, q := range []string{"迁居", number} {
			if list, _, err := reg.ListPeople(ctx, c2, registry.Filter{Q: q, AgeMin: -1, AgeMax: -1}); err != nil || len(list) != 1 || list[0].ID != id {
				t.Fatalf("the new community searching %s: %v %v", q, ids(list), err)
			}
			if list, _, err := reg.ListPeople(ctx, c1, registry.Filter{Q: q, AgeMin: -1, AgeMax: -1}); err != nil || len(list) != 0 {
				t.Fatalf("the old community searching %s: %v %v", q, ids(list), err)
			}
		}
		if counts, err := reg.TagCounts(ctx, c2); err != nil || counts["elderly"] != 1 {
			t.Fatalf("the new community's group counts: %v %v", counts, err)
		}
		_, err = reg.CreatePerson(ctx, street, registry.PersonInput{Name: "同号", IDNumber: number, DwellingID: w.Objects["dwelling"][apptest.InB]})
		fieldErr(t, err, "id_number", "已在系统中登记")
		rt, err := reg.GetRental(ctx, c1, rental)
		if err != nil {
			t.Fatal(err)
		}
		for _, tn := range rt.Tenants {
			if tn.ID == id {
				t.Fatal("the tenancy in the old community did not end")
			}
		}
		// And back again, as a household of one: 分户 is not needed.
		if err := reg.MovePerson(ctx, street, id, w.Objects["dwelling"][apptest.InA], 0, "2026-03-01"); err != nil {
			t.Fatal(err)
		}
		if res, _ := reg.Residences(ctx, w.C1, id); len(res) != 3 {
			t.Fatalf("residences after moving back: %+v", res)
		}
	})
}

// A household moves to another community whole: its id, 户号, members
// (present and former) and timeline go with it.
func TestHouseholdMovesToAnotherCommunity(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		street := w.Principal(t, "street_admin")
		hh, head, spouse := w.Objects["household"][apptest.InA], w.Objects["person"][apptest.InA], w.Objects["member"][apptest.InA]
		child, err := reg.CreatePerson(ctx, street, registry.PersonInput{Name: "居民甲子女", DwellingID: w.Objects["dwelling"][apptest.InA], HouseholdID: hh, Relation: "son", Since: "2020-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		if err := reg.Depart(ctx, street, child, registry.Leave{Kind: registry.EventMoveOut, On: "2026-01-10", Destination: "北京市"}); err != nil {
			t.Fatal(err)
		}
		// Into a household of another community: refused.
		err = reg.MergeHouseholds(ctx, street, hh, w.Objects["household"][apptest.InD], map[int64]string{head: "other", spouse: "other"}, "2026-01-20")
		fieldErr(t, err, "into", "同一社区")

		if err := reg.MoveHousehold(ctx, street, hh, w.Objects["dwelling"][apptest.InD], "2026-02-01"); err != nil {
			t.Fatal(err)
		}
		h, err := reg.GetHousehold(ctx, w.Principal(t, "community_admin_c2"), hh)
		if err != nil {
			t.Fatal(err)
		}
		if h.CommunityID != w.C2 || h.DwellingID != w.Objects["dwelling"][apptest.InD] || h.Number != "H-甲" || h.HeadID != head || len(h.Members) != 3 {
			t.Fatalf("household after the move: %+v, %d members", h, len(h.Members))
		}
		for _, m := range h.Members {
			if m.CommunityID != w.C2 {
				t.Fatalf("member %s left behind in community %d", m.Name, m.CommunityID)
			}
			if m.Status == registry.StatusActive && m.DwellingID != h.DwellingID {
				t.Fatalf("member %s does not live with the household", m.Name)
			}
		}
		tl, err := reg.Timeline(ctx, w.C2, 0, hh, 0)
		kinds := map[string]bool{}
		for _, e := range tl {
			kinds[e.Kind] = true
		}
		if err != nil || !kinds[registry.EventRegister] || !kinds[registry.EventMoveOut] || !kinds[registry.EventMoveIn] {
			t.Fatalf("the household's timeline after the move: %+v %v", tl, err)
		}
		if _, err := reg.GetHousehold(ctx, w.Principal(t, "community_admin"), hh); err == nil {
			t.Fatal("the old community's staff still read the household")
		}
		// A 分户 into another community takes its members' rows along.
		nh, err := reg.SplitHousehold(ctx, street, hh, registry.Split{Members: []int64{spouse}, NewHead: spouse, Number: "H-甲分", Dwelling: w.Objects["dwelling"][apptest.InB], On: "2026-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		n, err := reg.GetHousehold(ctx, w.Principal(t, "community_admin"), nh)
		if err != nil || n.CommunityID != w.C1 || len(n.Members) != 1 || n.Members[0].ID != spouse || n.HeadID != spouse {
			t.Fatalf("the split-off household: %+v %v", n, err)
		}
	})
}

// A rental's landlord and tenants are people of its community.
func TestRentalPeopleAreOfItsCommunity(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		street := w.Principal(t, "street_admin")
		_, err := reg.CreateRental(ctx, street, registry.RentalInput{DwellingID: w.Objects["dwelling"][apptest.InA], LandlordPersonID: w.Objects["person"][apptest.InD], LeaseFrom: "2026-01-01"})
		fieldErr(t, err, "landlord_person_id", "本房屋所在社区")
		_, err = reg.CreateRental(ctx, street, registry.RentalInput{DwellingID: w.Objects["dwelling"][apptest.InA], LandlordName: "外来房东", LeaseFrom: "2026-01-01", Tenants: []int64{w.Objects["person"][apptest.InD]}})
		fieldErr(t, err, "tenants", "其他社区")
		err = reg.SetLandlord(ctx, street, w.Objects["rental"][apptest.InA], w.Objects["person"][apptest.InD])
		fieldErr(t, err, "landlord_person_id", "本房屋所在社区")
		err = reg.AddTenant(ctx, street, w.Objects["rental"][apptest.InA], w.Objects["person"][apptest.InD])
		fieldErr(t, err, "tenants", "其他社区")
		if err := reg.SetLandlord(ctx, street, w.Objects["rental"][apptest.InA], w.Objects["person"][apptest.InB]); err != nil {
			t.Fatalf("a landlord of the community: %v", err)
		}
	})
}

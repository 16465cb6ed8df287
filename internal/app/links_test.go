package app_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/cases"
)

// Cases link to registry people and households within the user's scope, and a
// household file shows the cases of its members.
func TestCasesLinkToRegistryAndShowOnHouseholdFile(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		gw := w.Principal(t, "grid_worker")
		leader := w.Principal(t, "community_admin")
		caseA := w.Objects["case"][apptest.InA]
		disputeA := w.Objects["case_dispute"][apptest.InA]
		personA, memberA := w.Objects["person"][apptest.InA], w.Objects["member"][apptest.InA]
		householdA, personB := w.Objects["household"][apptest.InA], w.Objects["person"][apptest.InB]

		// Search offers only people the user may see, masked.
		refs, err := s.SearchLinks(ctx, gw, cases.LinkPerson, "居民")
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) == 0 {
			t.Fatal("grid worker found nobody of their own grid")
		}
		for _, r := range refs {
			if r.GridID != w.GridA {
				t.Fatalf("grid worker of A was offered %q of grid %d", r.Label, r.GridID)
			}
			if strings.Contains(r.Label, "110105") {
				t.Fatalf("label shows an unmasked ID number: %q", r.Label)
			}
		}
		// Linking someone of another grid is as if they did not exist.
		own, err := s.Create(ctx, gw, cases.CreateInput{Type: "grid_event", Category: "facility", Title: "楼道堆物", Source: "patrol", GridID: w.GridA})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddLink(ctx, gw, own, cases.LinkPerson, personB); err == nil || !strings.Contains(err.Error(), "找不到") {
			t.Fatalf("grid A linked a person of grid B: %v", err)
		}
		if err := s.AddLink(ctx, gw, own, cases.LinkPerson, personA); err != nil {
			t.Fatalf("grid A could not link its own resident: %v", err)
		}
		if err := s.AddLink(ctx, leader, caseA, cases.LinkPerson, memberA); err != nil {
			t.Fatal(err)
		}
		if err := s.AddLink(ctx, leader, disputeA, cases.LinkHousehold, householdA); err != nil {
			t.Fatal(err)
		}
		links, err := s.Links(ctx, leader, disputeA)
		if err != nil || len(links) == 0 || !strings.Contains(links[len(links)-1].Label, "H-甲") {
			t.Fatalf("household link label: %+v %v", links, err)
		}

		srv := w.Server(t)
		page := func(user string) string {
			c := apptest.NewClient(t, srv.URL).Login(user, apptest.Password)
			resp, body := c.Get("/registry/households/" + itoa(householdA))
			if resp.StatusCode != 200 {
				t.Fatalf("%s: household page %d", user, resp.StatusCode)
			}
			return body
		}
		body := page("community_admin")
		for _, want := range []string{"相关事项", "甲诉求噪音扰民", "甲纠纷漏水"} {
			if !strings.Contains(body, want) {
				t.Fatalf("household file lacks %q", want)
			}
		}
		// The request was linked to a member, not the head: the file still shows it.
		if refs, _ := s.RelatedTo(ctx, leader, cases.LinkPerson, []int64{memberA}); len(refs) != 1 || refs[0].ID != caseA {
			t.Fatalf("the member's cases: %+v", refs)
		}
	})
}

// A resident's portal request lands in the community and grid where the
// registry says they live, without asking.
func TestResidentRequestLandsAtHome(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		sys := auth.System("test")
		person := w.Objects["person"][apptest.InB]
		if _, err := w.App.Auth.CreateUser(ctx, sys, auth.NewUser{Username: "resident_b", DisplayName: "居民乙", Password: apptest.Password,
			Roles: []auth.Role{auth.RoleResident}, PersonID: person, MFAExempt: true}); err != nil {
			t.Fatal(err)
		}
		res, err := w.App.Auth.Login(ctx, "resident_b", apptest.Password, "ip", "ua", auth.KindWeb)
		if err != nil {
			t.Fatal(err)
		}
		id, err := w.App.Cases.Create(ctx, res.Principal, cases.CreateInput{Type: "request", Category: "repair", Title: "单元门坏了"})
		if err != nil {
			t.Fatal(err)
		}
		var community, grid int64
		if err := w.DB.QueryRowContext(ctx, `SELECT community_id, grid_id FROM cases WHERE id = ?`, id).Scan(&community, &grid); err != nil {
			t.Fatal(err)
		}
		if community != w.C1 || grid != w.GridB {
			t.Fatalf("request filed in %d/%d, want community %d grid %d", community, grid, w.C1, w.GridB)
		}
	})
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

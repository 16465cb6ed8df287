package venues_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
)

// Staff book for a resident without a phone: the grid worker finds the
// person in their grid, books in their name; the booking is on the
// person's file and in the resident's own portal list, which may cancel
// it. A person outside the worker's scope, or none, is refused by field
// and nothing is saved.
func TestBookOnBehalf(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		srv := w.Server(t)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		leader := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		v := newVenue(t, w, "代约室", false)
		personA, personD := w.Objects["person"][apptest.InA], w.Objects["person"][apptest.InD]
		per, err := w.App.Registry.GetPerson(ctx, w.Principal(t, "community_admin"), personA)
		if err != nil {
			t.Fatal(err)
		}
		d := day(4, 0, 0).Format(time.DateOnly)

		// The search on the week page offers the person, picked.
		resp, body := gw.Get(fmt.Sprintf("/venues/%d?who=%s", v, url.QueryEscape(per.Name)))
		if resp.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf(`name="person_id" value="%d" checked`, personA)) {
			t.Fatalf("person search on the week page: %d", resp.StatusCode)
		}
		book := func(pid int64, title string) (*http.Response, string) {
			f := url.Values{"day": {d}, "start": {"09:00"}, "end": {"10:00"}, "title": {title}, "booker_kind": {"resident"}}
			if pid != 0 {
				f.Set("person_id", fmt.Sprint(pid))
			}
			return gw.PostForm(fmt.Sprintf("/venues/%d", v), f)
		}
		count := func(title string) int {
			var n int
			w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM venue_booking WHERE title = ?`, title).Scan(&n)
			return n
		}
		if resp, body := book(0, "无人预约"); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "代哪位居民预约") || count("无人预约") != 0 {
			t.Fatalf("no person: %d", resp.StatusCode)
		}
		if resp, body := book(personD, "越界预约"); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "不在您的负责范围内") || count("越界预约") != 0 {
			t.Fatalf("a person of another community: %d", resp.StatusCode)
		}
		if resp, body := book(personA, "代约读报"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("book for the person: %d %s", resp.StatusCode, body)
		}
		var id, pid int64
		var name string
		w.DB.QueryRowContext(ctx, `SELECT id, booker_person_id, booker_name FROM venue_booking WHERE title = '代约读报' AND booker_kind = 'resident'`).Scan(&id, &pid, &name)
		if id == 0 || pid != personA || name != per.Name {
			t.Fatalf("the booking: id %d, person %d, name %q", id, pid, name)
		}

		// The person's file lists it.
		if resp, body := leader.Get(fmt.Sprintf("/registry/people/%d", personA)); resp.StatusCode != 200 || !strings.Contains(body, "代约读报") {
			t.Fatalf("person page: %d", resp.StatusCode)
		}
		// The resident's own portal list too; they may cancel it.
		if _, err := w.App.Auth.CreateUser(ctx, auth.System("test"), auth.NewUser{Username: "behalf_resident", DisplayName: per.Name, Password: apptest.Password,
			Roles: []auth.Role{auth.RoleResident}, PersonID: personA, MFAExempt: true}); err != nil {
			t.Fatal(err)
		}
		res := apptest.NewClient(t, srv.URL).Login("behalf_resident", apptest.Password)
		if resp, body := res.Get("/portal/venues"); resp.StatusCode != 200 || !strings.Contains(body, "代约读报") {
			t.Fatalf("the resident's portal list: %d", resp.StatusCode)
		}
		if resp, _ := res.PostForm(fmt.Sprintf("/portal/venues/bookings/%d/cancel", id), url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the resident cancels: %d", resp.StatusCode)
		}
		if resp, body := book(personA, "代约读报二"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the freed time again: %d %s", resp.StatusCode, body)
		}
	})
}

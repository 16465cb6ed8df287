package activities_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"linli/internal/activities"
	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/volunteers"
)

// A volunteer of the community serves at an activity: added once, checked
// out after it began with their times, which records their service hours
// in the volunteers module once (a second check-out records nothing more);
// bad times are refused with nothing saved; another community's volunteer
// cannot be added and another community's staff do not see the helper.
func TestHelperHours(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Activities
		staff := w.Principal(t, "community_admin")
		vol := w.Objects["volunteer"][apptest.InA]
		before, err := w.App.Volunteers.Get(ctx, staff, vol)
		if err != nil {
			t.Fatal(err)
		}
		start := soon(-26 * time.Hour)
		id := newActivity(t, w, "义诊活动", 0, start)
		future := newActivity(t, w, "下周讲座", 0, soon(7*24*time.Hour))

		if err := s.AddHelper(ctx, staff, id, vol, "签到引导"); err != nil {
			t.Fatalf("add: %v", err)
		}
		if err := s.AddHelper(ctx, staff, id, vol, ""); !errors.Is(err, activities.ErrHelperAlready) {
			t.Fatalf("added twice: %v", err)
		}
		var verrs *i18n.Errors
		if err := s.AddHelper(ctx, staff, id, w.Objects["volunteer"][apptest.InD], ""); !errors.As(err, &verrs) || verrs.For("volunteer_id") == "" {
			t.Fatalf("another community's volunteer: %v", err)
		}
		if err := s.AddHelper(ctx, staff, future, vol, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CheckOut(ctx, staff, future, vol, activities.HelperInput{CheckIn: start, CheckOut: start.Add(time.Hour)}); !errors.Is(err, activities.ErrNotBegun) {
			t.Fatalf("check-out before the start: %v", err)
		}
		a, _ := s.Get(ctx, staff, id)
		hs, err := s.Helpers(ctx, staff, a)
		if err != nil || len(hs) != 1 || hs[0].CheckIn != a.StartsAt || hs[0].CheckOut != a.EndsAt || hs[0].Role != "签到引导" || hs[0].CheckedOutAt != 0 {
			t.Fatalf("helpers: %+v %v", hs, err)
		}
		// Out before in: refused, nothing saved or recorded.
		_, err = s.CheckOut(ctx, staff, id, vol, activities.HelperInput{CheckIn: start, CheckOut: start.Add(-time.Hour)})
		if !errors.As(err, &verrs) || verrs.For("check_out") == "" {
			t.Fatalf("out before in: %v", err)
		}
		count := func() (n, minutes int) {
			if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(minutes), 0) FROM vol_record WHERE activity_id = ? AND volunteer_id = ?`, id, vol).
				Scan(&n, &minutes); err != nil {
				t.Fatal(err)
			}
			return
		}
		if n, _ := count(); n != 0 {
			t.Fatalf("%d records after a refused check-out", n)
		}
		if _, _, err := s.Helper(ctx, w.Principal(t, "community_admin_c2"), id, vol); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("another community's staff: %v", err)
		}

		h, err := s.CheckOut(ctx, staff, id, vol, activities.HelperInput{Role: "秩序维护", CheckIn: start.Add(-30 * time.Minute), CheckOut: start.Add(time.Hour)})
		if err != nil {
			t.Fatalf("check-out: %v", err)
		}
		if h.Hours() != "1.5" || h.Role != "秩序维护" {
			t.Fatalf("checked out: %+v (%s h)", h, h.Hours())
		}
		if n, m := count(); n != 1 || m != 90 {
			t.Fatalf("records: %d of %d minutes", n, m)
		}
		after, err := w.App.Volunteers.Get(ctx, staff, vol)
		if err != nil || after.Minutes != before.Minutes+90 {
			t.Fatalf("the volunteer's hours: %d → %d (%v)", before.Minutes, after.Minutes, err)
		}
		// Again, with other times: the saved ones stay, nothing more is recorded.
		h, err = s.CheckOut(ctx, staff, id, vol, activities.HelperInput{CheckIn: start, CheckOut: start.Add(5 * time.Hour)})
		if err != nil || h.Minutes() != 90 {
			t.Fatalf("second check-out: %+v %v", h, err)
		}
		if n, m := count(); n != 1 || m != 90 {
			t.Fatalf("records after a second check-out: %d of %d minutes", n, m)
		}
		var audits int
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'activities.helper_checkout'`).Scan(&audits); err != nil || audits != 1 {
			t.Fatalf("check-out audits: %d %v", audits, err)
		}
	})
}

// The activity form offers the expert pool's people as speakers, by name
// and field; the field stays free text.
func TestFormOffersExperts(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		if _, err := w.App.Volunteers.CreateExpert(ctx, w.Principal(t, "community_admin"), volunteers.ExpertInput{CommunityID: w.C1, Name: "王医生",
			Phone: "13912340000", Field: "medical", Topics: "慢病管理"}); err != nil {
			t.Fatal(err)
		}
		srv := w.Server(t)
		leader := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		resp, body := leader.Get("/activities/new")
		if resp.StatusCode != 200 || !strings.Contains(body, `list="speaker-list"`) || !strings.Contains(body, `<option value="王医生（医疗）">`) {
			t.Fatalf("the form: %d, offers no expert:\n%s", resp.StatusCode, body)
		}
		// Another community's leader does not see community 1's expert.
		other := apptest.NewClient(t, srv.URL).Login("community_admin_c2", apptest.Password)
		if _, body := other.Get("/activities/new"); strings.Contains(body, "王医生") {
			t.Fatal("community 2's form offers community 1's expert")
		}
		// Free text still goes.
		id, err := w.App.Activities.Create(ctx, w.Principal(t, "community_admin"), activities.Input{OrgID: w.C1, Title: "讲座", Speakers: "外请李老师",
			StartsAt: soon(48 * time.Hour), EndsAt: soon(49 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if a, _ := w.App.Activities.Get(ctx, w.Principal(t, "community_admin"), id); a.Speakers != "外请李老师" {
			t.Fatalf("speakers: %q", a.Speakers)
		}
	})
}

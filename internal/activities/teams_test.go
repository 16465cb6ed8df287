package activities_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"linli/internal/activities"
	"linli/internal/apptest"
	"linli/internal/i18n"
	"linli/internal/volunteers"
)

// A team signed up at once: its registry-person members through the normal
// sign-up (the first takes the one place, the next waits), its outsider
// leader skipped; a second time everyone is skipped; another community's
// team is refused by field.
func TestTeamSignUp(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Activities
		staff := w.Principal(t, "community_admin")
		team := w.Objects["vol_team"][apptest.InA] // led by the outsider "甲志愿者", its one member
		for _, wh := range []apptest.Where{apptest.InA, apptest.InB} {
			v, err := w.App.Volunteers.CreateVolunteer(ctx, staff, volunteers.VolunteerInput{CommunityID: w.C1, PersonID: w.Objects["person"][wh]})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.App.Volunteers.AddMember(ctx, staff, team, v, ""); err != nil {
				t.Fatal(err)
			}
		}
		id := newActivity(t, w, "团队健康讲座", 1, soon(72*time.Hour))
		res, err := s.SignUpTeam(ctx, staff, id, team)
		if err != nil || res != (activities.TeamResult{Accepted: 1, Waiting: 1, Skipped: 1}) {
			t.Fatalf("team sign-up: %+v %v", res, err)
		}
		a, _ := s.Get(ctx, staff, id)
		if a.Accepted != 1 || a.Waiting != 1 {
			t.Fatalf("counters: %d accepted, %d waiting", a.Accepted, a.Waiting)
		}
		var n int
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_signup WHERE activity_id = ? AND source = 'staff'`, id).Scan(&n); err != nil || n != 2 {
			t.Fatalf("sign-ups: %d %v", n, err)
		}
		if res, err = s.SignUpTeam(ctx, staff, id, team); err != nil || res != (activities.TeamResult{Skipped: 3}) {
			t.Fatalf("again: %+v %v", res, err)
		}
		var verrs *i18n.Errors
		if _, err := s.SignUpTeam(ctx, staff, id, w.Objects["vol_team"][apptest.InD]); !errors.As(err, &verrs) || verrs.For("team_id") == "" {
			t.Fatalf("another community's team: %v", err)
		}
		if _, err := s.SignUpTeam(ctx, w.Principal(t, "community_admin_c2"), id, team); err == nil {
			t.Fatal("another community's leader signed a team up")
		}
	})
}

package demo

import (
	"context"
	"time"

	"linli/internal/activities"
	"linli/internal/volunteers"
)

// After the activities and the volunteers: volunteers serving at the first
// community's past activities, checked out with their times, so that the
// activity page lists its helpers and their hours reach the volunteers'
// records.
func init() {
	Register(78, "安排志愿者服务社区活动 / activity helpers", demoActivityHelpers)
}

func demoActivityHelpers(ctx context.Context, env *Env) error {
	a := env.App
	sys := env.System
	if len(env.Result.Communities) == 0 {
		return nil
	}
	community := env.Result.Communities[0]
	vols, err := a.Volunteers.List(ctx, sys, volunteers.Filter{CommunityID: community, Status: volunteers.StatusConfirmed, Limit: 6})
	if err != nil || len(vols) == 0 {
		return err
	}
	roles := []string{"签到引导", "秩序维护", "摄影记录", "物资发放"}
	now := time.Now()
	served := 0
	for _, status := range []string{activities.StatusSummarised, activities.StatusHeld} {
		list, _, err := a.Activities.List(ctx, sys, activities.Filter{CommunityID: community, Status: status, Limit: 20})
		if err != nil {
			return err
		}
		for _, ac := range list {
			if served >= 8 || ac.EndsAt >= now.UnixMilli() {
				continue
			}
			for k := 0; k < 2; k++ {
				v := vols[(served+k)%len(vols)]
				role := roles[(served+k)%len(roles)]
				if err := a.Activities.AddHelper(ctx, sys, ac.ID, v.ID, role); err != nil {
					return err
				}
				// From half an hour before to the end: setting up and clearing away.
				in := activities.HelperInput{Role: role, CheckIn: time.UnixMilli(ac.StartsAt).Add(-30 * time.Minute), CheckOut: time.UnixMilli(ac.EndsAt)}
				if _, err := a.Activities.CheckOut(ctx, sys, ac.ID, v.ID, in); err != nil {
					return err
				}
			}
			served++
		}
	}
	env.Say("  %d 场活动安排了志愿者", served)
	return nil
}

package demo

import (
	"context"
	"fmt"
	"time"

	"linli/internal/auth"
	"linli/internal/cases"
	"linli/internal/locale"
	"linli/internal/patrols"
	"linli/internal/places"
)

func init() { Register(60, "生成网格巡查记录 / patrols", demoPatrols) }

// patrolWorkers name the grid workers of the demo's other grids: the demo
// account grid_worker walks the first grid of 翠苑一区社区; each other grid
// has its own worker (an account without a known password, for the
// statistics' sake).
var patrolWorkers = []string{"周晓燕", "吴海峰", "郑丽华", "孙志强", "马秀兰", "朱建平", "胡玉梅", "林国庆", "何春燕", "高伟", "罗红霞",
	"梁志明", "宋丽萍", "谢东", "韩桂英", "唐军", "冯小红", "董建华"}

// demoPatrols gives every grid of the demo street three months of patrols
// before today: most days an hour or so, some days short, some days none
// (weekends more often), a few left open and closed at four hours; and
// today, for the demo account, none yet (its 待办 says 今日尚未巡查). A few
// patrols report a grid event, linked to the patrol.
func demoPatrols(ctx context.Context, env *Env) error {
	a := env.App
	sys := env.System
	rng := env.Rand
	now := time.Now().In(locale.Zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, locale.Zone)
	gw, err := a.Auth.GetUserByName(ctx, "grid_worker")
	if err != nil {
		return err
	}
	c1 := env.Result.Communities[0]
	n := 0
	var list []patrols.Past
	for ci, cid := range env.Result.Communities {
		for gi, g := range env.Result.Grids[cid] {
			user := gw.ID
			if cid != c1 || gi != 0 {
				name := patrolWorkers[n%len(patrolWorkers)]
				n++
				id, err := a.Auth.CreateUser(ctx, sys, auth.NewUser{Username: fmt.Sprintf("gw_%d_%d", ci+1, gi+1), DisplayName: name, Password: generatePassword(),
					Roles: []auth.Role{auth.RoleGridWorker}, Scope: []int64{g}, MFAExempt: true})
				if err != nil {
					return err
				}
				user = id
			}
			buildings, _, err := a.Places.ListBuildings(ctx, sys, places.BuildingFilter{GridID: g, Limit: 500})
			if err != nil {
				return err
			}
			diligence := 70 + rng.IntN(25) // how often this worker patrols
			for d := today.AddDate(0, 0, -91); d.Before(today); d = d.AddDate(0, 0, 1) {
				chance := diligence
				if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
					chance -= 45
				}
				if rng.IntN(100) >= chance {
					continue
				}
				start := d.Add(time.Duration(8*60+rng.IntN(9*60)) * time.Minute)
				mins := 50 + rng.IntN(30)
				switch r := rng.IntN(100); {
				case r < 15:
					mins = 15 + rng.IntN(30) // cut short
				case r < 17:
					mins = patrols.MaxOpen // left open, closed at four hours
				}
				ps := patrols.Past{UserID: user, GridID: g, StartedAt: start.UnixMilli(), EndedAt: start.Add(time.Duration(mins) * time.Minute).UnixMilli(),
					TrackConsent: rng.IntN(3) == 0}
				for _, b := range buildings {
					if rng.IntN(3) == 0 {
						ps.Buildings = append(ps.Buildings, b.ID)
					}
				}
				list = append(list, ps)
			}
		}
	}
	ids, err := a.Patrols.ImportPast(ctx, sys, list)
	if err != nil {
		return err
	}
	// A few findings of the last weeks, reported as grid events on their patrol.
	findings := []struct{ category, title string }{
		{"facility", "路灯不亮"}, {"environment", "楼道堆放杂物"}, {"facility", "井盖松动"}, {"environment", "绿化带垃圾堆积"}, {"facility", "单元门禁损坏"},
	}
	t, ok := a.Cases.Type(ctx, "grid_event")
	if !ok {
		return nil
	}
	made := 0
	for made < len(findings) && len(ids) >= len(findings) {
		// The last patrol of each fifth of the list (grid by grid, day by
		// day): recent ones, spread over the street.
		i := (made+1)*len(ids)/len(findings) - 1
		f := findings[made]
		if _, ok := t.Category(f.category); !ok {
			f.category = t.Categories[0].Code
		}
		if _, err := a.Cases.Create(ctx, sys, cases.CreateInput{Type: "grid_event", Category: f.category, Title: f.title, Description: "网格巡查时发现：" + f.title,
			Source: "patrol", GridID: list[i].GridID, Links: []cases.LinkRef{{Kind: cases.LinkPatrol, RefID: ids[i]}}}); err != nil {
			return err
		}
		made++
	}
	env.Say("  %d 次巡查，%d 个巡查发现", len(ids), made)
	return nil
}

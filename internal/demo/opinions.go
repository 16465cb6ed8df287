package demo

import (
	"context"
	"fmt"
	"time"

	"linli/internal/auth"
	"linli/internal/locale"
	"linli/internal/opinions"
)

func init() { Register(60, "生成社情民意 / opinions", demoOpinions) }

// demoOpinionTexts are what residents say, by category.
var demoOpinionTexts = map[string][]string{
	"environment": {"楼道里堆了很多纸箱，存在消防隐患", "垃圾分类点晚上经常满溢，有异味", "小区绿化带很久没修剪了", "雨后地下车库入口积水"},
	"property":    {"电梯经常停运，老人上下楼不方便", "物业费公示不清楚，希望公开收支", "单元门禁坏了一个多月没人修", "楼顶漏水，物业一直推诿"},
	"security":    {"小区后门晚上没人值守", "监控探头有几个不亮了", "最近有陌生人挨家推销"},
	"traffic":     {"非机动车乱停，堵住消防通道", "小区门口早高峰拥堵，希望增设临时停车位", "充电桩太少，电动车飞线充电"},
	"elderly":     {"希望增加老年食堂的助餐点", "独居老人希望有人定期上门看看", "社区养老服务站能否延长开放时间"},
	"medical":     {"希望社区卫生站增加周末门诊", "家庭医生签约怎么办理", "希望组织老人免费体检"},
	"jobs":        {"想了解灵活就业社保补贴怎么申请", "希望社区组织一次招聘会"},
	"culture":     {"希望周末开放活动室给孩子们用", "广场舞音响声音太大，影响休息", "希望多组织一些读书会"},
	"policy":      {"医保异地报销怎么办理", "老旧小区加装电梯的补贴政策是什么", "居住证办理需要哪些材料"},
	"other":       {"希望社区公众号及时发布停水停电通知", "建议在小区里增设快递柜"},
}

// demoAnswers are the office's answers, by category.
var demoAnswers = map[string]string{
	"environment": "已通知物业当天清理，并纳入每周巡查。",
	"property":    "已约谈物业公司，要求一周内整改并公示结果。",
	"security":    "已与派出所和物业沟通，增加夜间巡逻。",
	"traffic":     "已联系物业划定非机动车停放区，将每日巡查。",
	"elderly":     "已向街道反映，助餐点选址正在协调中。",
	"medical":     "已与社区卫生服务中心联系，具体安排将另行通知。",
	"jobs":        "相关政策已整理成告知单，可到社区服务大厅领取。",
	"culture":     "活动室周六上午向居民开放，欢迎报名。",
	"policy":      "已当面解释政策并提供办理指引。",
	"other":       "建议已收到，社区将研究后统一答复。",
}

// demoOpinions gives the demo street three months of residents' opinions:
// gathered at each community's monthly 居民代表会 and its grids' 楼栋长会,
// at visits, at the door, by phone and on the portal; most of the older ones
// answered, some turned into cases, a few closed, the recent ones partly open
// (some waiting longer than the home page allows).
func demoOpinions(ctx context.Context, env *Env) error {
	a := env.App
	s := a.Opinions
	sys := env.System
	rng := env.Rand
	now := time.Now().In(locale.Zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, locale.Zone)
	user := func(name string) int64 {
		u, err := a.Auth.GetUserByName(ctx, name)
		if err != nil {
			return 0
		}
		return u.ID
	}
	leader, resident := user("community_admin"), user("resident")
	pickCat := func() string {
		// Environment and property come up most.
		weighted := []string{"environment", "environment", "environment", "property", "property", "property", "traffic", "traffic", "security",
			"elderly", "elderly", "medical", "jobs", "culture", "policy", "other"}
		return weighted[rng.IntN(len(weighted))]
	}
	text := func(cat string) string {
		list := demoOpinionTexts[cat]
		return list[rng.IntN(len(list))]
	}
	names := []string{"王阿姨", "李师傅", "张大爷", "陈女士", "刘先生", "赵老师", "周阿姨", "吴先生", ""}
	type made struct {
		id        int64
		community int64
		cat       string
		on        time.Time
	}
	var all []made
	add := func(community int64, in opinions.OpinionInput, on time.Time) error {
		in.RaisedOn = on.Format(time.DateOnly)
		if in.Category == "" {
			in.Category = pickCat()
		}
		if in.Content == "" {
			in.Content = text(in.Category)
		}
		id, err := s.Create(ctx, sys, in)
		if err != nil {
			return fmt.Errorf("opinion %+v: %w", in, err)
		}
		all = append(all, made{id, community, in.Category, on})
		return nil
	}
	for _, c := range env.Result.Communities {
		grids := env.Result.Grids[c]
		for back := 2; back >= 0; back-- {
			first := time.Date(today.Year(), today.Month()-time.Month(back), 1, 0, 0, 0, 0, locale.Zone)
			day := func(d int) time.Time {
				t := first.AddDate(0, 0, d)
				if t.After(today) {
					return today
				}
				return t
			}
			// The monthly 居民代表会 and one grid's 楼栋长会.
			for _, m := range []struct {
				kind, title string
				grid        int64
				on          time.Time
				n           int
			}{
				{"representatives", fmt.Sprintf("%d月居民代表会", int(first.Month())), 0, day(8 + rng.IntN(5)), 3 + rng.IntN(3)},
				{"building_heads", fmt.Sprintf("%d月楼栋长会", int(first.Month())), grids[rng.IntN(len(grids))], day(15 + rng.IntN(5)), 2 + rng.IntN(3)},
			} {
				if m.on.After(today) || (back == 0 && m.on.Equal(today) && m.kind == "building_heads") {
					continue
				}
				mid, err := s.CreateMeeting(ctx, sys, opinions.MeetingInput{CommunityID: c, GridID: m.grid, Kind: m.kind, Title: m.title,
					HeldOn: m.on.Format(time.DateOnly), Place: "社区议事厅", Attendees: 15 + rng.IntN(20)})
				if err != nil {
					return err
				}
				for i := 0; i < m.n; i++ {
					if err := add(c, opinions.OpinionInput{Source: opinions.SourceMeeting, MeetingID: mid, RaiserName: names[rng.IntN(len(names))]}, m.on); err != nil {
						return err
					}
				}
			}
			// Visits, the door and the phone, through the month.
			days := 28
			if back == 0 {
				days = today.Day() - 1
			}
			for i := 0; i < 8+rng.IntN(6); i++ {
				src := []string{opinions.SourceVisit, opinions.SourceVisit, opinions.SourceVisit, opinions.SourceDoor, opinions.SourcePhone}[rng.IntN(5)]
				in := opinions.OpinionInput{Source: src, GridID: grids[rng.IntN(len(grids))], RaiserName: names[rng.IntN(len(names))]}
				if src == opinions.SourcePhone && rng.IntN(2) == 0 {
					in.RaiserPhone = fmt.Sprintf("139%08d", rng.IntN(100000000))
				}
				if err := add(c, in, day(rng.IntN(days+1))); err != nil {
					return err
				}
			}
			// The portal: anonymous visitors, backdated below.
			for i := 0; i < 2+rng.IntN(3); i++ {
				cat := pickCat()
				id, _, err := s.CreatePortal(ctx, nil, opinions.PortalInput{CommunityID: c, Category: cat, Content: text(cat)})
				if err != nil {
					return err
				}
				all = append(all, made{id, c, cat, day(rng.IntN(days + 1))})
			}
		}
	}
	// The demo resident's own, one answered and one waiting.
	if resident != 0 {
		res := &auth.Principal{UserID: resident, Username: "resident", DisplayName: "赵磊", Roles: []auth.Role{auth.RoleResident}}
		c1 := env.Result.Communities[0]
		for i, cat := range []string{"elderly", "culture"} {
			id, _, err := s.CreatePortal(ctx, res, opinions.PortalInput{CommunityID: c1, Category: cat, Content: text(cat)})
			if err != nil {
				return err
			}
			all = append(all, made{id, c1, cat, today.AddDate(0, 0, -12+i*8)})
		}
	}

	// Dealt with as an office would: the older, the more likely answered.
	cases := map[int64]int{}
	for _, m := range all {
		age := int(today.Sub(m.on).Hours() / 24)
		r := rng.IntN(100)
		switch {
		case age >= 14 && r < 12 && cases[m.community] < 6:
			if _, _, err := s.ToCase(ctx, sys, m.id, opinions.ToCaseInput{Type: "request", Category: demoCaseCategory[m.cat]}); err != nil {
				return fmt.Errorf("opinion %d to a case: %w", m.id, err)
			}
			cases[m.community]++
		case (age >= 14 && r < 82) || (age >= 3 && r < 40):
			if err := s.Answer(ctx, sys, m.id, demoAnswers[m.cat]); err != nil {
				return err
			}
			if age >= 30 && r > 72 {
				if err := s.Close(ctx, sys, m.id, ""); err != nil {
					return err
				}
			}
		}
		// The record's times are those of the day it was raised (the
		// service writes today's), answered a few days later.
		created := m.on.Add(time.Duration(9+rng.IntN(9)) * time.Hour)
		answered := created.Add(time.Duration(1+rng.IntN(4)) * 24 * time.Hour)
		if answered.After(now) {
			answered = now
		}
		var by any
		if m.community == env.Result.Communities[0] && leader != 0 {
			by = leader
		}
		if _, err := a.DB.ExecContext(ctx, `UPDATE op_opinion SET created_at = ?,
			answered_at = CASE WHEN answered_at IS NULL THEN NULL ELSE CAST(? AS BIGINT) END,
			answered_by = CASE WHEN answered_at IS NULL THEN NULL ELSE CAST(? AS BIGINT) END,
			closed_at = CASE WHEN closed_at IS NULL THEN NULL ELSE CAST(? AS BIGINT) END, raised_on = ?, raised_month = ?
			WHERE community_id = ? AND id = ?`, created.UnixMilli(), answered.UnixMilli(), by, answered.UnixMilli(),
			m.on.Format(time.DateOnly), m.on.Format("2006-01"), m.community, m.id); err != nil {
			return err
		}
	}
	n := 0
	for _, k := range cases {
		n += k
	}
	env.Say("  社情民意：%d 条，%d 条转为诉求", len(all), n)
	return nil
}

// demoCaseCategory is the request category an opinion's category becomes.
var demoCaseCategory = map[string]string{"environment": "sanitation", "property": "property", "security": "other", "traffic": "parking",
	"elderly": "other", "medical": "other", "jobs": "consult", "culture": "other", "policy": "consult", "other": "other"}

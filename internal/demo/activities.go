package demo

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"time"

	"linli/internal/activities"
	"linli/internal/locale"
	"linli/internal/registry"
	"linli/internal/uploads"
)

// demoPhoto is a small generated picture (a gradient of hue shade) standing
// in for an activity's photo.
func demoPhoto(shade int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for x := 0; x < 160; x++ {
		for y := 0; y < 120; y++ {
			img.Set(x, y, color.RGBA{uint8(shade), uint8(x + 60), uint8(2*y + 20), 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // an in-memory image always encodes
	return buf.Bytes()
}

func init() { Register(75, "生成社区活动 / activities", demoActivities) }

// demoActivity is one kind of activity the communities hold.
type demoActivity struct {
	title, topic, format, organiser, partners, speakers string
}

var demoActivityKinds = []demoActivity{
	{"防火防盗安全讲座", "safety", "lecture", "社区居委会", "辖区派出所", "王警官"},
	{"老年人防诈骗宣讲", "law", "lecture", "社区居委会", "辖区派出所、银行网点", "李律师"},
	{"义诊与健康咨询", "medical", "consult", "社区卫生服务站", "街道社区卫生服务中心", "张医生"},
	{"冬病夏治养生课", "health", "lecture", "社区卫生服务站", "", "中医科陈医生"},
	{"智能手机使用培训", "life_skills", "training", "社区志愿者服务队", "移动营业厅", "志愿者小刘"},
	{"垃圾分类户外宣传", "life_skills", "outreach", "社区居委会", "物业公司", ""},
	{"科普知识竞赛", "science", "contest", "社区居委会", "街道科协", ""},
	{"书画作品展", "culture", "exhibition", "老年大学国画班", "", ""},
	{"文艺汇演", "culture", "show", "夕阳红合唱团", "共建单位文化馆", ""},
	{"就业技能培训", "work_skills", "training", "社区就业服务站", "人社所", "培训学校刘老师"},
}

// demoActivities gives the street and every community the year's default
// plan, then a year of activities per community: about four a month from
// nine months back to three ahead, each serving its month's theme. Past
// ones were held, with walk-ins of residents on the roster (elderly people
// more often) and a summary, except the last weeks' (the 待办 of
// 活动待小结); the coming ones are published with some residents signed up.
func demoActivities(ctx context.Context, env *Env) error {
	a := env.App
	sys := env.System
	rng := env.Rand
	s := a.Activities
	now := time.Now().In(locale.Zone)
	people, _, err := a.Registry.ListPeople(ctx, sys, registry.Filter{Limit: 600})
	if err != nil {
		return err
	}
	residents := map[int64][]*registry.Person{}
	for _, p := range people {
		residents[p.CommunityID] = append(residents[p.CommunityID], p)
	}
	for _, org := range append([]int64{env.Result.StreetID}, env.Result.Communities...) {
		for _, y := range []int{now.Year() - 1, now.Year(), now.Year() + 1} {
			if err := s.SeedPlan(ctx, sys, org, y); err != nil {
				return err
			}
		}
	}
	n := 0
	for _, c := range env.Result.Communities {
		themes := map[string]int64{}
		for _, y := range []int{now.Year() - 1, now.Year(), now.Year() + 1} {
			list, err := s.Plan(ctx, sys, c, y)
			if err != nil {
				return err
			}
			for _, e := range list {
				if e.Kind == activities.PlanTheme {
					themes[time.Date(y, time.Month(e.Month), 1, 0, 0, 0, 0, locale.Zone).Format("2006-01")] = e.ID
				}
			}
		}
		people := residents[c]
		add := func(kind demoActivity, start time.Time) error {
			month := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, locale.Zone)
			quota := []int{20, 30, 40, 60}[rng.IntN(4)]
			id, err := s.Create(ctx, sys, activities.Input{OrgID: c, Title: kind.title, Topic: kind.topic, Format: kind.format, ThemeID: themes[month.Format("2006-01")],
				Organiser: kind.organiser, Partners: kind.partners, Speakers: kind.speakers, Place: "社区多功能活动室", StartsAt: start,
				EndsAt: start.Add(90 * time.Minute), AudienceNote: "辖区居民", Quota: quota, Budget: 200 + 100*rng.IntN(10), Materials: "宣传手册",
				Content: kind.title + "，欢迎居民参加。", Publish: true})
			if err != nil {
				return err
			}
			n++
			if len(people) == 0 {
				return nil
			}
			if start.After(now) {
				for i := 0; i < quota/3 && i < len(people); i++ {
					p := people[rng.IntN(len(people))]
					if _, err := s.SignUp(ctx, sys, id, p.ID); err != nil && !errors.Is(err, activities.ErrAlready) {
						return err
					}
				}
				return nil
			}
			came := map[int64]bool{}
			for i := 0; i < quota/2 && i < len(people); i++ {
				p := people[rng.IntN(len(people))]
				if came[p.ID] {
					continue
				}
				came[p.ID] = true
				if err := s.WalkIn(ctx, sys, id, p.ID, 0); err != nil {
					return err
				}
			}
			if err := s.WalkIn(ctx, sys, id, 0, 1+rng.IntN(5)); err != nil {
				return err
			}
			if start.Before(now.AddDate(0, 0, -14)) {
				in := activities.SummaryInput{Text: kind.title + "顺利开展，到场居民 " + strconv.Itoa(len(came)) + " 人，发放宣传手册，居民反映良好。"}
				if start.After(now.AddDate(0, -2, 0)) {
					// The last two months' summaries have a photo, so
					// that the page shows one.
					in.Photos = []uploads.File{{Name: "现场照片.png", Data: demoPhoto(rng.IntN(256))}}
				}
				if _, err := s.WriteSummary(ctx, sys, id, in); err != nil {
					return err
				}
			}
			return nil
		}
		for m := -9; m <= 3; m++ {
			month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, locale.Zone).AddDate(0, m, 0)
			for k := 0; k < 3+rng.IntN(3); k++ {
				kind := demoActivityKinds[rng.IntN(len(demoActivityKinds))]
				day := month.AddDate(0, 0, rng.IntN(27))
				start := time.Date(day.Year(), day.Month(), day.Day(), []int{9, 14, 15, 19}[rng.IntN(4)], 0, 0, 0, locale.Zone)
				if start.After(now) && start.Before(now.Add(2*time.Hour)) {
					continue
				}
				if err := add(kind, start); err != nil {
					return err
				}
			}
		}
		// One held three days ago, whatever the draw and the day of the
		// month: the 活动待小结 of the home page always has something.
		recent := time.Date(now.Year(), now.Month(), now.Day()-3, 14, 0, 0, 0, locale.Zone)
		if err := add(demoActivityKinds[rng.IntN(len(demoActivityKinds))], recent); err != nil {
			return err
		}
	}
	env.Say("  活动 %d 场", n)
	return nil
}

package demo

import (
	"context"
	"fmt"
	"time"

	"linli/internal/locale"
	"linli/internal/registry"
	"linli/internal/volunteers"
)

func init() { Register(75, "生成志愿者、队伍与服务记录 / volunteers", demoVolunteers) }

var (
	demoSkills = []string{"理发", "家电维修", "医疗护理", "法律咨询", "书法", "摄影", "电脑维修", "心理疏导", "垃圾分类宣传", "唱歌跳舞", "陪伴老人", "辅导作业"}
	demoTimes  = []string{"周末上午", "工作日晚上", "周六全天", "每周二、四下午", "节假日"}
	demoTasks  = []struct{ what, where, whom string }{
		{"小区巡逻", "小区各楼栋", "小区居民"}, {"独居老人探访", "老人家中", "独居老人"}, {"垃圾分类桶边督导", "垃圾分类投放点", "小区居民"},
		{"社区义诊协助", "社区卫生服务站", "辖区老人"}, {"四点半课堂辅导", "社区图书室", "辖区小学生"}, {"义务理发", "社区活动室", "辖区老人"},
		{"防诈骗宣传", "文化广场", "辖区居民"}, {"文明交通劝导", "小区门口路口", "过往行人"}, {"环境卫生清理", "小区公共区域", "小区居民"},
	}
	demoExperts = []struct{ name, field, org, topics string }{
		{"周医生", "medical", "区人民医院", "老年人慢病管理、高血压防治"}, {"钱律师", "legal", "明理律师事务所", "婚姻家庭纠纷、遗嘱继承"},
		{"孙老师", "education", "实验小学", "家庭教育、亲子沟通"}, {"李咨询师", "psychology", "区心理健康中心", "老年人心理关爱、青少年情绪管理"},
	}
)

// demoVolunteers gives every community of the demo street its volunteers
// (residents, and two from outside), three teams (志愿服务队, 文体队伍,
// 巡逻队) with members joining over the year and one leaving, a year of
// service (confirmed, the last weeks' team leader entries still waiting),
// two registrations from the portal waiting, and its expert pool. A few
// long-serving volunteers reach the star bands.
func demoVolunteers(ctx context.Context, env *Env) error {
	a := env.App
	sys := env.System
	rng := env.Rand
	s := a.Volunteers
	now := time.Now().In(locale.Zone)
	people, _, err := a.Registry.ListPeople(ctx, sys, registry.Filter{AgeMin: 18, AgeMax: 75, Limit: 500})
	if err != nil {
		return err
	}
	byCommunity := map[int64][]*registry.Person{}
	for _, p := range people {
		byCommunity[p.CommunityID] = append(byCommunity[p.CommunityID], p)
	}
	for ci, c := range env.Result.Communities {
		var vols []int64
		for i, p := range byCommunity[c] {
			if i >= 14 {
				break
			}
			id, err := s.CreateVolunteer(ctx, sys, volunteers.VolunteerInput{PersonID: p.ID, Skills: demoSkills[rng.IntN(len(demoSkills))],
				Availability: demoTimes[rng.IntN(len(demoTimes))], Training: "社区志愿者岗前培训"})
			if err != nil {
				return fmt.Errorf("volunteer %s: %w", p.Name, err)
			}
			vols = append(vols, id)
		}
		for i, name := range []string{"赵志强", "吴丽华"} {
			id, err := s.CreateVolunteer(ctx, sys, volunteers.VolunteerInput{CommunityID: c, Name: name, Phone: fmt.Sprintf("1390571%02d%02d", ci, i),
				Skills: demoSkills[rng.IntN(len(demoSkills))], Availability: "周末", Note: "辖区单位职工"})
			if err != nil {
				return err
			}
			vols = append(vols, id)
		}
		if len(vols) < 6 {
			continue
		}
		type teamPlan struct {
			name, kind, schedule string
			size                 int
		}
		plans := []teamPlan{{"邻里守望志愿服务队", "service", "每周三、六上午走访独居老人", 20}, {"夕阳红文艺队", "culture", "每周二晚 19:00 排练", 15},
			{"平安巡逻队", "patrol", "每天晚上 19:00–21:00 小区巡逻", 12}}
		var teams []int64
		for ti, pl := range plans {
			leader := vols[ti]
			id, err := s.CreateTeam(ctx, sys, volunteers.TeamInput{CommunityID: c, Name: pl.name, Kind: pl.kind, LeaderID: leader, TargetSize: pl.size, Schedule: pl.schedule})
			if err != nil {
				return err
			}
			teams = append(teams, id)
		}
		for i, v := range vols[3:] {
			on := now.AddDate(0, -11+rng.IntN(10), 0).Format(time.DateOnly)
			if err := s.AddMember(ctx, sys, teams[i%len(teams)], v, on); err != nil {
				return err
			}
		}
		// A year of service: each volunteer about twice a month; the first
		// few far more often, so that the bands are reached.
		for i, v := range vols {
			n := 18 + rng.IntN(12)
			if i < 3 {
				n = 60 + rng.IntN(20)
			}
			for k := 0; k < n; k++ {
				day := now.AddDate(0, 0, -rng.IntN(360)-15)
				task := demoTasks[rng.IntN(len(demoTasks))]
				hours := []string{"1", "1.5", "2", "2.5", "3", "4"}[rng.IntN(6)]
				if _, err := s.AddRecord(ctx, sys, volunteers.RecordInput{VolunteerID: v, TeamID: teams[i%len(teams)], ServedOn: day.Format(time.DateOnly),
					Hours: hours, What: task.what, Place: task.where, Beneficiary: task.whom, Source: volunteers.SourceStaff}); err != nil {
					return err
				}
			}
			if i%4 == 0 {
				task := demoTasks[rng.IntN(len(demoTasks))]
				if _, err := s.AddRecord(ctx, sys, volunteers.RecordInput{VolunteerID: v, TeamID: teams[i%len(teams)],
					ServedOn: now.AddDate(0, 0, -rng.IntN(10)).Format(time.DateOnly), Hours: "2", What: task.what, Place: task.where, Beneficiary: task.whom,
					Source: volunteers.SourceLeader}); err != nil {
					return err
				}
			}
		}
		// One member left the patrol this week; the volunteer stays.
		if len(vols) > 5 {
			if err := s.EndMember(ctx, sys, teams[2], demoMember(ctx, env, c, teams[2], vols[5]), now.AddDate(0, 0, -2).Format(time.DateOnly)); err != nil {
				return err
			}
		}
		// Two residents registered on the portal and wait for confirmation.
		for _, p := range byCommunity[c][min(len(byCommunity[c]), 14):min(len(byCommunity[c]), 16)] {
			id, err := s.CreateVolunteer(ctx, sys, volunteers.VolunteerInput{PersonID: p.ID, Skills: demoSkills[rng.IntN(len(demoSkills))], Availability: "周末"})
			if err != nil {
				return err
			}
			// The demo writes as the system; a portal registration is pending
			// and says where it came from.
			if _, err := a.DB.ExecContext(ctx, `UPDATE vol_volunteer SET status = 'pending', source = 'portal', confirmed_by = 0, confirmed_at = 0
				WHERE community_id = ? AND id = ?`, c, id); err != nil {
				return err
			}
		}
		for _, e := range demoExperts {
			if _, err := s.CreateExpert(ctx, sys, volunteers.ExpertInput{CommunityID: c, Name: e.name, Phone: fmt.Sprintf("1385710%02d%02d", ci, len(e.name)),
				Field: e.field, Organisation: e.org, Topics: e.topics}); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoMember finds a volunteer's current membership of a team.
func demoMember(ctx context.Context, env *Env, c, team, vol int64) int64 {
	var id int64
	_ = env.App.DB.QueryRowContext(ctx, `SELECT id FROM vol_member WHERE community_id = ? AND team_id = ? AND volunteer_id = ? AND left_on = ''`, c, team, vol).Scan(&id)
	return id
}

package demo

import (
	"context"
	"fmt"
	"time"

	"linli/internal/campaigns"
	"linli/internal/locale"
)

func init() {
	Register(85, "生成创建模板与一项自查阶段的创建 / campaigns", demoCampaigns)
}

// demoTemplates are the demo street's templates: campaigns with phases,
// weighted criteria and a veto item, and an annual selection.
var demoTemplates = []campaigns.TemplateInput{
	{Name: "平安社区", Kind: campaigns.KindCampaign, Title: "平安社区", PassScore: "85",
		Phases: "动员部署｜03-31\n组织实施｜08-31\n自查整改｜10-31\n检查验收｜11-30\n总结｜12-31",
		Criteria: "A1｜组织领导：成立平安建设领导小组，职责明确｜15｜｜领导小组文件、会议记录\n" +
			"A2｜治安防控：网格巡查全覆盖，重点部位有人防物防技防｜30｜｜巡查记录、监控点位图\n" +
			"A3｜矛盾纠纷排查化解：月排查、有台账、调解成功率 95% 以上｜25｜｜调解台账、诉求办理记录\n" +
			"A4｜平安宣传：每季度至少一次法治或防诈宣传活动｜15｜｜活动照片、签到表\n" +
			"A5｜特殊人群服务管理：走访到位、帮扶有记录｜15｜｜走访记录\n" +
			"V1｜无重大刑事案件、无重大安全生产事故｜｜是｜派出所、应急管理部门证明"},
	{Name: "文明社区", Kind: campaigns.KindCampaign, Title: "文明社区", PassScore: "90",
		Phases: "动员部署｜02-28\n组织实施｜09-30\n自查整改｜10-31\n检查验收｜11-30\n总结｜12-31",
		Criteria: "B1｜新时代文明实践站常态运行｜30｜｜活动台账\nB2｜环境整洁、无乱堆乱放｜30｜｜巡查照片\nB3｜志愿服务参与率 15% 以上｜40｜｜志愿服务记录\n" +
			"V1｜无重大负面舆情、无群体性事件｜｜是｜街道综治中心证明"},
	{Name: "绿色社区", Kind: campaigns.KindCampaign, Title: "绿色社区", PassScore: "80",
		Phases:   "动员部署｜03-31\n组织实施｜09-30\n检查验收｜11-30",
		Criteria: "C1｜垃圾分类准确率 90% 以上｜50｜｜分类检查记录\nC2｜节能节水宣传｜20｜｜活动照片\nC3｜公共绿地维护｜30｜｜巡查照片"},
	{Name: "文明家庭评选", Kind: campaigns.KindSelection, Title: "文明家庭", PassScore: "60",
		Phases:   "推荐提名｜04-30\n审核｜05-31\n公示｜06-15\n命名｜06-30",
		Criteria: "S1｜家庭和睦、孝老爱亲｜50｜｜推荐材料\nS2｜热心公益、邻里互助｜50｜｜志愿服务记录"},
}

// demoCampaigns adds the street's templates and starts this year's 平安社区
// in the first community, with its leading group and tasks (one done, one
// late), evidence linked to the community's own records (an activity, a
// case, a visit) and its self-check submitted: the campaign awaits the
// street's check, so that every page has something true to show.
func demoCampaigns(ctx context.Context, env *Env) error {
	s := env.App.Campaigns
	sys := env.System
	var first int64
	for _, in := range demoTemplates {
		in.StreetID = env.Result.StreetID
		id, err := s.SaveTemplate(ctx, sys, 0, in)
		if err != nil {
			return fmt.Errorf("campaigns template %s: %w", in.Name, err)
		}
		if first == 0 {
			first = id
		}
	}
	comm := env.Result.Communities[0]
	id, err := s.Start(ctx, sys, campaigns.StartInput{CommunityID: comm, TemplateID: first, Year: s.ThisYear()})
	if err != nil {
		return fmt.Errorf("campaigns start: %w", err)
	}
	if err := s.SetGroup(ctx, sys, id, "组长｜王建国｜社区党委书记、居委会主任\n副组长｜陈丽｜社区居委会副主任\n组员｜赵强｜综治专干\n组员｜孙敏｜网格长\n组员｜刘洋｜社区民警"); err != nil {
		return fmt.Errorf("campaigns group: %w", err)
	}
	today := time.Now().In(locale.Zone)
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	tasks := []struct {
		in   campaigns.TaskInput
		done bool
	}{
		{campaigns.TaskInput{Title: "印发平安社区创建实施方案", Department: "社区党委", Owner: "王建国", Deadline: day(-60), Criterion: "A1"}, true},
		{campaigns.TaskInput{Title: "补齐三个小区出入口监控", Department: "综治办", Owner: "赵强", Deadline: day(-3), Criterion: "A2"}, false},
		{campaigns.TaskInput{Title: "开展一次防电信诈骗宣传", Department: "社区居委会", Owner: "陈丽", Deadline: day(20), Criterion: "A4"}, false},
	}
	for _, t := range tasks {
		tid, err := s.AddTask(ctx, sys, id, t.in)
		if err != nil {
			return fmt.Errorf("campaigns task: %w", err)
		}
		if t.done {
			if _, err := s.DoneTask(ctx, sys, tid); err != nil {
				return fmt.Errorf("campaigns task done: %w", err)
			}
		}
	}
	// Evidence that is the work itself: the community's own records.
	links := []struct{ kind, criterion, q string }{
		{campaigns.LinkActivity, "A4", `SELECT id FROM activity WHERE community_id = ? ORDER BY id LIMIT 1`},
		{campaigns.LinkCase, "A3", `SELECT id FROM cases WHERE community_id = ? ORDER BY id LIMIT 1`},
		{campaigns.LinkVisit, "A5", `SELECT id FROM fu_record WHERE community_id = ? ORDER BY id LIMIT 1`},
	}
	linked := 0
	for _, l := range links {
		var rid int64
		if err := env.App.DB.QueryRowContext(ctx, l.q, comm).Scan(&rid); err != nil {
			continue // that module made nothing here: the criterion shows its evidence missing
		}
		if _, err := s.AddEvidence(ctx, sys, id, campaigns.EvidenceInput{Criterion: l.criterion, LinkKind: l.kind, LinkID: rid}); err != nil {
			return fmt.Errorf("campaigns evidence %s: %w", l.kind, err)
		}
		linked++
	}
	scores := []campaigns.ScoreInput{{Criterion: "A1", Points: "15", Note: "领导小组已成立，方案已印发"}, {Criterion: "A2", Points: "24", Note: "三个出入口监控尚未补齐"},
		{Criterion: "A3", Points: "23"}, {Criterion: "A4", Points: "12", Note: "第四季度宣传尚未开展"}, {Criterion: "A5", Points: "14"},
		{Criterion: "V1", Note: "本年度无重大刑事案件"}}
	if err := s.SelfCheck(ctx, sys, id, scores); err != nil {
		return fmt.Errorf("campaigns self-check: %w", err)
	}
	env.Say("  创建：%d 个模板，1 项平安社区创建（已自查，待街道检查，%d 份关联佐证）", len(demoTemplates), linked)
	return nil
}

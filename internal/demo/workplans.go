package demo

import (
	"context"
	"fmt"
	"time"

	"linli/internal/locale"
	"linli/internal/workplans"
)

func init() { Register(90, "生成年度工作计划与总结草稿 / workplans", demoWorkplans) }

// demoWorkplans gives the demo street and its first community the year's
// work plan (sections, leading group, tasks by department, some late, some
// done), the current month's plan derived from it, and a year-end summary
// drafted from the board.
func demoWorkplans(ctx context.Context, env *Env) error {
	s := env.App.Workplans
	sys := env.System
	now := time.Now().In(locale.Zone)
	year := now.Year()
	if len(env.Result.Communities) == 0 {
		return nil
	}
	units := []int64{env.Result.StreetID, env.Result.Communities[0]}
	for i, unit := range units {
		number := fmt.Sprintf("街发〔%d〕%d号", year, 3)
		if i > 0 {
			number = fmt.Sprintf("社发〔%d〕%d号", year, 1)
		}
		id, err := s.Create(ctx, sys, workplans.CreateInput{OrgID: unit, Year: year, DocNumber: number})
		if err != nil {
			return fmt.Errorf("workplans: %w", err)
		}
		pl, err := s.Get(ctx, sys, id)
		if err != nil {
			return fmt.Errorf("workplans: %w", err)
		}
		texts := []string{
			"坚持以人民为中心的发展思想，以党建引领基层治理，聚焦群众急难愁盼，推动社区服务精细化、治理网格化。",
			"全年开展活动不少于 24 场；诉求按时办结率达到 95% 以上；重点人群走访率达到 95% 以上；志愿服务时长不少于 600 小时。",
			"成立年度工作领导小组，统筹推进各项任务，领导小组成员如下。",
			"各部门按下表分工落实，每月对照任务清单检查进度。",
			"各责任部门要明确责任人、倒排工期，每月底前报送工作进展；逾期未完成的任务在月度小结中说明原因。",
		}
		for j := range pl.Sections {
			if j < len(texts) {
				pl.Sections[j].Text = texts[j]
			}
		}
		if err := s.Update(ctx, sys, id, workplans.UpdateInput{Title: pl.Title, DocNumber: pl.DocNumber, State: "final", Sections: pl.Sections,
			Group: "组长，王建国，" + pl.UnitName + "党委\n副组长，李秀英，" + pl.UnitName + "居委会\n组员，张伟，街道民政科\n组员，刘芳，辖区派出所"}); err != nil {
			return fmt.Errorf("workplans: %w", err)
		}
		tasks := []workplans.TaskInput{
			{Department: "党建办", Content: "组织每月主题党日活动", Owner: "王建国", Deadline: fmt.Sprintf("%d-%02d-28", year, 3)},
			{Department: "民政", Content: "高龄津贴和低保对象年度复核", Owner: "李秀英", Deadline: fmt.Sprintf("%d-%02d-30", year, 6), Status: "done"},
			{Department: "综治", Content: "高层住宅消防演练", Owner: "刘芳", Deadline: fmt.Sprintf("%d-%02d-15", year, int(now.Month()))},
			{Department: "文体", Content: "重阳节敬老文艺汇演", Owner: "张伟", Deadline: fmt.Sprintf("%d-10-20", year), Status: "doing"},
			{Department: "综治", Content: "背街小巷环境整治", Owner: "刘芳", Deadline: fmt.Sprintf("%d-%02d-25", year, int(now.Month())), Status: "doing"},
		}
		for _, t := range tasks {
			if _, err := s.AddTask(ctx, sys, id, t); err != nil {
				return fmt.Errorf("workplans task: %w", err)
			}
		}
		if _, err := s.DeriveMonth(ctx, sys, id, int(now.Month()), "安全生产与环境整治月"); err != nil {
			return fmt.Errorf("workplans month: %w", err)
		}
		if _, err := s.Summarize(ctx, sys, unit, year, false); err != nil {
			return fmt.Errorf("workplans summary: %w", err)
		}
	}
	env.Say("  工作计划：街道和第一个社区的年度计划、本月计划与年度总结草稿")
	return nil
}

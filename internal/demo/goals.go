package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"linli/internal/goals"
	"linli/internal/locale"
)

func init() { Register(80, "生成年度指标目标与填报数据 / goals", demoGoals) }

// demoGoals sets the year's targets of every community of the demo street
// (case rates with quarterly milestones, visits, activities, volunteers)
// and of each community's grids, defines two entered indicators of the
// street (医保参保率, entered each month with its evidence; 重大刑事案件,
// a count that must stay zero) and enters them.
func demoGoals(ctx context.Context, env *Env) error {
	s := env.App.Goals
	sys := env.System
	rng := env.Rand
	year := time.Now().In(locale.Zone).Year()
	month := int(time.Now().In(locale.Zone).Month())
	ins, err := s.Define(ctx, sys, goals.IndicatorInput{StreetID: env.Result.StreetID, Name: "医保参保率",
		Definition: "参加城乡居民基本医疗保险的户籍和常住人口 ÷ 应参保人口，以区医保系统每月导出的名单为准。", Kind: "ratio", Direction: "higher", Unit: "%"})
	if err != nil {
		return fmt.Errorf("goals: %w", err)
	}
	crime, err := s.Define(ctx, sys, goals.IndicatorInput{StreetID: env.Result.StreetID, Name: "重大刑事案件",
		Definition: "辖区内发生的重大刑事案件起数，以派出所月度通报为准；须保持为零。", Kind: "count", Direction: "zero", Unit: "起"})
	if err != nil {
		return fmt.Errorf("goals: %w", err)
	}
	targets := []struct{ code, value, ms string }{
		{"cases.response_rate", "98", "95,96,97,98"},
		{"cases.on_time_rate", "95", "90,92,94,95"},
		{"cases.satisfaction_rate", "90", ""},
		{"followups.visit_rate", "95", ""},
		{"activities.count", "24", "6,12,18,24"},
		{"volunteers.hours", "600", ""},
		{"entered." + strconv.FormatInt(ins, 10), "97", ""},
	}
	for _, c := range env.Result.Communities {
		for _, t := range targets {
			if _, err := s.SetTarget(ctx, sys, goals.TargetInput{OrgID: c, Year: year, Code: t.code, Value: t.value, Milestones: t.ms}); err != nil {
				return fmt.Errorf("goals target %s: %w", t.code, err)
			}
		}
		for _, g := range env.Result.Grids[c] {
			for _, code := range []string{"cases.on_time_rate", "followups.visit_rate"} {
				if _, err := s.SetTarget(ctx, sys, goals.TargetInput{OrgID: g, Year: year, Code: code, Value: "95"}); err != nil {
					return fmt.Errorf("goals grid target %s: %w", code, err)
				}
			}
		}
		den := 2400 + rng.IntN(1600)
		for m := 1; m <= month; m++ {
			num := den * (930 + rng.IntN(60) + m) / 1000
			if num > den {
				num = den
			}
			v := strconv.FormatFloat(float64(num)/float64(den)*100, 'f', 1, 64)
			if _, err := s.Enter(ctx, sys, goals.EntryInput{OrgID: c, Code: "entered." + strconv.FormatInt(ins, 10), Month: fmt.Sprintf("%04d-%02d", year, m),
				Numerator: strconv.Itoa(num), Denominator: strconv.Itoa(den), Value: v, Evidence: fmt.Sprintf("区医保系统 %d 年 %d 月参保名单", year, m)}); err != nil {
				return fmt.Errorf("goals entry: %w", err)
			}
			if _, err := s.Enter(ctx, sys, goals.EntryInput{OrgID: c, Code: "entered." + strconv.FormatInt(crime, 10), Month: fmt.Sprintf("%04d-%02d", year, m),
				Value: "0", Evidence: fmt.Sprintf("派出所 %d 月治安通报", m)}); err != nil {
				return fmt.Errorf("goals entry: %w", err)
			}
		}
	}
	env.Say("  指标目标：%d 个社区的年度目标，2 项填报类指标", len(env.Result.Communities))
	return nil
}

package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"linli/internal/locale"
	"linli/internal/reports"
)

func init() { Register(85, "生成社区工作月报与上报记录 / reports", demoReports) }

// demoReports gives the demo street its monthly form (cases received, on-time
// and visit rates, 医保参保率, two typed fields) and each community its
// reports: the three months before last approved, last month submitted (the
// first community's returned with a comment), this month in draft.
func demoReports(ctx context.Context, env *Env) error {
	s := env.App.Reports
	sys := env.System
	street := env.Result.StreetID
	codes := []string{"cases.received", "cases.on_time_rate", "followups.visit_rate"}
	defs, err := env.App.Goals.EnteredDefs(ctx, street)
	if err != nil {
		return err
	}
	for _, d := range defs {
		if d.Name == "医保参保率" {
			codes = append(codes, d.Code)
		}
	}
	form, err := s.SaveForm(ctx, sys, 0, reports.FormInput{StreetID: street, Name: "社区工作月报", Period: reports.Monthly, DueDay: "5", Indicators: codes,
		Fields: "开展宣传活动|场|数字\n新增志愿者|人|数字\n工作亮点||文字", Active: true})
	if err != nil {
		return fmt.Errorf("reports form: %w", err)
	}
	// The reviewer as the street's staff would sign.
	reviewer := *sys
	reviewer.DisplayName = "翠苑街道 王科长"
	now := time.Now().In(locale.Zone)
	cur := reports.CurrentPeriod(reports.Monthly, now)
	periods := []string{cur}
	for i := 0; i < 4; i++ {
		periods = append([]string{reports.PrevPeriod(reports.Monthly, periods[0])}, periods...)
	}
	rng := env.Rand
	for ci, c := range env.Result.Communities {
		for pi, per := range periods {
			id, err := s.Open(ctx, sys, form, c, per)
			if err != nil {
				return fmt.Errorf("reports open %s: %w", per, err)
			}
			vals := map[string]string{"field.1": strconv.Itoa(2 + rng.IntN(6)), "field.2": strconv.Itoa(rng.IntN(5)), "field.3": "开展垃圾分类入户宣传，楼道堆物清理。"}
			if err := s.Save(ctx, sys, id, reports.SaveInput{Values: vals}); err != nil {
				return fmt.Errorf("reports save: %w", err)
			}
			switch {
			case per == cur:
				continue // this month: in draft
			case pi == len(periods)-2:
				if err := s.Submit(ctx, sys, id); err != nil {
					return err
				}
				if ci == 0 {
					if err := s.Return(ctx, &reviewer, id, "宣传活动场次与活动台账不一致，请核对后重新上报。"); err != nil {
						return err
					}
				}
			default:
				if err := s.Submit(ctx, sys, id); err != nil {
					return err
				}
				if err := s.Approve(ctx, &reviewer, id, "同意"); err != nil {
					return err
				}
			}
		}
	}
	env.Say("  报表：社区工作月报，%d 个社区各 %d 期（已通过、待审核或退回、本月填报中）", len(env.Result.Communities), len(periods))
	return nil
}

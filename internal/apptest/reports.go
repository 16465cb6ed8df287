package apptest

import (
	"context"
	"testing"
	"time"

	"linli/internal/auth"
	"linli/internal/locale"
	"linli/internal/reports"
)

// Reports (报表与上报), built for the matrix only (write targets), so that
// other tests' home pages keep their to-do lists:
//   - "report_form": the street's monthly form "测试工作月报" (seen by every
//     leader under the street; recorded at A);
//   - "report": this month's draft report of community 1 (A, remarks
//     "甲报表备注") and of community 2 (D, "丁报表备注");
//   - "report_submitted": last month's report, submitted, of community 1 (A,
//     "甲待审备注") and community 2 (D, "丁待审备注").
func init() {
	RegisterWriteTargets(85, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		s := w.App.Reports
		form, err := s.SaveForm(ctx, sys, 0, reports.FormInput{StreetID: w.Street, Name: "测试工作月报", Period: reports.Monthly, DueDay: "5",
			Indicators: []string{"cases.received"}, Fields: "开展宣传活动|场|数字", Active: true})
		if err != nil {
			t.Fatalf("reports fixture: %v", err)
		}
		w.Add("report_form", InA, form, "测试工作月报")
		month := reports.CurrentPeriod(reports.Monthly, time.Now().In(locale.Zone))
		for _, f := range []struct {
			wh   Where
			comm int64
			tag  string
		}{{InA, w.C1, "甲"}, {InD, w.C2, "丁"}} {
			id, err := s.Open(ctx, sys, form, f.comm, month)
			if err != nil {
				t.Fatalf("reports fixture: %v", err)
			}
			if err := s.Save(ctx, sys, id, reports.SaveInput{Remarks: f.tag + "报表备注"}); err != nil {
				t.Fatalf("reports fixture: %v", err)
			}
			w.Add("report", f.wh, id, f.tag+"报表备注")
			sub, err := s.Open(ctx, sys, form, f.comm, reports.PrevPeriod(reports.Monthly, month))
			if err != nil {
				t.Fatalf("reports fixture: %v", err)
			}
			if err := s.Save(ctx, sys, sub, reports.SaveInput{Remarks: f.tag + "待审备注"}); err != nil {
				t.Fatalf("reports fixture: %v", err)
			}
			if err := s.Submit(ctx, sys, sub); err != nil {
				t.Fatalf("reports fixture: %v", err)
			}
			w.Add("report_submitted", f.wh, sub, f.tag+"待审备注")
		}
	})
}

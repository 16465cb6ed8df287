package apptest

import (
	"context"
	"testing"
	"time"

	"linli/internal/activities"
	"linli/internal/auth"
	"linli/internal/locale"
	"linli/internal/uploads"
)

// fixturePNG is the start of a PNG: enough for a photo's type to be
// recognised from its bytes.
var fixturePNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fixture")

// Activity fixtures (活动):
//   - "activity": a published lecture per place, two weeks ahead, open for
//     sign-up ("甲健康讲座" in community 1 for A, "乙健康讲座" also in
//     community 1 for B, "丁健康讲座" in community 2 for D). Activities have
//     no grid: whoever reaches a community reaches both of community 1's.
//   - "activity_plan": a monthly theme per place ("甲月度主题" …).
//
// Write targets (the matrix only): "activity_draft" (to publish),
// "activity_signed" (the place's fixture person signed up: to withdraw, to
// tick), "activity_past" (begun yesterday, the place's volunteer serving at
// it: to summarise, to check the volunteer out) and
// "activity_summarised" (to report; its summary has photo 1 and material
// 2, a PDF).
func init() {
	comms := func(w *World) map[Where]int64 { return map[Where]int64{InA: w.C1, InB: w.C1, InD: w.C2} }
	tags := map[Where]string{InA: "甲", InB: "乙", InD: "丁"}
	at := func(days, hh int) time.Time {
		d := time.Now().In(locale.Zone).AddDate(0, 0, days)
		return time.Date(d.Year(), d.Month(), d.Day(), hh, 0, 0, 0, locale.Zone)
	}
	create := func(t testing.TB, w *World, wh Where, title string, start time.Time, publish bool) int64 {
		id, err := w.App.Activities.Create(context.Background(), auth.System("fixture"), activities.Input{OrgID: comms(w)[wh], Title: title, Topic: "health",
			Format: "lecture", Place: "活动室", StartsAt: start, EndsAt: start.Add(2 * time.Hour), Quota: 30, Publish: publish})
		if err != nil {
			t.Fatalf("activity fixture %s: %v", title, err)
		}
		return id
	}
	Register(75, func(t testing.TB, w *World) {
		ctx := context.Background()
		for _, wh := range []Where{InA, InB, InD} {
			tag := tags[wh]
			w.Add("activity", wh, create(t, w, wh, tag+"健康讲座", at(14, 9), true), tag+"健康讲座")
			id, err := w.App.Activities.AddPlan(ctx, auth.System("fixture"), activities.PlanEntry{CommunityID: comms(w)[wh], Year: at(0, 0).Year(),
				Kind: activities.PlanTheme, Month: 6, Name: tag + "月度主题"})
			if err != nil {
				t.Fatalf("plan fixture: %v", err)
			}
			w.Add("activity_plan", wh, id, tag+"月度主题")
		}
	})
	RegisterWriteTargets(75, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		s := w.App.Activities
		for _, wh := range []Where{InA, InB, InD} {
			tag := tags[wh]
			w.Add("activity_draft", wh, create(t, w, wh, tag+"草稿活动", at(15, 9), false), tag+"草稿活动")
			signed := create(t, w, wh, tag+"报名活动", at(16, 9), true)
			person := w.Objects["person"][wh]
			if wh == InB {
				person = w.Objects["person"][InA] // grid A's person: every account reaching B's activity reaches them
			}
			if _, err := s.SignUp(ctx, sys, signed, person); err != nil {
				t.Fatalf("sign-up fixture: %v", err)
			}
			w.Add("activity_signed", wh, signed, tag+"报名活动")
			past := create(t, w, wh, tag+"昨日活动", at(-1, 9), true)
			if err := s.AddHelper(ctx, sys, past, w.Objects["volunteer"][wh], "签到引导"); err != nil {
				t.Fatalf("helper fixture: %v", err)
			}
			w.Add("activity_past", wh, past, tag+"昨日活动")
			done := create(t, w, wh, tag+"已小结活动", at(-2, 9), true)
			if _, err := s.WriteSummary(ctx, sys, done, activities.SummaryInput{Text: "到场二十人",
				Photos:    []uploads.File{{Name: "合影.png", Data: fixturePNG}},
				Materials: []uploads.File{{Name: "签到表.pdf", Data: []byte("%PDF-1.4\n% fixture\n")}}}); err != nil {
				t.Fatalf("summary fixture: %v", err)
			}
			w.Add("activity_summarised", wh, done, tag+"已小结活动")
		}
	})
}

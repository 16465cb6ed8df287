package apptest

import (
	"context"
	"testing"

	"linli/internal/auth"
	"linli/internal/opinions"
)

// Opinion fixtures (社情民意):
//   - "op_meeting": a 楼栋长会 held in each place's grid ("甲楼栋长会" …);
//   - "op_opinion": an opinion gathered at that meeting in each place
//     ("甲意见楼道堆物" …), each with a phone left (13900139000);
//   - "op_portal": in A the resident's own opinion from the portal (no
//     marker: the resident may see it), in B and D anonymous visitors'
//     ("乙网上意见", "丁网上意见"), of community 1 and 2 without a grid.
func init() {
	Register(60, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		s := w.App.Opinions
		must := func(id int64, err error) int64 {
			t.Helper()
			if err != nil {
				t.Fatalf("opinion fixture: %v", err)
			}
			return id
		}
		grids := map[Where]int64{InA: w.GridA, InB: w.GridB, InD: w.GridD}
		comms := map[Where]int64{InA: w.C1, InB: w.C1, InD: w.C2}
		tags := map[Where]string{InA: "甲", InB: "乙", InD: "丁"}
		for _, wh := range []Where{InA, InB, InD} {
			tag := tags[wh]
			m := must(s.CreateMeeting(ctx, sys, opinions.MeetingInput{GridID: grids[wh], Kind: "building_heads", Title: tag + "楼栋长会", Attendees: 12}))
			w.Add("op_meeting", wh, m, tag+"楼栋长会")
			in := opinions.OpinionInput{Source: opinions.SourceMeeting, MeetingID: m, Category: "environment", Content: tag + "意见楼道堆物", RaiserName: "楼栋长" + tag,
				RaiserPhone: "13900139000"}
			w.Add("op_opinion", wh, must(s.Create(ctx, sys, in)), tag+"意见楼道堆物")
			if wh != InA {
				id, _, err := s.CreatePortal(ctx, nil, opinions.PortalInput{CommunityID: comms[wh], Category: "traffic", Content: tag + "网上意见"})
				w.Add("op_portal", wh, must(id, err), tag+"网上意见")
			}
		}
		resident := w.Principal(t, "resident")
		own, _, err := s.CreatePortal(ctx, resident, opinions.PortalInput{CommunityID: w.C1, Category: "elderly", Content: "希望增加助餐点", Phone: "13700137000"})
		w.Objects["op_portal"][InA] = must(own, err)
	})
}

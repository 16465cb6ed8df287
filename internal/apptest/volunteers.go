package apptest

import (
	"context"
	"strings"
	"testing"

	"linli/internal/auth"
	"linli/internal/volunteers"
)

// Volunteer fixtures (志愿者):
//   - "volunteer": a confirmed outsider in each place ("甲志愿者" in community
//     1 for A, "乙志愿者" also in community 1 for B, "丁志愿者" in community 2
//     for D). Volunteers belong to a community, not a grid: whoever reaches a
//     community (a grid worker through their grid) reaches both of
//     community 1's.
//   - "vol_team": a patrol team in each place led by that volunteer, who is
//     its one member ("甲巡逻队" …).
//   - "vol_record": a team leader's entry of 2 hours awaiting confirmation
//     ("甲巡楼服务" …).
//
// Write targets: "volunteer_pending", a registration awaiting confirmation in
// each place ("甲报名者" …), in no team.
func init() {
	tags := map[Where]string{InA: "甲", InB: "乙", InD: "丁"}
	comms := func(w *World) map[Where]int64 { return map[Where]int64{InA: w.C1, InB: w.C1, InD: w.C2} }
	Register(75, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		s := w.App.Volunteers
		for i, wh := range []Where{InA, InB, InD} {
			tag := tags[wh]
			id, err := s.CreateVolunteer(ctx, sys, volunteers.VolunteerInput{CommunityID: comms(w)[wh], Name: tag + "志愿者", Phone: "1391234567" + string(rune('1'+i)),
				Skills: "理发"})
			if err != nil {
				t.Fatalf("volunteer fixture: %v", err)
			}
			w.Add("volunteer", wh, id, tag+"志愿者")
			team, err := s.CreateTeam(ctx, sys, volunteers.TeamInput{CommunityID: comms(w)[wh], Name: tag + "巡逻队", Kind: "patrol", LeaderID: id, TargetSize: 10,
				Schedule: "每周六上午"})
			if err != nil {
				t.Fatalf("team fixture: %v", err)
			}
			w.Add("vol_team", wh, team, tag+"巡逻队")
			rec, err := s.AddRecord(ctx, sys, volunteers.RecordInput{VolunteerID: id, TeamID: team, Hours: "2", What: tag + "巡楼服务", Source: volunteers.SourceLeader})
			if err != nil {
				t.Fatalf("record fixture: %v", err)
			}
			w.Add("vol_record", wh, rec, tag+"巡楼服务")
		}
	})
	RegisterWriteTargets(75, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		for i, wh := range []Where{InA, InB, InD} {
			tag := tags[wh]
			id, err := w.App.Volunteers.CreateVolunteer(ctx, sys, volunteers.VolunteerInput{CommunityID: comms(w)[wh], Name: tag + "报名者",
				Phone: "1371234567" + string(rune('1'+i))})
			if err != nil {
				t.Fatalf("volunteer target: %v", err)
			}
			if _, err := w.DB.ExecContext(ctx, `UPDATE vol_volunteer SET status = 'pending' WHERE community_id = ? AND id = ?`, comms(w)[wh], id); err != nil {
				t.Fatal(err)
			}
			w.Add("volunteer_pending", wh, id, tag+"报名者")
		}
	})
}

// A volunteer register staged for import by the leader of community 1
// ("upload_volunteers"): the head of grid A's household, in a new team, with
// hours served before; checked among the write targets, so that the matrix
// may commit it.
func init() {
	Register(76, func(t testing.TB, w *World) {
		leader := w.Principal(t, "community_admin")
		up, err := w.App.Imports.Stage(context.Background(), leader, volunteers.Importer{S: w.App.Volunteers}, w.C1, "甲志愿者名册.csv",
			strings.NewReader("姓名,身份证号,联系电话,技能特长,所属队伍,累计服务时长\n居民甲户主,"+HeadIDNumber(InA)+",,矩阵导入特长,矩阵导入服务队,12.5\n"))
		if err != nil {
			t.Fatalf("fixture upload: %v", err)
		}
		w.Uploads["upload_volunteers"] = up
		w.Add("upload_volunteers", InA, 0, "甲志愿者名册.csv")
	})
	RegisterWriteTargets(76, func(t testing.TB, w *World) { w.checkUpload(t, "upload_volunteers") })
}

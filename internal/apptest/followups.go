package apptest

import (
	"context"
	"testing"
	"time"

	"linli/internal/auth"
	"linli/internal/followups"
)

// Follow-up fixtures:
//   - "fu_rule": in A and D each community's own weekly inspection of its
//     place's building ("一号社区楼道检查", "二号社区楼道检查"), for the grid's
//     worker; B has none of its own (it is community 1's too).
//   - "fu_duty": a street rule ("重点对象走访", monthly, the grid's worker)
//     naming the head of each place's household: one duty in each place,
//     marked with the head's name.
//   - "fu_record": one visit for each of those duties ("甲走访情况良好" …),
//     whose needs (a leaking pipe) may be made a case,
//     and with one photo.
//   - "fu_duty_sensitive": in A the 帮教 talk of the head of A's household,
//     who carries the sensitive tag 刑释解教 (a street rule "帮教谈话" of the
//     综治 line): only those who may see that tag may see the duty, its rule and
//     its records ("fu_record_sensitive": "帮教谈话记录甲").
func init() {
	Register(50, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		s := w.App.Followups
		must := func(id int64, err error) int64 {
			t.Helper()
			if err != nil {
				t.Fatalf("follow-up fixture: %v", err)
			}
			return id
		}
		heads := []int64{w.Objects["person"][InA], w.Objects["person"][InB], w.Objects["person"][InD]}
		must(s.CreateRule(ctx, sys, followups.Rule{OrgID: w.Street, Name: "重点对象走访", Kind: followups.KindVisit, Subject: followups.SubjectPerson,
			Subjects: heads, Every: 1, Unit: followups.UnitMonth, Assign: followups.AssignGridWorker, EscalateAfter: 3}))
		var released int64
		if err := w.DB.QueryRowContext(ctx, `SELECT id FROM reg_tag WHERE code = 'released_prisoner'`).Scan(&released); err != nil {
			t.Fatal(err)
		}
		sensitive := must(s.CreateRule(ctx, sys, followups.Rule{OrgID: w.Street, Name: "帮教谈话", Kind: followups.KindTalk, Subject: followups.SubjectTag,
			TagID: released, Every: 30, FirstYearEvery: 7, Unit: followups.UnitDay, Assign: followups.AssignLine, Line: "governance", EscalateAfter: 3}))
		for wh, c := range map[Where]int64{InA: w.C1, InD: w.C2} {
			name := map[Where]string{InA: "一号社区楼道检查", InD: "二号社区楼道检查"}[wh]
			id := must(s.CreateRule(ctx, sys, followups.Rule{OrgID: c, Name: name, Kind: followups.KindInspection, Subject: followups.SubjectBuilding,
				Subjects: []int64{w.Objects["building"][wh]}, Every: 1, Unit: followups.UnitWeek, Assign: followups.AssignGridWorker}))
			w.Add("fu_rule", wh, id, name)
		}
		tags := map[Where]string{InA: "甲", InB: "乙", InD: "丁"}
		for _, wh := range []Where{InA, InB, InD} {
			var duty int64
			if err := w.DB.QueryRowContext(ctx, `SELECT d.id FROM fu_duty d JOIN fu_rule r ON r.id = d.rule_id WHERE r.name = '重点对象走访' AND d.subject_id = ?`,
				w.Objects["person"][wh]).Scan(&duty); err != nil {
				t.Fatalf("follow-up fixture duty: %v", err)
			}
			w.Add("fu_duty", wh, duty, "居民"+tags[wh]+"户主")
			rec, _, err := s.CreateRecord(ctx, sys, followups.RecordInput{DutyID: duty, Way: "home", HappenedAt: time.Now().Add(-time.Hour),
				Met: "本人", Note: tags[wh] + "走访情况良好", Needs: "厨房水管漏水，希望帮忙联系维修", Photos: []followups.Photo{{Name: "门口.jpg", Data: fixtureJPEG}}})
			w.Add("fu_record", wh, must(rec, err), tags[wh]+"走访情况良好")
		}
		var duty int64
		if err := w.DB.QueryRowContext(ctx, `SELECT id FROM fu_duty WHERE rule_id = ?`, sensitive).Scan(&duty); err != nil {
			t.Fatalf("follow-up fixture sensitive duty: %v", err)
		}
		w.Add("fu_duty_sensitive", InA, duty, "帮教谈话")
		rec, _, err := s.CreateRecord(ctx, sys, followups.RecordInput{DutyID: duty, Way: "office", HappenedAt: time.Now().Add(-time.Hour), Note: "帮教谈话记录甲"})
		w.Add("fu_record_sensitive", InA, must(rec, err), "帮教谈话记录甲")
	})
}

// fixtureJPEG is the start of a JPEG: enough for a photo's type to be
// recognised.
var fixtureJPEG = []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00fixture")

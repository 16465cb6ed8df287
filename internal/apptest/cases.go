package apptest

import (
	"context"
	"testing"

	"linli/internal/auth"
	"linli/internal/cases"
)

// TinyPNG is a valid 1×1 PNG, the photo attached to fixture cases.
var TinyPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// Case fixtures: one case of each type in grids A, B and D, recorded by kind
// ("case" is the resident request; "case_dispute", "case_hazard",
// "case_event"), each dispute with its mediation agreement and each hazard with
// its rectification notice written; the photo of each request ("case_file");
// the dwelling link of each request ("case_link") and the applicant of each
// dispute ("case_party"), both without markers (they name their case's place);
// and "case_own": in A the resident's own request (no marker: the resident
// may see it), in B and D other people's requests.
func init() {
	Register(40, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		s := w.App.Cases
		must := func(id int64, err error) int64 {
			t.Helper()
			if err != nil {
				t.Fatalf("case fixture: %v", err)
			}
			return id
		}
		grids := map[Where]int64{InA: w.GridA, InB: w.GridB, InD: w.GridD}
		tags := map[Where]string{InA: "甲", InB: "乙", InD: "丁"}
		for _, wh := range []Where{InA, InB, InD} {
			tag, g := tags[wh], grids[wh]
			req := must(s.Create(ctx, sys, cases.CreateInput{Type: "request", Category: "noise", Title: tag + "诉求噪音扰民", Description: "夜间施工", Source: "phone",
				GridID: g, ReporterName: "反映人", ReporterPhone: "13800138000", Files: []cases.Upload{{Name: "现场.png", Data: TinyPNG}}}))
			w.Add("case", wh, req, tag+"诉求噪音扰民")
			var file int64
			if err := w.DB.QueryRowContext(ctx, `SELECT id FROM case_file WHERE case_id = ?`, req).Scan(&file); err != nil {
				t.Fatal(err)
			}
			w.Add("case_file", wh, file, tag+"诉求噪音扰民")
			if err := s.AddLink(ctx, sys, req, cases.LinkDwelling, w.Objects["dwelling"][wh]); err != nil {
				t.Fatal(err)
			}
			var link int64
			if err := w.DB.QueryRowContext(ctx, `SELECT id FROM case_link WHERE case_id = ?`, req).Scan(&link); err != nil {
				t.Fatal(err)
			}
			w.Objects["case_link"] = ensure(w.Objects["case_link"])
			w.Objects["case_link"][wh] = link
			dis := must(s.Create(ctx, sys, cases.CreateInput{Type: "dispute", Category: "neighbour", Title: tag + "纠纷漏水", Source: "patrol", GridID: g}))
			w.Add("case_dispute", wh, dis, tag+"纠纷漏水")
			if err := s.AddParty(ctx, sys, dis, cases.PartyInput{Role: "applicant", Name: "申请人" + tag + "某"}); err != nil {
				t.Fatal(err)
			}
			var party int64
			if err := w.DB.QueryRowContext(ctx, `SELECT id FROM case_party WHERE case_id = ?`, dis).Scan(&party); err != nil {
				t.Fatal(err)
			}
			w.Objects["case_party"] = ensure(w.Objects["case_party"])
			w.Objects["case_party"][wh] = party
			if err := s.SaveDocument(ctx, sys, dis, cases.DocAgreement, map[string]string{"committee": "调委会", "facts": "楼上漏水", "terms": "赔偿五百元",
				"performance": "当场支付", "perform_by": "2099-12-31", "mediators": "调解员", "made_on": "2026-01-05"}); err != nil {
				t.Fatal(err)
			}
			haz := must(s.Create(ctx, sys, cases.CreateInput{Type: "hazard", Category: "fire", Title: tag + "隐患通道堆物", Source: "patrol", GridID: g}))
			w.Add("case_hazard", wh, haz, tag+"隐患通道堆物")
			if err := s.SaveDocument(ctx, sys, haz, cases.DocNotice, map[string]string{"target": "业主", "problems": "堆物", "requirements": "清理",
				"deadline": "2099-12-31", "issuer": "居委会", "issued_on": "2026-01-05"}); err != nil {
				t.Fatal(err)
			}
			ev := must(s.Create(ctx, sys, cases.CreateInput{Type: "grid_event", Category: "facility", Title: tag + "事件路灯损坏", Source: "patrol", GridID: g}))
			w.Add("case_event", wh, ev, tag+"事件路灯损坏")
			if wh != InA {
				w.Objects["case_own"] = ensure(w.Objects["case_own"])
				w.Objects["case_own"][wh] = req
			}
		}
		resident := w.Principal(t, "resident")
		own := must(s.Create(ctx, resident, cases.CreateInput{Type: "request", Category: "repair", Title: "楼道灯不亮", CommunityID: w.C1}))
		w.Objects["case_own"] = ensure(w.Objects["case_own"])
		w.Objects["case_own"][InA] = own
	})
}

func ensure(m map[Where]int64) map[Where]int64 {
	if m == nil {
		return map[Where]int64{}
	}
	return m
}

// Cases' write targets: each dispute taken into mediation (sessions are held
// then); a second request in each place ("case_duplicate", the one merged
// into); and the resident's own request carried to 反馈, where the resident
// rates it.
func init() {
	RegisterWriteTargets(40, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		s := w.App.Cases
		step := func(id int64, in cases.TransitionInput) {
			t.Helper()
			if err := s.Transition(ctx, sys, id, in); err != nil {
				t.Fatalf("write target %d %s: %v", id, in.Action, err)
			}
		}
		for wh, tag := range placeTags {
			step(w.Objects["case_dispute"][wh], cases.TransitionInput{Action: "accept"})
			dup, err := s.Create(ctx, sys, cases.CreateInput{Type: "request", Category: "noise", Title: tag + "诉求重复反映", Source: "phone", GridID: map[Where]int64{InA: w.GridA, InB: w.GridB, InD: w.GridD}[wh]})
			if err != nil {
				t.Fatal(err)
			}
			w.Add("case_duplicate", wh, dup, tag+"诉求重复反映")
		}
		own := w.Objects["case_own"][InA]
		step(own, cases.TransitionInput{Action: "accept"})
		step(own, cases.TransitionInput{Action: "handle", Note: "已修好", Fields: map[string]string{"outcome": "resolved"}})
		step(own, cases.TransitionInput{Action: "feedback", Note: "已电话回访", Fields: map[string]string{"channel": "phone"}})
	})
}

package apptest

import (
	"context"
	"testing"

	"linli/internal/auth"
	"linli/internal/campaigns"
	"linli/internal/uploads"
)

// CampaignPhoto is a minimal PNG: the bytes a photo's type is recognised by.
var CampaignPhoto = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")

// CampaignTemplateInput is the fixtures' street template: 平安社区, two
// scored criteria (60 and 40 points) and a veto item, pass at 80.
func CampaignTemplateInput(street int64, name string) campaigns.TemplateInput {
	return campaigns.TemplateInput{StreetID: street, Name: name, Kind: campaigns.KindCampaign, Title: "平安社区", PassScore: "80",
		Phases:   "动员部署｜03-31\n组织实施｜08-31\n自查整改｜10-31\n检查验收｜11-30\n总结｜12-31",
		Criteria: "A1｜治安防控体系健全｜60｜｜巡逻记录、监控台账\nA2｜矛盾纠纷排查化解｜40｜｜调解记录\nV1｜无重大刑事案件｜｜是｜公安部门证明"}
}

// Campaigns (创建):
//   - the street's template "平安社区（测试）" (words every staff under the
//     street reads; "campaign_template" in A, its marker the evidence it
//     asks for, shown only on the street's template pages and in runs);
//   - "campaign": a running campaign in community 1 (A) and 2 (D), each
//     with a leading group (marker "甲创建组长" / "丁创建组长"), a task
//     ("campaign_task", marker its title) and a photo as evidence
//     ("campaign_evidence", marker its note); community 1's also links
//     grid B's case, whose title (its marker) grid A's worker must not see.
//
// Write targets: "campaign_checkable" (self-checked, awaiting the street's
// check) and "campaign_checked" (checked, awaiting acceptance), last year's
// and the year before's runs in each community.
func init() {
	Register(85, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		s := w.App.Campaigns
		tid, err := s.SaveTemplate(ctx, sys, 0, CampaignTemplateInput(w.Street, "平安社区（测试）"))
		if err != nil {
			t.Fatalf("campaigns template fixture: %v", err)
		}
		w.Add("campaign_template", InA, tid, "巡逻记录、监控台账")
		for _, f := range []struct {
			wh   Where
			comm int64
			tag  string
		}{{InA, w.C1, "甲"}, {InD, w.C2, "丁"}} {
			id, err := s.Start(ctx, sys, campaigns.StartInput{CommunityID: f.comm, TemplateID: tid, Year: s.ThisYear()})
			if err != nil {
				t.Fatalf("campaign fixture: %v", err)
			}
			if err := s.SetGroup(ctx, sys, id, "组长｜"+f.tag+"创建组长｜社区书记"); err != nil {
				t.Fatalf("campaign group fixture: %v", err)
			}
			w.Add("campaign", f.wh, id, f.tag+"创建组长")
			task, err := s.AddTask(ctx, sys, id, campaigns.TaskInput{Title: f.tag + "创建任务", Department: "综治办", Owner: "李四", Deadline: "2099-12-31", Criterion: "A1"})
			if err != nil {
				t.Fatalf("campaign task fixture: %v", err)
			}
			w.Add("campaign_task", f.wh, task, f.tag+"创建任务")
			ev, err := s.AddEvidence(ctx, sys, id, campaigns.EvidenceInput{Criterion: "A1", Note: f.tag + "创建佐证", File: &uploads.File{Name: "巡逻.png", Data: CampaignPhoto}})
			if err != nil {
				t.Fatalf("campaign evidence fixture: %v", err)
			}
			w.Add("campaign_evidence", f.wh, ev, f.tag+"创建佐证")
		}
		// Community 1's run links the case of grid B: its title is for those
		// who see that case, not for grid A's worker who reads the run.
		if _, err := s.AddEvidence(ctx, sys, w.Objects["campaign"][InA], campaigns.EvidenceInput{Criterion: "A2", LinkKind: campaigns.LinkCase,
			LinkID: w.Objects["case"][InB]}); err != nil {
			t.Fatalf("campaign linked evidence fixture: %v", err)
		}
	})
	RegisterWriteTargets(85, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		s := w.App.Campaigns
		tid := w.Objects["campaign_template"][InA]
		for _, f := range []struct {
			wh   Where
			comm int64
			tag  string
		}{{InA, w.C1, "甲"}, {InD, w.C2, "丁"}} {
			for i, kind := range []string{"campaign_checkable", "campaign_checked"} {
				id, err := s.Start(ctx, sys, campaigns.StartInput{CommunityID: f.comm, TemplateID: tid, Year: s.ThisYear() - 1 - i})
				if err != nil {
					t.Fatalf("campaign write target: %v", err)
				}
				scores := []campaigns.ScoreInput{{Criterion: "A1", Points: "60"}, {Criterion: "A2", Points: "40"}, {Criterion: "V1"}}
				if err := s.SelfCheck(ctx, sys, id, scores); err != nil {
					t.Fatalf("campaign write target self-check: %v", err)
				}
				if kind == "campaign_checked" {
					if err := s.Check(ctx, sys, id, campaigns.CheckInput{Scores: scores}); err != nil {
						t.Fatalf("campaign write target check: %v", err)
					}
				}
				w.Add(kind, f.wh, id, f.tag+kind)
			}
		}
	})
}

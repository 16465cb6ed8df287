package campaigns_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/campaigns"
	"linli/internal/i18n"
	"linli/internal/uploads"
	"linli/internal/web"
)

func fieldErr(err error, field string) bool {
	var errs *i18n.Errors
	return errors.As(err, &errs) && errs.For(field) != ""
}

func scores(a1, a2 string, vetoFailed bool) []campaigns.ScoreInput {
	return []campaigns.ScoreInput{{Criterion: "A1", Points: a1}, {Criterion: "A2", Points: a2}, {Criterion: "V1", VetoFailed: vetoFailed}}
}

// A campaign from its template to acceptance: full marks with the veto
// item failed fails it; after rectification the street checks again, the
// veto item passes and the campaign is accepted with its title. The run
// keeps the template as it was when started.
func TestVetoFailsWhateverTheScore(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Campaigns
		street := w.Principal(t, "street_admin")
		leader := w.Principal(t, "community_admin")
		tid, err := s.SaveTemplate(ctx, street, 0, apptest.CampaignTemplateInput(w.Street, "平安社区（验收）"))
		if err != nil {
			t.Fatal(err)
		}
		id, err := s.Start(ctx, leader, campaigns.StartInput{CommunityID: w.C1, TemplateID: tid, Year: 2030})
		if err != nil {
			t.Fatal(err)
		}
		// The street edits the template afterwards: the run keeps its copy.
		edited := apptest.CampaignTemplateInput(w.Street, "平安社区（验收）")
		edited.Criteria, edited.PassScore = "B1｜新细则｜100｜｜", "90"
		if _, err := s.SaveTemplate(ctx, street, tid, edited); err != nil {
			t.Fatal(err)
		}
		c, err := s.Get(ctx, leader, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Criteria) != 3 || c.Criteria[2].Code != "V1" || !c.Criteria[2].Veto || c.PassScore != 80 || c.Phases[0].Until != "2030-03-31" {
			t.Fatalf("the run followed the template's edit: %+v", c)
		}
		// The street cannot check before the self-check; the community
		// cannot check at all.
		if err := s.Check(ctx, street, id, campaigns.CheckInput{Scores: scores("60", "40", false)}); !errors.Is(err, campaigns.ErrState) {
			t.Fatalf("check before the self-check: %v", err)
		}
		if err := s.SelfCheck(ctx, leader, id, scores("60", "41", false)); !fieldErr(err, "points_A2") {
			t.Fatalf("41 of 40 points accepted: %v", err)
		}
		if err := s.SelfCheck(ctx, leader, id, scores("60", "40", false)); err != nil {
			t.Fatal(err)
		}
		if err := s.Check(ctx, leader, id, campaigns.CheckInput{Scores: scores("60", "40", false)}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("the community checks itself: %v", err)
		}
		// Full marks, the veto item failed, one finding.
		if err := s.Check(ctx, street, id, campaigns.CheckInput{Scores: scores("60", "40", true), Findings: "V1｜辖区发生重大刑事案件未通报｜2030-12-01"}); err != nil {
			t.Fatal(err)
		}
		passed, err := s.Accept(ctx, street, id, campaigns.AcceptInput{Title: "平安社区", ValidUntil: "2033-12-31", ReexamOn: "2032-12-31"})
		if err != nil || passed {
			t.Fatalf("100 points with a failed veto item: passed %v, %v", passed, err)
		}
		c, d, err := s.Details(ctx, leader, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.State != campaigns.StateFailed || c.Result != "failed" || c.TitleAwarded != "" {
			t.Fatalf("after a failed veto item: %+v", c)
		}
		var rect *campaigns.Task
		for _, tk := range d.Tasks {
			if tk.Origin == campaigns.OriginRectification {
				rect = tk
			}
		}
		if rect == nil || rect.Deadline != "2030-12-01" || rect.Criterion != "V1" {
			t.Fatalf("the finding did not become a rectification task: %+v", d.Tasks)
		}
		if _, err := s.DoneTask(ctx, leader, rect.ID); err != nil {
			t.Fatal(err)
		}
		// Rectified: checked again, the veto item passes, below-full score
		// still at the pass mark.
		if err := s.Check(ctx, street, id, campaigns.CheckInput{Scores: scores("45", "35", false)}); err != nil {
			t.Fatal(err)
		}
		if passed, err := s.Accept(ctx, street, id, campaigns.AcceptInput{Title: "平安社区", ValidUntil: "2033-12-31", ReexamOn: "2034-01-31"}); !fieldErr(err, "reexam_on") || passed {
			t.Fatalf("re-examination after the title ends: %v", err)
		}
		passed, err = s.Accept(ctx, street, id, campaigns.AcceptInput{Title: "平安社区", ValidUntil: "2033-12-31", ReexamOn: "2032-12-31"})
		if err != nil || !passed {
			t.Fatalf("80 of 100 with the veto item passed: passed %v, %v", passed, err)
		}
		c, err = s.Get(ctx, leader, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.State != campaigns.StateAccepted || c.TitleAwarded != "平安社区" || c.ValidUntil != "2033-12-31" || c.Access.Run {
			t.Fatalf("accepted: %+v", c)
		}
	})
}

// Below the pass score fails without a veto item.
func TestBelowPassScoreFails(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Campaigns
		street := w.Principal(t, "street_admin")
		id := w.Objects["campaign"][apptest.InA]
		if err := s.SelfCheck(ctx, street, id, scores("60", "40", false)); err != nil {
			t.Fatal(err)
		}
		if err := s.Check(ctx, street, id, campaigns.CheckInput{Scores: scores("50", "29", false)}); err != nil {
			t.Fatal(err)
		}
		if passed, err := s.Accept(ctx, street, id, campaigns.AcceptInput{}); err != nil || passed {
			t.Fatalf("79 of 80: passed %v, %v", passed, err)
		}
	})
}

// Community 2 neither sees nor touches community 1's campaign, its tasks or
// its files; a grid worker of community 1 reads it but cannot run it.
func TestCampaignScope(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Campaigns
		c2 := w.Principal(t, "community_admin_c2")
		id := w.Objects["campaign"][apptest.InA]
		if _, err := s.Get(ctx, c2, id); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("community 2 reads community 1's campaign: %v", err)
		}
		list, err := s.List(ctx, c2, campaigns.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != w.Objects["campaign"][apptest.InD] {
			t.Fatalf("community 2's list: %+v", list)
		}
		if _, err := s.EvidenceFile(ctx, c2, w.Objects["campaign_evidence"][apptest.InA]); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("community 2 reads community 1's file: %v", err)
		}
		if _, err := s.DoneTask(ctx, c2, w.Objects["campaign_task"][apptest.InA]); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("community 2 closes community 1's task: %v", err)
		}
		if _, err := s.AddTask(ctx, c2, id, campaigns.TaskInput{Title: "x", Department: "x", Owner: "x", Deadline: "2030-01-01"}); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("community 2 adds a task to community 1's campaign: %v", err)
		}
		if _, err := s.Start(ctx, c2, campaigns.StartInput{CommunityID: w.C1, TemplateID: w.Objects["campaign_template"][apptest.InA], Year: 2031}); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("community 2 starts a campaign in community 1: %v", err)
		}
		grid := w.Principal(t, "grid_worker")
		c, err := s.Get(ctx, grid, id)
		if err != nil {
			t.Fatalf("the grid worker of community 1 reads its campaign: %v", err)
		}
		if c.Access.Run || c.Access.Check {
			t.Fatalf("the grid worker may run or check: %+v", c.Access)
		}
		f, err := s.EvidenceFile(ctx, grid, w.Objects["campaign_evidence"][apptest.InA])
		if err != nil || f.ContentType != "image/png" {
			t.Fatalf("the grid worker's file: %v %+v", err, f)
		}
		if _, err := s.EvidenceFile(ctx, grid, w.Objects["campaign_evidence"][apptest.InD]); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("the grid worker reads community 2's file: %v", err)
		}
	})
}

// Evidence: a link must be a record the user sees in the campaign's own
// community; a file must be a photo by its bytes; nothing is half-saved.
func TestEvidenceIsChecked(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Campaigns
		street := w.Principal(t, "street_admin")
		id := w.Objects["campaign"][apptest.InA]
		actD := w.Objects["activity"][apptest.InD]
		if _, err := s.AddEvidence(ctx, street, id, campaigns.EvidenceInput{Criterion: "A1", LinkKind: campaigns.LinkActivity, LinkID: actD}); !fieldErr(err, "link_id") {
			t.Fatalf("community 2's activity as community 1's evidence: %v", err)
		}
		if _, err := s.AddEvidence(ctx, street, id, campaigns.EvidenceInput{Criterion: "A1", File: &uploads.File{Name: "x.png", Data: []byte("<html>")}}); !fieldErr(err, "file") {
			t.Fatalf("HTML taken as a photo: %v", err)
		}
		if _, err := s.AddEvidence(ctx, street, id, campaigns.EvidenceInput{Criterion: "Z9", LinkKind: campaigns.LinkActivity, LinkID: w.Objects["activity"][apptest.InA]}); !fieldErr(err, "criterion") {
			t.Fatalf("an unknown criterion: %v", err)
		}
		before, err := s.Get(ctx, street, id)
		if err != nil {
			t.Fatal(err)
		}
		eid, err := s.AddEvidence(ctx, street, id, campaigns.EvidenceInput{Criterion: "V1", LinkKind: campaigns.LinkActivity, LinkID: w.Objects["activity"][apptest.InA]})
		if err != nil {
			t.Fatal(err)
		}
		_, d, err := s.Details(ctx, street, id)
		if err != nil {
			t.Fatal(err)
		}
		ev := d.ByCriterion("V1")
		if len(ev) != 1 || ev[0].ID != eid || ev[0].Title == "" || ev[0].Kind != campaigns.EvidenceLink {
			t.Fatalf("linked evidence: %+v", ev)
		}
		after, _ := s.Get(ctx, street, id)
		if after.Progress.Missing != before.Progress.Missing-1 {
			t.Fatalf("evidence missing %d → %d", before.Progress.Missing, after.Progress.Missing)
		}
	})
}

// The home page's 待办: a late task is overdue for those who run the
// community's campaign and for no other community; a self-checked campaign
// waits for the street.
func TestCampaignTodos(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Campaigns
		leader := w.Principal(t, "community_admin")
		c2 := w.Principal(t, "community_admin_c2")
		street := w.Principal(t, "street_admin")
		id := w.Objects["campaign"][apptest.InA]
		if _, err := s.AddTask(ctx, leader, id, campaigns.TaskInput{Title: "逾期的创建任务", Department: "综治办", Owner: "李四", Deadline: "2020-01-31"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SelfCheck(ctx, leader, id, scores("60", "40", false)); err != nil {
			t.Fatal(err)
		}
		items := func(p *auth.Principal) map[web.Urgency][]string {
			t.Helper()
			groups, err := w.App.Web.TodoGroups(ctx, p, 50)
			if err != nil {
				t.Fatal(err)
			}
			out := map[web.Urgency][]string{}
			for _, g := range groups {
				for _, it := range g.Items {
					if strings.HasPrefix(it.Href, "/campaigns/") {
						out[g.Urgency] = append(out[g.Urgency], it.Title)
					}
				}
			}
			return out
		}
		if got := items(leader); len(got[web.UrgencyOverdue]) != 1 || got[web.UrgencyOverdue][0] != "逾期的创建任务" || len(got[web.UrgencyWaiting]) != 0 {
			t.Fatalf("the leader's items: %v", got)
		}
		if got := items(c2); len(got) != 0 {
			t.Fatalf("community 2 sees community 1's items: %v", got)
		}
		if got := items(street); len(got[web.UrgencyWaiting]) != 1 {
			t.Fatalf("the street's items awaiting its check: %v", got)
		}
	})
}

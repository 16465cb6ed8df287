package demo_test

import (
	"testing"

	"linli/internal/auth"
	"linli/internal/campaigns"
)

// The demo street has its templates and one 平安社区 campaign in its
// self-check phase: self-checked, awaiting the street's check, with its
// leading group, a late task and evidence linked to the community's records.
func demoCampaigns(t *testing.T, w *demoWorld) {
	ctx, a := w.ctx, w.a
	sys := auth.System("test")
	ts, err := a.Campaigns.Templates(ctx, w.res.StreetID)
	if err != nil || len(ts) < 3 {
		t.Fatalf("templates: %d, %v", len(ts), err)
	}
	list, err := a.Campaigns.List(ctx, sys, campaigns.Filter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("campaigns: %d, %v", len(list), err)
	}
	c, d, err := a.Campaigns.Details(ctx, sys, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != campaigns.StateSelfChecked || len(c.Leaders) < 3 || c.Progress.TasksLate != 1 || len(d.Evidence) < 2 || len(d.Scores[campaigns.StageSelf]) != len(c.Criteria) {
		t.Fatalf("the demo campaign: %+v, %d evidence", c, len(d.Evidence))
	}
	if !c.Access.Check {
		t.Fatal("the street cannot check the demo campaign")
	}
}

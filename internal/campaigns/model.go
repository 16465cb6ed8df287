// Package campaigns keeps campaigns (创建): a street's templates as data
// (平安社区, 文明社区 …: phases with dates, criteria with weights, veto items
// and the evidence each needs, the pass score) and a community's run of one:
// the leading group, tasks by department with owners and deadlines,
// evidence per criterion (a file, or a link to the Linli record that is the
// work itself), the community's self-check, the street's check (scores,
// findings that become rectification tasks) and the acceptance. A failed
// veto item fails the campaign whatever the score.
//
// Records of other modules are linked through the registration point
// Service.Links, filled by adapters in internal/app; campaigns imports no
// other module.
package campaigns

import (
	"context"
	"embed"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the module's schema (after org). campaign_template rows are
// a street's own (their community_id is the street's).
var Migrations = db.NewMigrations("campaigns", migrationFS).
	ByCommunity("campaign_template", "campaign", "campaign_task", "campaign_evidence", "campaign_score")

// Permissions.
var (
	// PermRead: see the campaigns of one's community (or street) and their
	// evidence.
	PermRead = auth.Define("campaigns.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	// PermRun: run a community's campaign: start it, its leading group,
	// tasks, evidence and self-check.
	PermRun = auth.Define("campaigns.run", auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
	// PermCheck: the street's check and acceptance, and its templates.
	PermCheck = auth.Define("campaigns.check", auth.RoleStreetAdmin)
)

// Kinds of templates: a campaign (创建) or a selection (评选).
const (
	KindCampaign  = "campaign"
	KindSelection = "selection"
)

// Kinds in display order.
var Kinds = []string{KindCampaign, KindSelection}

// States of a run.
const (
	StateRunning     = "running"      // 组织实施: tasks, evidence, self-check
	StateSelfChecked = "self_checked" // 自查完成, awaiting the street's check
	StateChecked     = "checked"      // checked, awaiting acceptance
	StateAccepted    = "accepted"     // 验收通过
	StateFailed      = "failed"       // 验收未通过: rectify, then re-check
)

// States in display order.
var States = []string{StateRunning, StateSelfChecked, StateChecked, StateAccepted, StateFailed}

// Stages of scoring.
const (
	StageSelf  = "self"
	StageCheck = "check"
)

// Origins of tasks.
const (
	OriginPlan          = "plan"
	OriginRectification = "rectification"
)

// Evidence kinds: a file kept here, or a link to another module's record.
const (
	EvidenceFile = "file"
	EvidenceLink = "link"
)

// Roles in the leading group.
var Roles = []string{"leader", "deputy", "member"}

var (
	_ = i18n.Family("campaigns.kind.", Kinds...)
	_ = i18n.Family("campaigns.state.", States...)
	_ = i18n.Family("campaigns.origin.", OriginPlan, OriginRectification)
	_ = i18n.Family("campaigns.role.", Roles...)
)

// Phase is a stage of a campaign with the day it ends ("03-31" in a
// template, "2026-03-31" in a run).
type Phase struct {
	Name  string `json:"name"`
	Until string `json:"until"`
}

// Criterion is one item of the standard: its points (Weight), or for a veto
// item (一票否决) pass or fail, and the evidence it needs.
type Criterion struct {
	Code     string `json:"code"`
	Text     string `json:"text"`
	Weight   int    `json:"weight"`
	Veto     bool   `json:"veto"`
	Evidence string `json:"evidence"`
}

// Member is one person of the leading group.
type Member struct {
	Role string `json:"role"`
	Name string `json:"name"`
	Unit string `json:"unit"`
}

// LinkRef is a record of another module as evidence: its title as the
// linking user may see it, where it lives and its community.
type LinkRef struct {
	Title       string
	Href        string
	CommunityID int64
}

// Linker offers a module's records as evidence: Resolve applies p's scope
// and returns auth.ErrNotFound for what p may not see.
type Linker interface {
	Resolve(ctx context.Context, p *auth.Principal, id int64) (LinkRef, error)
}

// Kinds of linked evidence Linli offers (adapters in internal/app).
const (
	LinkActivity = "activity"
	LinkCase     = "case"
	LinkVisit    = "visit"
)

var _ = i18n.Family("campaigns.link.", LinkActivity, LinkCase, LinkVisit)

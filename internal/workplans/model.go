// Package workplans keeps work plans and summaries (工作计划与总结): a
// community's or street's annual work plan (sections of text, the leading
// group, tasks by department with owner, deadline and status), the monthly
// plans derived from it (theme, the month's tasks, 小结), and the year-end
// summary that drafts itself from the indicators board's figures for staff
// to edit. Each prints on A4 like a government document and exports to .docx
// (internal/docx).
//
// The figures come from the board through Board (an adapter in internal/app
// over goals.Service.Board); workplans imports no other module.
package workplans

import (
	"context"
	"embed"
	"time"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the module's schema (after org). A street's documents are
// the street's own rows (their community_id is the street's).
var Migrations = db.NewMigrations("workplans", migrationFS).ByCommunity("work_plan", "work_task")

// Permissions. A community edits its own documents; a street its own, and
// reads its communities'.
var (
	PermRead  = auth.Define("workplans.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
	PermWrite = auth.Define("workplans.write", auth.RoleStreetAdmin, auth.RoleCommunityAdmin)
)

// Kind is what a document is.
type Kind string

// Kinds of documents.
const (
	KindAnnual  Kind = "annual"
	KindMonthly Kind = "monthly"
	KindSummary Kind = "summary"
)

// Kinds in display order.
var Kinds = []Kind{KindAnnual, KindMonthly, KindSummary}

// States of a document.
var States = []string{"draft", "final"}

// Statuses of a task.
var Statuses = []string{"todo", "doing", "done"}

// DefaultHeadings are an annual plan's sections when it is created.
var DefaultHeadings = []string{"workplans.h.guiding", "workplans.h.goals", "workplans.h.leadership", "workplans.h.tasks", "workplans.h.requirements"}

// phrased are the indicators a summary writes in a sentence of their own
// (workplans.phrase.<code>); any other is written "name value".
var phrased = []string{"activities.count", "activities.attended", "cases.received", "cases.response_rate", "cases.on_time_rate",
	"cases.satisfaction_rate", "cases.mediation_rate", "cases.rectification_rate", "followups.visit_rate", "followups.on_time_rate",
	"followups.talk_rate", "volunteers.registered", "volunteers.share", "volunteers.hours", "registry.people", "registry.households"}

// groups are the summary's paragraphs, by the indicator code's prefix.
var groups = []string{"activities", "cases", "followups", "volunteers", "registry", "other"}

var (
	_ = i18n.Family("workplans.kind.", Kinds...)
	_ = i18n.Family("workplans.state.", States...)
	_ = i18n.Family("workplans.status.", Statuses...)
	_ = i18n.Family("workplans.phrase.", phrased...)
	_ = i18n.Family("workplans.group.", groups...)
)

// Section is a heading and its text.
type Section struct {
	Heading string `json:"heading"`
	Text    string `json:"text"`
}

// Member is one of the leading group (组长, 副组长, 组员), possibly of
// another unit.
type Member struct {
	Role string `json:"role"`
	Name string `json:"name"`
	Unit string `json:"unit"`
}

// Figure is one indicator of a unit's board as a summary quotes it: Text is
// the actual formatted as the board shows it (goals.Format), Href the
// board's page (or the records behind the figure) that computes it.
type Figure struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Unit    string `json:"unit"`
	Text    string `json:"text"`
	Target  string `json:"target,omitempty"`
	Percent bool   `json:"percent,omitempty"`
	Href    string `json:"href"`
	// Has is false when the board has no figure (nothing counted).
	Has bool `json:"-"`
}

// Board reads a unit's indicators for a year, within p's scope, in the
// board's order (goals.Service.Board through an adapter in internal/app).
type Board interface {
	Figures(ctx context.Context, p *auth.Principal, orgID int64, year int) ([]Figure, error)
}

// Plan is one document.
type Plan struct {
	ID, CommunityID, UnitID int64
	UnitName                string
	Year, Month             int
	Kind                    Kind
	Title, DocNumber, Theme string
	Sections                []Section
	Group                   []Member
	Figures                 []Figure
	// Prior is the summary's previous draft, kept when it was regenerated.
	Prior                 []Section
	State                 string
	GeneratedAt, EditedAt int64
	UpdatedBy, UpdatedAt  int64
	Tasks                 []Task
	// CanEdit: p may change this document (its unit is p's own).
	CanEdit bool
}

// Edited reports whether staff changed the summary after it was drafted.
func (p *Plan) Edited() bool { return p.Kind == KindSummary && p.EditedAt > p.GeneratedAt }

// Task is one task of a plan.
type Task struct {
	ID, PlanID                           int64
	Department, Content, Owner, Deadline string
	Status                               string
	DoneAt                               int64
	// Late: past its deadline and not done.
	Late bool
}

func isLate(t Task, now time.Time) bool {
	return t.Status != "done" && t.Deadline != "" && t.Deadline < now.Format("2006-01-02")
}

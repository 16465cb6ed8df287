package activities

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("activities.action.", "activities.create", "activities.discard", "activities.publish", "activities.cancel", "activities.summarise",
		"activities.report", "activities.signup", "activities.signup_cancel", "activities.attend", "activities.walkin", "activities.rotate",
		"activities.feedback", "activities.plan_add", "activities.plan_delete", "activities.plan_seed", "activities.helper_add", "activities.helper_checkout", "activities.update", "activities.team_signup",
		"activities.term_add", "activities.term_rename", "activities.term_move", "activities.term_retire", "activities.term_restore")
	_ = audit.Objects("activities.object.", "activity", "activity_plan", "activity_term")
)

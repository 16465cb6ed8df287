package goals

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("goals.action.", "goals.target_set", "goals.entry", "goals.define")
	_ = audit.Objects("goals.object.", "goal_target", "goal_entry", "goal_indicator")
)

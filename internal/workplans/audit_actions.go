package workplans

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("workplans.action.", "workplans.create", "workplans.edit", "workplans.task_add", "workplans.task_edit", "workplans.month",
		"workplans.summarize", "workplans.export")
	_ = audit.Objects("workplans.object.", "work_plan", "work_task")
)

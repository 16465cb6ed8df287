package campaigns

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("campaigns.action.", "campaigns.template_add", "campaigns.template_edit", "campaigns.start", "campaigns.group",
		"campaigns.task_add", "campaigns.task_done", "campaigns.evidence", "campaigns.self_check", "campaigns.check", "campaigns.accept")
	_ = audit.Objects("campaigns.object.", "campaign_template", "campaign", "campaign_task", "campaign_evidence")
)

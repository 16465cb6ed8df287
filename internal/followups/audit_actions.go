package followups

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("followups.action.", "followups.rule_create", "followups.rule_update", "followups.record", "followups.import")
	_ = audit.Objects("followups.object.", "fu_rule", "fu_record")
)

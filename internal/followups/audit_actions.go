package followups

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("followups.action.", "followups.rule_create", "followups.rule_update", "followups.record", "followups.import", "followups.record_case", "followups.record_export")
	_ = audit.Objects("followups.object.", "fu_rule", "fu_record")
)

package cases

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("cases.action.", "case.create", "case.transition", "case.comment", "case.escalate", "case.merge", "case.reveal_phone", "case.link", "case.unlink", "case.party_add", "case.party_remove", "case.document", "case.session", "case.remind", "case.overdue", "case.alerts_read", "case_type.save", "case_type.reset")
	_ = audit.Objects("cases.object.", "case", "case_type")
)

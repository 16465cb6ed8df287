package opinions

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("opinions.action.", "opinions.meeting_create", "opinions.create", "opinions.portal", "opinions.answer", "opinions.close",
		"opinions.to_case", "opinions.reveal_phone")
	_ = audit.Objects("opinions.object.", "op_meeting", "op_opinion")
)

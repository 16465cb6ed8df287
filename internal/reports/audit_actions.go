package reports

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("reports.action.", "reports.form_save", "reports.open", "reports.save", "reports.submit", "reports.return", "reports.approve")
	_ = audit.Objects("reports.object.", "report_form", "report")
)

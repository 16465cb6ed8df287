package calendar

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("calendar.action.", "calendar.set", "calendar.delete", "calendar.hours")
	_ = audit.Objects("calendar.object.", "calendar_day")
)

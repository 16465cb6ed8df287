package web

import "linli/internal/audit"

// The audit actions the web shell records and the objects they name.
var (
	_ = audit.Actions("audit.action.", "csrf_refused", "audit.export")
	_ = audit.Objects("audit.object.", "route")
)

package org

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("org.action.", "org.create", "org.update", "org.level_names")
	_ = audit.Objects("org.object.", "org_unit")
)

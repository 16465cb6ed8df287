package patrols

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("patrols.action.", "patrols.start", "patrols.end", "patrols.tick", "patrols.points", "patrols.correct", "patrols.target", "patrols.import")
	_ = audit.Objects("patrols.object.", "patrol")
)

package places

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("places.action.", "estate.create", "estate.update", "estate.delete", "building.create", "building.update", "building.delete", "building.assign_grid", "entrance.create", "entrance.delete", "dwelling.create", "dwelling.update", "dwelling.delete", "dwelling.generate", "places.import")
	_ = audit.Objects("places.object.", "estate", "building", "entrance", "dwelling")
)

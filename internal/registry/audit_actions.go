package registry

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("registry.action.", "person.create", "person.update", "person.tags", "person.move", "person.move_out", "person.death", "person.reveal", "person.export", "person.export_unmasked", "household.move", "household.head", "household.split", "household.merge", "rental.create", "rental.update", "rental.landlord", "rental.end", "rental.tenant_add", "rental.tenant_remove", "rental.reveal", "tag.create", "tag.update", "registry.import")
	_ = audit.Objects("registry.object.", "person", "household", "rental", "reg_tag")
)

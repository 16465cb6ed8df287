package importflow

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("importflow.action.", "import.upload", "import.discard")
	_ = audit.Objects("importflow.object.", "import_upload")
)

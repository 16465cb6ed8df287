package demo

import "linli/internal/audit"

// The audit actions the demo records (named in web.txt).
var _ = audit.Actions("audit.action.", "demo.places", "demo.cases")

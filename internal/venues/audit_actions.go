package venues

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("venues.action.", "venues.create", "venues.update", "venues.book", "venues.series", "venues.approve", "venues.refuse",
		"venues.cancel", "venues.portal_book", "venues.reserve", "venues.release", "venues.import", "venues.series_cancel")
	_ = audit.Objects("venues.object.", "venue", "venue_booking", "venue_series")
)

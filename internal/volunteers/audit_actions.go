package volunteers

import (
	"linli/internal/audit"
	"linli/internal/i18n"
)

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("volunteers.action.", "volunteers.create", "volunteers.update", "volunteers.confirm", "volunteers.leave",
		"volunteers.portal_register", "volunteers.record", "volunteers.record_activity", "volunteers.record_confirm", "volunteers.record_refuse",
		"volunteers.team_create", "volunteers.team_update", "volunteers.member_join", "volunteers.member_leave", "volunteers.bands",
		"volunteers.expert_create", "volunteers.certificate", "volunteers.import", "volunteers.reveal")
	_ = audit.Objects("volunteers.object.", "vol_volunteer", "vol_team", "vol_record", "vol_expert")
	_ = i18n.Family("volunteers.op_hint.", "confirm", "leave")
)

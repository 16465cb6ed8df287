package auth

import "linli/internal/audit"

// The audit actions this package records and the objects they name, each
// named in the catalogue (the audit log shows the names).
var (
	_ = audit.Actions("auth.action.", "login", "login_password", "login_failed", "logout", "user.create", "user.update", "user.password", "user.lock", "user.unlock", "user.disable", "user.enable", "user.mfa_reset", "user.mfa_enrol", "token.create", "token.revoke", "security.policy")
	_ = audit.Objects("auth.object.", "user", "api_token", "setting")
)

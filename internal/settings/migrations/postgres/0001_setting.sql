-- Deployment-wide settings edited by administrators (security policy, level names).
CREATE TABLE setting (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	updated_by BIGINT
);

CREATE TABLE auth_user (
	id INTEGER PRIMARY KEY,
	username TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL,
	phone TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	password_changed_at BIGINT NOT NULL,
	must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
	lines TEXT NOT NULL DEFAULT '',
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until BIGINT NOT NULL DEFAULT 0,
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	totp_secret BLOB,
	totp_enabled BOOLEAN NOT NULL DEFAULT FALSE,
	totp_last_step BIGINT NOT NULL DEFAULT 0,
	mfa_exempt BOOLEAN NOT NULL DEFAULT FALSE,
	person_id BIGINT,
	last_login_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE TABLE auth_user_role (
	user_id BIGINT NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
	role TEXT NOT NULL,
	PRIMARY KEY (user_id, role)
);
-- The org subtrees a user reaches; resolved to communities and grids per request.
CREATE TABLE auth_user_scope (
	user_id BIGINT NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
	org_unit_id BIGINT NOT NULL,
	PRIMARY KEY (user_id, org_unit_id)
);
CREATE INDEX auth_user_scope_org ON auth_user_scope (org_unit_id);
CREATE TABLE auth_session (
	token_hash TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	csrf TEXT NOT NULL,
	mfa_done BOOLEAN NOT NULL DEFAULT FALSE,
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL
);
CREATE INDEX auth_session_user ON auth_session (user_id);
CREATE INDEX auth_session_seen ON auth_session (last_seen_at);

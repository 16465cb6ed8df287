-- Long-lived personal API tokens for integrations (Open311 clients, scripts).
-- Only the SHA-256 of a token is kept; prefix tells tokens apart in lists.
CREATE TABLE auth_api_token (
	id INTEGER PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	prefix TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	last_used_at BIGINT NOT NULL DEFAULT 0,
	revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX auth_api_token_user ON auth_api_token (user_id);

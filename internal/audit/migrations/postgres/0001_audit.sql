-- Append-only audit log. seq is assigned from audit_head under a row lock so that
-- gaps are detectable; each row's hash chains to the previous row's.
CREATE TABLE audit_log (
	seq BIGINT PRIMARY KEY,
	at BIGINT NOT NULL,
	actor_id BIGINT,
	actor_name TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,
	object_type TEXT NOT NULL DEFAULT '',
	object_id TEXT NOT NULL DEFAULT '',
	org_unit_id BIGINT,
	ip TEXT NOT NULL DEFAULT '',
	outcome TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
CREATE TABLE audit_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

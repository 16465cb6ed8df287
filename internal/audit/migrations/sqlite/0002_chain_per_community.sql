-- One chain per partition, as postgres/0002: audit_log is keyed by
-- (community_id, seq) and audit_head holds one row per partition. The entries
-- written before form partition 0's history, unchanged. SQLite cannot change a
-- primary key in place, so both tables are rebuilt.
CREATE TABLE audit_log_new (
	seq BIGINT NOT NULL,
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
	hash TEXT NOT NULL,
	community_id BIGINT NOT NULL,
	PRIMARY KEY (community_id, seq)
);
INSERT INTO audit_log_new (seq, at, actor_id, actor_name, role, action, object_type, object_id, org_unit_id, ip, outcome, detail, prev_hash, hash, community_id)
	SELECT seq, at, actor_id, actor_name, role, action, object_type, object_id, org_unit_id, ip, outcome, detail, prev_hash, hash, 0 FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_at ON audit_log (at, community_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
CREATE TABLE audit_head_new (
	community_id BIGINT NOT NULL PRIMARY KEY,
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head_new (community_id, seq, hash) SELECT 0, seq, hash FROM audit_head;
DROP TABLE audit_head;
ALTER TABLE audit_head_new RENAME TO audit_head;

-- One chain per partition instead of one for the whole city (docs/ARCHITECTURE.md,
-- "Audit"): an entry belongs to the community its org unit lies in (a grid's
-- community; a street's, district's or city's own unit id), or to partition 0,
-- the administration's, when it has no org unit. Each partition numbers its
-- entries from 1 and chains them; audit_head holds each partition's last seq
-- and hash, locked by the writers of that partition only. On Citus both tables
-- are distributed by community_id with the community tables, so an entry is
-- written on the node of the data its transaction changes.
--
-- The entries written before this migration form one chain; it becomes
-- partition 0's history, unchanged, and still verifies (the hash of a
-- partition 0 entry covers the same fields as before).
ALTER TABLE audit_log ADD COLUMN community_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_log ALTER COLUMN community_id DROP DEFAULT;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY (community_id, seq);
-- The log's pages and export read newest first by (at, community_id, seq).
DROP INDEX audit_log_at;
CREATE INDEX audit_log_at ON audit_log (at, community_id, seq);
CREATE TABLE audit_head_new (
	community_id BIGINT NOT NULL,
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head_new (community_id, seq, hash) SELECT 0, seq, hash FROM audit_head;
DROP TABLE audit_head;
ALTER TABLE audit_head_new RENAME TO audit_head;
ALTER TABLE audit_head ADD CONSTRAINT audit_head_pkey PRIMARY KEY (community_id);

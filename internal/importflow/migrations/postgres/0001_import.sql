-- Uploaded ledgers waiting to be checked and imported. The file is kept in 4 MiB
-- chunks so that neither storing nor reading it needs the whole file in memory,
-- and in the database (not on one machine's disk) so that any instance can carry
-- on with it. Rows are deleted after the import or when they expire.
CREATE TABLE import_upload (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	user_id BIGINT NOT NULL,
	community_id BIGINT NOT NULL,
	filename TEXT NOT NULL,
	size BIGINT NOT NULL,
	mapping TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL,
	progress BIGINT NOT NULL DEFAULT 0,
	result TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX import_upload_user ON import_upload (user_id, created_at);
CREATE TABLE import_upload_chunk (
	upload_id TEXT NOT NULL REFERENCES import_upload (id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,
	data BYTEA NOT NULL,
	PRIMARY KEY (upload_id, seq)
);

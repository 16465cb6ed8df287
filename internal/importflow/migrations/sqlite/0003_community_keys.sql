-- linli:foreign-keys-off
-- Keys by community, as postgres/0003: both tables are rebuilt with their
-- keys starting with community_id (the ids are text: no rowid to keep), the
-- chunks taking their community from their upload.
CREATE TABLE import_upload_new (
	id TEXT NOT NULL,
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
	updated_at BIGINT NOT NULL,
	grid_id BIGINT,
	PRIMARY KEY (community_id, id)
);
INSERT INTO import_upload_new (id, kind, user_id, community_id, filename, size, mapping, state, progress, result, error, created_at, updated_at, grid_id)
	SELECT id, kind, user_id, community_id, filename, size, mapping, state, progress, result, error, created_at, updated_at, grid_id FROM import_upload;
CREATE TABLE import_upload_chunk_new (
	upload_id TEXT NOT NULL,
	seq INTEGER NOT NULL,
	data BLOB NOT NULL,
	community_id BIGINT NOT NULL,
	PRIMARY KEY (community_id, upload_id, seq),
	CONSTRAINT import_upload_chunk_upload_fkey FOREIGN KEY (community_id, upload_id) REFERENCES import_upload (community_id, id) ON DELETE CASCADE
);
INSERT INTO import_upload_chunk_new (upload_id, seq, data, community_id)
	SELECT c.upload_id, c.seq, c.data, u.community_id FROM import_upload_chunk c JOIN import_upload u ON u.id = c.upload_id;
DROP TABLE import_upload_chunk;
DROP TABLE import_upload;
ALTER TABLE import_upload_new RENAME TO import_upload;
ALTER TABLE import_upload_chunk_new RENAME TO import_upload_chunk;
CREATE INDEX import_upload_user ON import_upload (user_id, created_at);
CREATE INDEX import_upload_id ON import_upload (id);

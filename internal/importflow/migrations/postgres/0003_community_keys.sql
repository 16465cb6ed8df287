-- Keys by community (distribution on Citus, as places 0006): an upload's key
-- starts with its community_id, and its chunks carry the community too, so
-- that an upload and its file live on one node. The chunks take their
-- community from their upload.
ALTER TABLE import_upload_chunk ADD COLUMN community_id BIGINT;
UPDATE import_upload_chunk SET community_id = (SELECT u.community_id FROM import_upload u WHERE u.id = import_upload_chunk.upload_id);
DELETE FROM import_upload_chunk WHERE community_id IS NULL;
ALTER TABLE import_upload_chunk ALTER COLUMN community_id SET NOT NULL;
ALTER TABLE import_upload DROP CONSTRAINT import_upload_pkey CASCADE;
ALTER TABLE import_upload ADD CONSTRAINT import_upload_pkey PRIMARY KEY (community_id, id);
ALTER TABLE import_upload_chunk DROP CONSTRAINT import_upload_chunk_pkey;
ALTER TABLE import_upload_chunk ADD CONSTRAINT import_upload_chunk_pkey PRIMARY KEY (community_id, upload_id, seq);
ALTER TABLE import_upload_chunk ADD CONSTRAINT import_upload_chunk_upload_fkey FOREIGN KEY (community_id, upload_id) REFERENCES import_upload (community_id, id) ON DELETE CASCADE;
-- An upload read by its id alone (a link to its page) finds it through this.
CREATE INDEX import_upload_id ON import_upload (id);

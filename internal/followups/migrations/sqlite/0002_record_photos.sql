-- Photos of a record (the visit's doorway, the inspected stairwell): up to
-- six per record, resized on the phone, kept in the database beside the
-- record so that a record and its photos are written in one transaction.
-- Their type is recognised from their bytes on upload.
CREATE TABLE fu_record_photo (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	record_id BIGINT NOT NULL,
	seq INTEGER NOT NULL,
	content_type TEXT NOT NULL,
	bytes BIGINT NOT NULL,
	data BLOB NOT NULL,
	created_at BIGINT NOT NULL,
	CONSTRAINT fu_record_photo_record_fkey FOREIGN KEY (community_id, record_id) REFERENCES fu_record (community_id, id)
);
CREATE UNIQUE INDEX fu_record_photo_pkey ON fu_record_photo (community_id, id);
CREATE INDEX fu_record_photo_record ON fu_record_photo (community_id, record_id);

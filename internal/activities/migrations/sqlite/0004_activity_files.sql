-- The summary's (小结) photos and materials (sign-in sheet scans, handouts):
-- kept in the database beside the activity so that the summary, its files
-- and the status change are written in one transaction. Their type is
-- recognised from their bytes on upload; seq numbers an activity's files of
-- both kinds, and a removed file's number is not reused.
CREATE TABLE activity_file (
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	activity_id BIGINT NOT NULL,
	seq INTEGER NOT NULL,
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	bytes BIGINT NOT NULL,
	data BLOB NOT NULL,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (community_id, activity_id, seq),
	FOREIGN KEY (community_id, activity_id) REFERENCES activity (community_id, id)
);
-- The last file number given out: the summary's UPDATE of the activity row
-- takes the next ones, so two edits at once never pick the same.
ALTER TABLE activity ADD COLUMN file_seq INTEGER NOT NULL DEFAULT 0;

-- A street's own topic and format lists (活动主题、活动形式). A street that
-- has edited nothing has no rows: its lists are the built-in codes with the
-- catalogue's labels. A row either changes a built-in code (label, position,
-- retired; label '' keeps the catalogue's) or adds a term of the street's own
-- (code "t-<id>" or "f-<id>", never reused: terms are retired, not deleted).
-- The street's org unit id is the row's community_id, as the plan's rows.
CREATE TABLE activity_term (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	kind TEXT NOT NULL,
	code TEXT NOT NULL,
	label TEXT NOT NULL DEFAULT '',
	position INTEGER NOT NULL DEFAULT 0,
	retired BOOLEAN NOT NULL DEFAULT FALSE,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX activity_term_pkey ON activity_term (community_id, id);
CREATE UNIQUE INDEX activity_term_code ON activity_term (community_id, kind, code);

-- linli:foreign-keys-off
-- Keys by community, as postgres/0005: the rowid (id INTEGER PRIMARY KEY)
-- still hands out ids; (community_id, id) is each table's key, the unique
-- index <table>_pkey that foreign keys refer to. Every case table's foreign
-- keys change, so each is rebuilt (SQLite cannot alter a constraint in place).
CREATE TABLE cases_new (
	id INTEGER PRIMARY KEY,
	type TEXT NOT NULL,
	category TEXT NOT NULL,
	stage TEXT NOT NULL,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	location TEXT NOT NULL DEFAULT '',
	source TEXT NOT NULL,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT REFERENCES org_unit (id),
	level TEXT NOT NULL,
	holder_org_id BIGINT NOT NULL,
	assignee_id BIGINT,
	first_contact_id BIGINT,
	created_by BIGINT,
	owner_user_id BIGINT,
	reporter_name TEXT NOT NULL DEFAULT '',
	reporter_phone BLOB,
	reporter_phone_mask TEXT NOT NULL DEFAULT '',
	fields TEXT NOT NULL DEFAULT '{}',
	created_at BIGINT NOT NULL,
	created_month INTEGER NOT NULL,
	updated_at BIGINT NOT NULL,
	respond_due_at BIGINT NOT NULL,
	responded_at BIGINT,
	due_at BIGINT NOT NULL,
	closed_at BIGINT,
	remind_at BIGINT,
	reminded_at BIGINT,
	escalate_at BIGINT,
	escalations INTEGER NOT NULL DEFAULT 0,
	resolved BOOLEAN,
	rating TEXT,
	rated_at BIGINT,
	reopened INTEGER NOT NULL DEFAULT 0,
	merged_into BIGINT,
	version INTEGER NOT NULL DEFAULT 1,
	CONSTRAINT cases_merged_into_fkey FOREIGN KEY (community_id, merged_into) REFERENCES cases (community_id, id)
);
INSERT INTO cases_new (id, type, category, stage, title, description, location, source, community_id, grid_id, level, holder_org_id, assignee_id,
	first_contact_id, created_by, owner_user_id, reporter_name, reporter_phone, reporter_phone_mask, fields, created_at, created_month, updated_at,
	respond_due_at, responded_at, due_at, closed_at, remind_at, reminded_at, escalate_at, escalations, resolved, rating, rated_at, reopened, merged_into, version)
	SELECT id, type, category, stage, title, description, location, source, community_id, grid_id, level, holder_org_id, assignee_id,
	first_contact_id, created_by, owner_user_id, reporter_name, reporter_phone, reporter_phone_mask, fields, created_at, created_month, updated_at,
	respond_due_at, responded_at, due_at, closed_at, remind_at, reminded_at, escalate_at, escalations, resolved, rating, rated_at, reopened, merged_into, version FROM cases;
DROP TABLE cases;
ALTER TABLE cases_new RENAME TO cases;
CREATE UNIQUE INDEX cases_pkey ON cases (community_id, id);
CREATE INDEX cases_open_holder ON cases (holder_org_id, assignee_id, due_at, remind_at, type, stage, community_id, grid_id, closed_at) WHERE closed_at IS NULL;
CREATE INDEX cases_open_assignee ON cases (assignee_id, due_at) WHERE closed_at IS NULL;
CREATE INDEX cases_open_first ON cases (first_contact_id, due_at) WHERE closed_at IS NULL;
CREATE INDEX cases_open_due ON cases (community_id, due_at) WHERE closed_at IS NULL;
CREATE INDEX cases_created_by ON cases (created_by, created_at);
CREATE INDEX cases_owner ON cases (owner_user_id, created_at) WHERE owner_user_id IS NOT NULL;
CREATE INDEX cases_community ON cases (community_id, created_at);
CREATE INDEX cases_grid ON cases (grid_id, created_at);
CREATE INDEX cases_stats ON cases (community_id, created_month, grid_id, type, respond_due_at, responded_at, due_at, closed_at, resolved, rating, merged_into);
CREATE INDEX cases_remind ON cases (remind_at) WHERE reminded_at IS NULL AND remind_at IS NOT NULL;
CREATE INDEX cases_escalate ON cases (escalate_at) WHERE escalate_at IS NOT NULL;
CREATE INDEX cases_created ON cases (created_at, id);

CREATE TABLE case_event_new (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL,
	community_id BIGINT NOT NULL,
	at BIGINT NOT NULL,
	actor_id BIGINT,
	actor_name TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL,
	action TEXT NOT NULL DEFAULT '',
	from_stage TEXT NOT NULL DEFAULT '',
	to_stage TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	data TEXT NOT NULL DEFAULT '{}',
	public BOOLEAN NOT NULL DEFAULT FALSE,
	public_reply TEXT NOT NULL DEFAULT '',
	CONSTRAINT case_event_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id)
);
INSERT INTO case_event_new (id, case_id, community_id, at, actor_id, actor_name, kind, action, from_stage, to_stage, note, data, public, public_reply)
	SELECT id, case_id, community_id, at, actor_id, actor_name, kind, action, from_stage, to_stage, note, data, public, public_reply FROM case_event;
DROP TABLE case_event;
ALTER TABLE case_event_new RENAME TO case_event;
CREATE UNIQUE INDEX case_event_pkey ON case_event (community_id, id);
CREATE INDEX case_event_case ON case_event (community_id, case_id, id);

CREATE TABLE case_file_new (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL,
	community_id BIGINT NOT NULL,
	event_id BIGINT,
	name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	data BLOB NOT NULL,
	public BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL,
	created_by BIGINT,
	CONSTRAINT case_file_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id),
	CONSTRAINT case_file_event_fkey FOREIGN KEY (community_id, event_id) REFERENCES case_event (community_id, id)
);
INSERT INTO case_file_new (id, case_id, community_id, event_id, name, content_type, size, sha256, data, public, created_at, created_by)
	SELECT id, case_id, community_id, event_id, name, content_type, size, sha256, data, public, created_at, created_by FROM case_file;
DROP TABLE case_file;
ALTER TABLE case_file_new RENAME TO case_file;
CREATE UNIQUE INDEX case_file_pkey ON case_file (community_id, id);
CREATE INDEX case_file_case ON case_file (community_id, case_id);

CREATE TABLE case_link_new (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL,
	community_id BIGINT NOT NULL,
	kind TEXT NOT NULL,
	ref_id BIGINT NOT NULL,
	label TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	created_by BIGINT,
	CONSTRAINT case_link_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id)
);
INSERT INTO case_link_new (id, case_id, community_id, kind, ref_id, label, created_at, created_by)
	SELECT id, case_id, community_id, kind, ref_id, label, created_at, created_by FROM case_link;
DROP TABLE case_link;
ALTER TABLE case_link_new RENAME TO case_link;
CREATE UNIQUE INDEX case_link_pkey ON case_link (community_id, id);
CREATE UNIQUE INDEX case_link_unique ON case_link (community_id, case_id, kind, ref_id);
CREATE INDEX case_link_ref ON case_link (kind, ref_id);

CREATE TABLE case_party_new (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL,
	community_id BIGINT NOT NULL,
	role TEXT NOT NULL,
	person_id BIGINT,
	name TEXT NOT NULL,
	phone BLOB,
	phone_mask TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	remark TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	CONSTRAINT case_party_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id)
);
INSERT INTO case_party_new (id, case_id, community_id, role, person_id, name, phone, phone_mask, address, remark, created_at)
	SELECT id, case_id, community_id, role, person_id, name, phone, phone_mask, address, remark, created_at FROM case_party;
DROP TABLE case_party;
ALTER TABLE case_party_new RENAME TO case_party;
CREATE UNIQUE INDEX case_party_pkey ON case_party (community_id, id);
CREATE INDEX case_party_case ON case_party (community_id, case_id);
CREATE INDEX case_party_person ON case_party (person_id) WHERE person_id IS NOT NULL;

CREATE TABLE case_session_new (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL,
	community_id BIGINT NOT NULL,
	held_on TEXT NOT NULL,
	place TEXT NOT NULL DEFAULT '',
	mediators TEXT NOT NULL DEFAULT '',
	participants TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	created_by BIGINT,
	CONSTRAINT case_session_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id)
);
INSERT INTO case_session_new (id, case_id, community_id, held_on, place, mediators, participants, notes, created_at, created_by)
	SELECT id, case_id, community_id, held_on, place, mediators, participants, notes, created_at, created_by FROM case_session;
DROP TABLE case_session;
ALTER TABLE case_session_new RENAME TO case_session;
CREATE UNIQUE INDEX case_session_pkey ON case_session (community_id, id);
CREATE INDEX case_session_case ON case_session (community_id, case_id);

CREATE TABLE case_document_new (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL,
	community_id BIGINT NOT NULL,
	kind TEXT NOT NULL,
	content TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	created_by BIGINT,
	updated_at BIGINT NOT NULL,
	CONSTRAINT case_document_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id)
);
INSERT INTO case_document_new (id, case_id, community_id, kind, content, created_at, created_by, updated_at)
	SELECT id, case_id, community_id, kind, content, created_at, created_by, updated_at FROM case_document;
DROP TABLE case_document;
ALTER TABLE case_document_new RENAME TO case_document;
CREATE UNIQUE INDEX case_document_pkey ON case_document (community_id, id);
CREATE UNIQUE INDEX case_document_kind ON case_document (community_id, case_id, kind);

CREATE TABLE case_alert_new (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL,
	community_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	kind TEXT NOT NULL,
	at BIGINT NOT NULL,
	read_at BIGINT,
	CONSTRAINT case_alert_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id)
);
INSERT INTO case_alert_new (id, case_id, community_id, user_id, kind, at, read_at)
	SELECT id, case_id, community_id, user_id, kind, at, read_at FROM case_alert;
DROP TABLE case_alert;
ALTER TABLE case_alert_new RENAME TO case_alert;
CREATE UNIQUE INDEX case_alert_pkey ON case_alert (community_id, id);
CREATE INDEX case_alert_user ON case_alert (user_id, at);

-- Cases: one engine for resident requests (诉求), disputes (矛盾纠纷), safety
-- hazards (安全隐患) and grid events (网格事件); the types themselves are data
-- (types/*.json, overridden in case_type_config).
--
-- Every row carries community_id (the distribution key and the scope filter) and
-- grid_id when the case lies in a grid. The case row keeps its timers and
-- outcomes precomputed (respond_due_at, responded_at, due_at, closed_at,
-- resolved, rating, created_month) so that the rates are single aggregate
-- queries, and its work timers (remind_at, escalate_at) are claimed by one
-- instance with a conditional UPDATE.
CREATE TABLE case_type_config (
	code TEXT PRIMARY KEY,
	config TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	updated_by BIGINT
);
CREATE TABLE cases (
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
	-- Who holds it now: the level (grid, community, street), that org unit, and
	-- optionally one person.
	level TEXT NOT NULL,
	holder_org_id BIGINT NOT NULL,
	assignee_id BIGINT,
	-- 首接负责: the staff member who first took it in.
	first_contact_id BIGINT,
	created_by BIGINT,
	-- The resident account whose request it is (portal), if any.
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
	merged_into BIGINT REFERENCES cases (id),
	version INTEGER NOT NULL DEFAULT 1
);
-- My-work lists read only open cases: by holder unit and by person, in due order.
CREATE INDEX cases_open_holder ON cases (holder_org_id, due_at) WHERE closed_at IS NULL;
CREATE INDEX cases_open_assignee ON cases (assignee_id, due_at) WHERE closed_at IS NULL;
CREATE INDEX cases_open_first ON cases (first_contact_id, due_at) WHERE closed_at IS NULL;
CREATE INDEX cases_open_due ON cases (community_id, due_at) WHERE closed_at IS NULL;
CREATE INDEX cases_created_by ON cases (created_by, created_at);
CREATE INDEX cases_owner ON cases (owner_user_id, created_at) WHERE owner_user_id IS NOT NULL;
CREATE INDEX cases_community ON cases (community_id, created_at);
CREATE INDEX cases_grid ON cases (grid_id, created_at);
-- The rates read these columns only (a covering index on SQLite).
CREATE INDEX cases_stats ON cases (community_id, created_month, grid_id, type, respond_due_at, responded_at, due_at, closed_at, resolved, rating, merged_into);
CREATE INDEX cases_remind ON cases (remind_at) WHERE reminded_at IS NULL AND remind_at IS NOT NULL;
CREATE INDEX cases_escalate ON cases (escalate_at) WHERE escalate_at IS NOT NULL;

-- The timeline: every step, comment, file, escalation and reminder.
CREATE TABLE case_event (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL REFERENCES cases (id),
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
	public BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX case_event_case ON case_event (case_id, id);

-- Photos and files, kept in the database so that every instance serves them.
CREATE TABLE case_file (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL REFERENCES cases (id),
	community_id BIGINT NOT NULL,
	event_id BIGINT REFERENCES case_event (id),
	name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	data BLOB NOT NULL,
	public BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL,
	created_by BIGINT
);
CREATE INDEX case_file_case ON case_file (case_id);

-- Links to registry people, households and dwellings (kinds are plug-ins).
CREATE TABLE case_link (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL REFERENCES cases (id),
	community_id BIGINT NOT NULL,
	kind TEXT NOT NULL,
	ref_id BIGINT NOT NULL,
	label TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	created_by BIGINT
);
CREATE UNIQUE INDEX case_link_unique ON case_link (case_id, kind, ref_id);
CREATE INDEX case_link_ref ON case_link (kind, ref_id);

-- Parties of a dispute: registry people (person_id) or outsiders.
CREATE TABLE case_party (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL REFERENCES cases (id),
	community_id BIGINT NOT NULL,
	role TEXT NOT NULL,
	person_id BIGINT,
	name TEXT NOT NULL,
	phone BLOB,
	phone_mask TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	remark TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX case_party_case ON case_party (case_id);
CREATE INDEX case_party_person ON case_party (person_id) WHERE person_id IS NOT NULL;

-- Mediation sessions.
CREATE TABLE case_session (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL REFERENCES cases (id),
	community_id BIGINT NOT NULL,
	held_on TEXT NOT NULL,
	place TEXT NOT NULL DEFAULT '',
	mediators TEXT NOT NULL DEFAULT '',
	participants TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	created_by BIGINT
);
CREATE INDEX case_session_case ON case_session (case_id);

-- Documents printed for signature and kept with the case: the mediation
-- agreement (调解协议书) and the rectification notice (整改通知书).
CREATE TABLE case_document (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL REFERENCES cases (id),
	community_id BIGINT NOT NULL,
	kind TEXT NOT NULL,
	content TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	created_by BIGINT,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX case_document_kind ON case_document (case_id, kind);

-- Reminders and escalation notices, one row per person told.
CREATE TABLE case_alert (
	id INTEGER PRIMARY KEY,
	case_id BIGINT NOT NULL REFERENCES cases (id),
	community_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	kind TEXT NOT NULL,
	at BIGINT NOT NULL,
	read_at BIGINT
);
CREATE INDEX case_alert_user ON case_alert (user_id, at);

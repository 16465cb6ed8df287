-- Campaigns (创建). A street's templates (campaign_template, a street-level
-- row: its community_id is the street's org unit id) hold phases and
-- criteria as JSON read and written whole. A community's run (campaign)
-- copies its template's phases and criteria at start, so that later edits
-- of the template never rewrite a run. Tasks (plan or rectification of a
-- check finding), evidence (a file kept here, or a link to another module's
-- record) and scores (self or check) belong to the run's community.
CREATE TABLE campaign_template (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	title TEXT NOT NULL DEFAULT '',
	phases TEXT NOT NULL,
	criteria TEXT NOT NULL,
	pass_score INTEGER NOT NULL,
	updated_by BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX campaign_template_pkey ON campaign_template (community_id, id);
CREATE UNIQUE INDEX campaign_template_name ON campaign_template (community_id, name);

CREATE TABLE campaign (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	template_id BIGINT NOT NULL,
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	title TEXT NOT NULL DEFAULT '',
	year INTEGER NOT NULL,
	phases TEXT NOT NULL,
	criteria TEXT NOT NULL,
	pass_score INTEGER NOT NULL,
	state TEXT NOT NULL,
	leaders TEXT NOT NULL DEFAULT '[]',
	result TEXT NOT NULL DEFAULT '',
	title_awarded TEXT NOT NULL DEFAULT '',
	valid_until TEXT NOT NULL DEFAULT '',
	reexam_on TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX campaign_pkey ON campaign (community_id, id);
CREATE UNIQUE INDEX campaign_year ON campaign (community_id, template_id, year);
CREATE INDEX campaign_state ON campaign (state, community_id);

CREATE TABLE campaign_task (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL,
	campaign_id BIGINT NOT NULL,
	title TEXT NOT NULL,
	department TEXT NOT NULL DEFAULT '',
	owner TEXT NOT NULL DEFAULT '',
	deadline TEXT NOT NULL,
	origin TEXT NOT NULL,
	criterion TEXT NOT NULL DEFAULT '',
	done_at BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	FOREIGN KEY (community_id, campaign_id) REFERENCES campaign (community_id, id)
);
CREATE UNIQUE INDEX campaign_task_pkey ON campaign_task (community_id, id);
CREATE INDEX campaign_task_campaign ON campaign_task (community_id, campaign_id, deadline);

CREATE TABLE campaign_evidence (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL,
	campaign_id BIGINT NOT NULL,
	criterion TEXT NOT NULL,
	kind TEXT NOT NULL,
	link_kind TEXT NOT NULL DEFAULT '',
	link_id BIGINT NOT NULL DEFAULT 0,
	title TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	content_type TEXT NOT NULL DEFAULT '',
	size BIGINT NOT NULL DEFAULT 0,
	data BLOB,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	FOREIGN KEY (community_id, campaign_id) REFERENCES campaign (community_id, id)
);
CREATE UNIQUE INDEX campaign_evidence_pkey ON campaign_evidence (community_id, id);
CREATE INDEX campaign_evidence_campaign ON campaign_evidence (community_id, campaign_id, criterion);

CREATE TABLE campaign_score (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL,
	campaign_id BIGINT NOT NULL,
	stage TEXT NOT NULL,
	criterion TEXT NOT NULL,
	points INTEGER NOT NULL,
	veto_failed BOOLEAN NOT NULL DEFAULT FALSE,
	note TEXT NOT NULL DEFAULT '',
	scored_by BIGINT NOT NULL DEFAULT 0,
	scored_at BIGINT NOT NULL,
	FOREIGN KEY (community_id, campaign_id) REFERENCES campaign (community_id, id)
);
CREATE UNIQUE INDEX campaign_score_pkey ON campaign_score (community_id, id);
CREATE UNIQUE INDEX campaign_score_criterion ON campaign_score (community_id, campaign_id, stage, criterion);

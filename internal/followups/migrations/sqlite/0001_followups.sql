-- Follow-ups (走访): recurring contact duties and the records that fulfil them.
--
-- A rule (fu_rule) says who must be contacted or checked, how often and by
-- whom; it belongs to a street (for all its communities) or a community, and a
-- community may tighten a street's rule with its own (parent_id). Rules are few
-- and shared: a reference table. A duty (fu_duty) is one rule applied to one
-- subject (a person with the rule's tag, a named person, a building, a grid),
-- kept in step with the registry by the module's sync; its due date is
-- precomputed so that a worker's due list is one index range. A record
-- (fu_record) is one visit, talk, inspection or screening; it may carry the
-- idempotency key of a phone's offline queue, unique per author.
CREATE TABLE fu_rule (
	id INTEGER PRIMARY KEY,
	org_id BIGINT NOT NULL REFERENCES org_unit (id),
	parent_id BIGINT REFERENCES fu_rule (id),
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	subject TEXT NOT NULL,
	tag_id BIGINT REFERENCES reg_tag (id),
	every_n INTEGER NOT NULL,
	unit TEXT NOT NULL,
	first_year_every INTEGER NOT NULL DEFAULT 0,
	assign TEXT NOT NULL,
	line TEXT NOT NULL DEFAULT '',
	users TEXT NOT NULL DEFAULT '',
	escalate_after INTEGER NOT NULL DEFAULT 3,
	active BOOLEAN NOT NULL DEFAULT TRUE,
	created_by BIGINT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX fu_rule_org ON fu_rule (org_id);

-- The named subjects of a rule whose subjects are named people or buildings.
CREATE TABLE fu_rule_subject (
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	rule_id BIGINT NOT NULL REFERENCES fu_rule (id),
	subject_id BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (community_id, rule_id, subject_id)
);

CREATE TABLE fu_duty (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	rule_id BIGINT NOT NULL REFERENCES fu_rule (id),
	subject_kind TEXT NOT NULL,
	subject_id BIGINT NOT NULL,
	subject_name TEXT NOT NULL DEFAULT '',
	household_id BIGINT,
	grid_id BIGINT REFERENCES org_unit (id),
	since TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'active',
	last_done_on TEXT NOT NULL DEFAULT '',
	due_on TEXT NOT NULL,
	ended_on TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX fu_duty_pkey ON fu_duty (community_id, id);
CREATE UNIQUE INDEX fu_duty_subject ON fu_duty (community_id, rule_id, subject_kind, subject_id);
-- Due lists: a grid's active duties in due order, with the rule so that the
-- lists' counts (the rules a user may see) and the month's rates (created_at)
-- are read from the index alone; and
-- a line's (综治: 帮教 talks) across the community's grids.
CREATE INDEX fu_duty_due ON fu_duty (community_id, status, grid_id, due_on, rule_id, created_at);
CREATE INDEX fu_duty_rule_due ON fu_duty (community_id, status, rule_id, due_on);

CREATE TABLE fu_record (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	duty_id BIGINT,
	rule_id BIGINT REFERENCES fu_rule (id),
	kind TEXT NOT NULL,
	way TEXT NOT NULL,
	subject_kind TEXT NOT NULL,
	subject_id BIGINT NOT NULL,
	subject_name TEXT NOT NULL DEFAULT '',
	household_id BIGINT,
	grid_id BIGINT REFERENCES org_unit (id),
	happened_at BIGINT NOT NULL,
	happened_on TEXT NOT NULL,
	due_on TEXT NOT NULL DEFAULT '',
	on_time BOOLEAN NOT NULL,
	met TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	fields TEXT NOT NULL DEFAULT '{}',
	needs TEXT NOT NULL DEFAULT '',
	location TEXT NOT NULL DEFAULT '',
	idempotency_key TEXT,
	created_by BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	CONSTRAINT fu_record_duty_fkey FOREIGN KEY (community_id, duty_id) REFERENCES fu_duty (community_id, id)
);
CREATE UNIQUE INDEX fu_record_pkey ON fu_record (community_id, id);
-- The offline queue's resend finds the first sending's record.
CREATE UNIQUE INDEX fu_record_key ON fu_record (community_id, created_by, idempotency_key);
CREATE INDEX fu_record_duty ON fu_record (community_id, duty_id, happened_at);
CREATE INDEX fu_record_subject ON fu_record (community_id, subject_kind, subject_id, happened_at);
CREATE INDEX fu_record_household ON fu_record (community_id, household_id, happened_at);
-- Rates of a month: the month's records of the communities in scope, with
-- what the rates count, so that they are read from the index alone.
CREATE INDEX fu_record_month ON fu_record (community_id, happened_on, rule_id, grid_id, duty_id, on_time);

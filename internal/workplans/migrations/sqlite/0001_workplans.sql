-- Work plans and summaries (工作计划与总结). A work_plan is one document of
-- a community or a street: the year's plan (annual), a month's plan derived
-- from it (monthly: its theme and 小结 among its sections) or the year-end
-- summary (summary), drafted from the board's figures. A street's documents
-- use the street's org unit id as community_id (as goal_indicator). Sections
-- (heading and text), the leading group (role, name, unit) and the figures a
-- summary quotes are JSON, read and written whole; prior keeps the summary's
-- previous draft when it is regenerated.
CREATE TABLE work_plan (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	unit_id BIGINT NOT NULL,
	year INTEGER NOT NULL,
	kind TEXT NOT NULL,
	month INTEGER NOT NULL DEFAULT 0,
	title TEXT NOT NULL,
	doc_number TEXT NOT NULL DEFAULT '',
	theme TEXT NOT NULL DEFAULT '',
	sections TEXT NOT NULL DEFAULT '[]',
	leading_group TEXT NOT NULL DEFAULT '[]',
	figures TEXT NOT NULL DEFAULT '[]',
	prior TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL DEFAULT 'draft',
	generated_at BIGINT NOT NULL DEFAULT 0,
	edited_at BIGINT NOT NULL DEFAULT 0,
	updated_by BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX work_plan_pkey ON work_plan (community_id, id);
CREATE UNIQUE INDEX work_plan_unit ON work_plan (community_id, unit_id, year, kind, month);

CREATE TABLE work_task (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	plan_id BIGINT NOT NULL,
	department TEXT NOT NULL,
	content TEXT NOT NULL,
	owner TEXT NOT NULL DEFAULT '',
	deadline TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'todo',
	done_at BIGINT NOT NULL DEFAULT 0,
	updated_by BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL,
	FOREIGN KEY (community_id, plan_id) REFERENCES work_plan (community_id, id)
);
CREATE UNIQUE INDEX work_task_pkey ON work_task (community_id, id);
CREATE INDEX work_task_plan ON work_task (community_id, plan_id);

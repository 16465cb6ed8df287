-- Reports (报表与上报). A report form (report_form) is a street's own row
-- (its community_id is the street's org unit id, as goal_indicator): its
-- rows (indicator codes and entered fields, JSON read and written whole),
-- its period and due day. A report is a community's, one per form and
-- period: it keeps a copy of the form's rows taken when it was opened, so
-- that later edits of the form never rewrite it, the figures typed, and on
-- approval the frozen snapshot of every computed figure. form_id names a row
-- of another partition (the street's) and so has no foreign key.
-- report_event is each report's history (submit, return, approve).
CREATE TABLE report_form (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	name TEXT NOT NULL,
	period TEXT NOT NULL,
	due_day INTEGER NOT NULL,
	rows TEXT NOT NULL DEFAULT '[]',
	active BOOLEAN NOT NULL DEFAULT TRUE,
	updated_by BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX report_form_pkey ON report_form (community_id, id);
CREATE UNIQUE INDEX report_form_name ON report_form (community_id, name);

CREATE TABLE report (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	form_id BIGINT NOT NULL,
	form_name TEXT NOT NULL,
	period_kind TEXT NOT NULL,
	period TEXT NOT NULL,
	state TEXT NOT NULL,
	due_date TEXT NOT NULL,
	rows TEXT NOT NULL,
	entered TEXT NOT NULL DEFAULT '{}',
	remarks TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	submitted_by BIGINT NOT NULL DEFAULT 0,
	submitted_at BIGINT NOT NULL DEFAULT 0,
	returned_by BIGINT NOT NULL DEFAULT 0,
	returned_at BIGINT NOT NULL DEFAULT 0,
	return_comment TEXT NOT NULL DEFAULT '',
	approved_by BIGINT NOT NULL DEFAULT 0,
	approved_by_name TEXT NOT NULL DEFAULT '',
	approved_at BIGINT NOT NULL DEFAULT 0,
	snapshot TEXT NOT NULL DEFAULT '',
	computed_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX report_pkey ON report (community_id, id);
CREATE UNIQUE INDEX report_period ON report (community_id, form_id, period);
CREATE INDEX report_state ON report (state, due_date);

CREATE TABLE report_event (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	report_id BIGINT NOT NULL,
	action TEXT NOT NULL,
	comment TEXT NOT NULL DEFAULT '',
	by_id BIGINT NOT NULL DEFAULT 0,
	by_name TEXT NOT NULL DEFAULT '',
	at BIGINT NOT NULL,
	CONSTRAINT report_event_report_fkey FOREIGN KEY (community_id, report_id) REFERENCES report (community_id, id)
);
CREATE UNIQUE INDEX report_event_pkey ON report_event (community_id, id);
CREATE INDEX report_event_report ON report_event (community_id, report_id);

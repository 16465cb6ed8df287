-- Activities (活动): an activity of a community (a street's own carries the
-- street's org unit id as community_id), its sign-ups (报名) and check-ins
-- (签到), and the annual plan (monthly themes and special days) per org unit.
-- The activity row counts its accepted and waiting sign-ups: a sign-up
-- raises accepted with a conditional UPDATE (accepted < quota) in its own
-- transaction, or else joins the waiting list with the next waiting_seq, so
-- the quota is never oversold on any engine; the row's lock orders the
-- sign-ups and cancellations of one activity.
CREATE TABLE activity (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	title TEXT NOT NULL,
	topic TEXT NOT NULL,
	format TEXT NOT NULL,
	theme_id BIGINT NOT NULL DEFAULT 0,
	organiser TEXT NOT NULL DEFAULT '',
	partners TEXT NOT NULL DEFAULT '',
	speakers TEXT NOT NULL DEFAULT '',
	venue_id BIGINT NOT NULL DEFAULT 0,
	place TEXT NOT NULL DEFAULT '',
	starts_at BIGINT NOT NULL,
	ends_at BIGINT NOT NULL,
	month TEXT NOT NULL,
	audience_tag TEXT NOT NULL DEFAULT '',
	audience_note TEXT NOT NULL DEFAULT '',
	quota INTEGER NOT NULL DEFAULT 0,
	budget INTEGER NOT NULL DEFAULT 0,
	materials TEXT NOT NULL DEFAULT '',
	content TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	published_at BIGINT NOT NULL DEFAULT 0,
	cancel_note TEXT NOT NULL DEFAULT '',
	accepted INTEGER NOT NULL DEFAULT 0,
	waiting INTEGER NOT NULL DEFAULT 0,
	waiting_seq INTEGER NOT NULL DEFAULT 0,
	attended INTEGER NOT NULL DEFAULT 0,
	walkins INTEGER NOT NULL DEFAULT 0,
	checkin_token TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL DEFAULT '',
	summary_at BIGINT NOT NULL DEFAULT 0,
	summary_by BIGINT NOT NULL DEFAULT 0,
	reported_at BIGINT NOT NULL DEFAULT 0,
	reported_by BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX activity_pkey ON activity (community_id, id);
-- The month's list and figures.
CREATE INDEX activity_month ON activity (community_id, month, starts_at);
-- The check-in QR code's token (the portal finds the activity by it).
CREATE INDEX activity_token ON activity (checkin_token);

CREATE TABLE activity_signup (
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	activity_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	tags TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	seq INTEGER NOT NULL DEFAULT 0,
	source TEXT NOT NULL,
	attended_at BIGINT NOT NULL DEFAULT 0,
	checkin TEXT NOT NULL DEFAULT '',
	satisfaction INTEGER NOT NULL DEFAULT 0,
	feedback TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (community_id, activity_id, person_id),
	FOREIGN KEY (community_id, activity_id) REFERENCES activity (community_id, id)
);
-- The waiting list in order.
CREATE INDEX activity_signup_queue ON activity_signup (community_id, activity_id, status, seq);
-- A person's activities (the person page, the portal).
CREATE INDEX activity_signup_person ON activity_signup (person_id);

CREATE TABLE activity_plan (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	year INTEGER NOT NULL,
	kind TEXT NOT NULL,
	month INTEGER NOT NULL,
	day TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX activity_plan_pkey ON activity_plan (community_id, id);
CREATE INDEX activity_plan_year ON activity_plan (community_id, year, month);

-- The residents an org unit's activities reached in a year: one row per
-- person with how many of their attendances count (n), kept with each
-- check-in, so that the figures count distinct residents without reading
-- every attendance.
CREATE TABLE activity_reach (
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	year INTEGER NOT NULL,
	person_id BIGINT NOT NULL,
	tags TEXT NOT NULL DEFAULT '',
	n INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (community_id, year, person_id)
);

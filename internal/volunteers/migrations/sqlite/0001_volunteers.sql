-- Volunteers (志愿者), their teams (志愿服务队, 文体队伍, 巡逻队 …) and service
-- records (志愿服务记录), recognition bands and the expert pool (人才资源库).
-- A volunteer is a registry person (person_id, one row per community and
-- person) or an outsider (person_id NULL) whose phone is sealed with its mask
-- beside it. Hours are stored as minutes. A service record from an activity
-- names it (activity_id), at most once per volunteer: recording the same
-- check-out again changes nothing.
CREATE TABLE vol_volunteer (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT,
	person_id BIGINT,
	name TEXT NOT NULL,
	phone BLOB,
	phone_mask TEXT NOT NULL DEFAULT '',
	skills TEXT NOT NULL DEFAULT '',
	availability TEXT NOT NULL DEFAULT '',
	training TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	source TEXT NOT NULL DEFAULT 'staff',
	user_id BIGINT NOT NULL DEFAULT 0,
	confirmed_by BIGINT NOT NULL DEFAULT 0,
	confirmed_at BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX vol_volunteer_pkey ON vol_volunteer (community_id, id);
CREATE UNIQUE INDEX vol_volunteer_person ON vol_volunteer (community_id, person_id);
CREATE INDEX vol_volunteer_status ON vol_volunteer (community_id, status);

CREATE TABLE vol_team (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	leader_id BIGINT,
	target_size INTEGER NOT NULL DEFAULT 0,
	schedule TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	active BOOLEAN NOT NULL DEFAULT TRUE,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	FOREIGN KEY (community_id, leader_id) REFERENCES vol_volunteer (community_id, id)
);
CREATE UNIQUE INDEX vol_team_pkey ON vol_team (community_id, id);
CREATE UNIQUE INDEX vol_team_name ON vol_team (community_id, name);

-- Membership history: a row per time a volunteer was in a team; left_on ''
-- while they still are.
CREATE TABLE vol_member (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	team_id BIGINT NOT NULL,
	volunteer_id BIGINT NOT NULL,
	joined_on TEXT NOT NULL,
	left_on TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	FOREIGN KEY (community_id, team_id) REFERENCES vol_team (community_id, id),
	FOREIGN KEY (community_id, volunteer_id) REFERENCES vol_volunteer (community_id, id)
);
CREATE UNIQUE INDEX vol_member_pkey ON vol_member (community_id, id);
CREATE INDEX vol_member_team ON vol_member (community_id, team_id, left_on);
CREATE INDEX vol_member_volunteer ON vol_member (community_id, volunteer_id);

CREATE TABLE vol_record (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	volunteer_id BIGINT NOT NULL,
	team_id BIGINT,
	served_on TEXT NOT NULL,
	minutes INTEGER NOT NULL,
	what TEXT NOT NULL,
	place TEXT NOT NULL DEFAULT '',
	beneficiary TEXT NOT NULL DEFAULT '',
	source TEXT NOT NULL,
	activity_id BIGINT,
	status TEXT NOT NULL,
	recorded_by BIGINT NOT NULL DEFAULT 0,
	confirmed_by BIGINT NOT NULL DEFAULT 0,
	confirmed_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	FOREIGN KEY (community_id, volunteer_id) REFERENCES vol_volunteer (community_id, id),
	FOREIGN KEY (community_id, team_id) REFERENCES vol_team (community_id, id)
);
CREATE UNIQUE INDEX vol_record_pkey ON vol_record (community_id, id);
CREATE INDEX vol_record_volunteer ON vol_record (community_id, volunteer_id, served_on);
CREATE INDEX vol_record_status ON vol_record (community_id, status);
-- One record per activity and volunteer (RecordFromActivity is idempotent).
CREATE UNIQUE INDEX vol_record_activity ON vol_record (community_id, activity_id, volunteer_id);

-- Recognition bands of a street (community_id is the street's org unit id,
-- as street-level rows are): stars reached at min_minutes. A street without
-- rows uses the default bands.
CREATE TABLE vol_band (
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	stars INTEGER NOT NULL,
	min_minutes INTEGER NOT NULL,
	PRIMARY KEY (community_id, stars)
);

CREATE TABLE vol_expert (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	person_id BIGINT,
	name TEXT NOT NULL,
	phone BLOB,
	phone_mask TEXT NOT NULL DEFAULT '',
	field TEXT NOT NULL,
	organisation TEXT NOT NULL DEFAULT '',
	topics TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	active BOOLEAN NOT NULL DEFAULT TRUE,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX vol_expert_pkey ON vol_expert (community_id, id);
CREATE INDEX vol_expert_field ON vol_expert (community_id, field);

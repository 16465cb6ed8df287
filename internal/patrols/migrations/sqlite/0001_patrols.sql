-- Patrols (巡查): a grid worker walks their grid (每天巡查一小时). A patrol
-- (patrol) runs from its start to its end; day is the local day it started,
-- which the daily minutes count to. Buildings passed on the way
-- (patrol_building) and, only when the worker consented, the phone's track
-- points (patrol_point) hang off it. One patrol open (ended_at = 0) per worker
-- and community at a time. The daily target in minutes is kept per street or
-- community (patrol_target, a small reference table; a community's own row
-- wins over its street's).
CREATE TABLE patrol (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT NOT NULL REFERENCES org_unit (id),
	user_id BIGINT NOT NULL,
	day TEXT NOT NULL,
	started_at BIGINT NOT NULL,
	ended_at BIGINT NOT NULL DEFAULT 0,
	minutes INTEGER NOT NULL DEFAULT 0,
	track_consent BOOLEAN NOT NULL DEFAULT FALSE,
	note TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX patrol_pkey ON patrol (community_id, id);
CREATE UNIQUE INDEX patrol_one_open ON patrol (community_id, user_id) WHERE ended_at = 0;
-- A worker's patrols by day (today's page, the month's stats by grid).
CREATE INDEX patrol_user_day ON patrol (user_id, day);
CREATE INDEX patrol_grid_day ON patrol (community_id, grid_id, day);

CREATE TABLE patrol_building (
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	patrol_id BIGINT NOT NULL,
	building_id BIGINT NOT NULL,
	passed_at BIGINT NOT NULL,
	PRIMARY KEY (community_id, patrol_id, building_id),
	FOREIGN KEY (community_id, patrol_id) REFERENCES patrol (community_id, id)
);

CREATE TABLE patrol_point (
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	patrol_id BIGINT NOT NULL,
	seq INTEGER NOT NULL,
	at BIGINT NOT NULL,
	lat DOUBLE PRECISION NOT NULL,
	lng DOUBLE PRECISION NOT NULL,
	accuracy_m DOUBLE PRECISION NOT NULL DEFAULT 0,
	PRIMARY KEY (community_id, patrol_id, seq),
	FOREIGN KEY (community_id, patrol_id) REFERENCES patrol (community_id, id)
);

CREATE TABLE patrol_target (
	org_id BIGINT PRIMARY KEY REFERENCES org_unit (id),
	minutes INTEGER NOT NULL,
	updated_at BIGINT NOT NULL,
	updated_by BIGINT
);

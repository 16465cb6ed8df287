-- Indicators and targets (指标与目标). Computed indicators are defined by the
-- modules that count them (goals.Source); the rest are entered with their
-- evidence, each defined by a street (goal_indicator, a street-level row: its
-- community_id is the street's org unit id). Targets are per org unit and
-- year (goal_target, in the partition of the unit's community: a grid's in
-- its community's); entered figures are a community's, per month
-- (goal_entry). Ratios are kept as numerator and denominator, so that a
-- street's figure is the ratio of its communities' sums.
CREATE TABLE goal_indicator (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	name TEXT NOT NULL,
	definition TEXT NOT NULL,
	kind TEXT NOT NULL,
	direction TEXT NOT NULL,
	unit TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX goal_indicator_pkey ON goal_indicator (community_id, id);
CREATE UNIQUE INDEX goal_indicator_name ON goal_indicator (community_id, name);

CREATE TABLE goal_target (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	unit_id BIGINT NOT NULL,
	year INTEGER NOT NULL,
	code TEXT NOT NULL,
	value DOUBLE PRECISION NOT NULL,
	milestones TEXT NOT NULL DEFAULT '',
	set_by BIGINT NOT NULL DEFAULT 0,
	set_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX goal_target_pkey ON goal_target (community_id, id);
CREATE UNIQUE INDEX goal_target_unit ON goal_target (community_id, unit_id, year, code);

CREATE TABLE goal_entry (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	code TEXT NOT NULL,
	month TEXT NOT NULL,
	numerator DOUBLE PRECISION NOT NULL,
	denominator DOUBLE PRECISION NOT NULL DEFAULT 0,
	value DOUBLE PRECISION NOT NULL,
	evidence TEXT NOT NULL DEFAULT '',
	entered_by BIGINT NOT NULL DEFAULT 0,
	entered_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX goal_entry_pkey ON goal_entry (community_id, id);
CREATE UNIQUE INDEX goal_entry_month ON goal_entry (community_id, code, month);

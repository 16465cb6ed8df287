-- Places under a community: 小区 (estate) → 楼栋 (building) → 单元 (entrance) → 房屋 (dwelling).
-- Every row carries its community (the distribution key); buildings and dwellings
-- also carry their grid, copied from the building, so that grid-scoped reads need
-- no join. sort_key is the name with digit runs zero-padded, for natural order
-- (2号楼 before 10号楼).
CREATE TABLE estate (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	name TEXT NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	sort_key TEXT NOT NULL,
	remark TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX estate_name ON estate (community_id, name);
CREATE TABLE building (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT NOT NULL REFERENCES org_unit (id),
	estate_id BIGINT REFERENCES estate (id),
	estate_key BIGINT NOT NULL,
	name TEXT NOT NULL,
	sort_key TEXT NOT NULL,
	floors INTEGER NOT NULL DEFAULT 0,
	address TEXT NOT NULL DEFAULT '',
	remark TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
-- estate_key is estate_id or 0, so that buildings outside any estate are unique too.
CREATE UNIQUE INDEX building_name ON building (community_id, estate_key, name);
CREATE INDEX building_grid ON building (grid_id, sort_key);
CREATE INDEX building_estate ON building (estate_id);
CREATE TABLE entrance (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	building_id BIGINT NOT NULL REFERENCES building (id),
	name TEXT NOT NULL,
	sort_key TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX entrance_name ON entrance (building_id, name);
CREATE TABLE dwelling (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT NOT NULL REFERENCES org_unit (id),
	building_id BIGINT NOT NULL REFERENCES building (id),
	entrance_id BIGINT REFERENCES entrance (id),
	entrance_key BIGINT NOT NULL,
	room TEXT NOT NULL,
	sort_key TEXT NOT NULL,
	floor INTEGER NOT NULL DEFAULT 0,
	area DOUBLE PRECISION NOT NULL DEFAULT 0,
	usage TEXT NOT NULL DEFAULT 'residential',
	remark TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX dwelling_room ON dwelling (building_id, entrance_key, room);
CREATE INDEX dwelling_grid ON dwelling (grid_id);
CREATE INDEX dwelling_community ON dwelling (community_id);

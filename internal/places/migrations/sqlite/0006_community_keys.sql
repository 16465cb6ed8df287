-- linli:foreign-keys-off
-- Keys by community, as postgres/0006: the rowid (id INTEGER PRIMARY KEY)
-- still hands out ids; (community_id, id) is each table's key, the unique
-- index <table>_pkey that foreign keys refer to. Tables whose foreign keys
-- change are rebuilt (SQLite cannot alter a constraint in place).
CREATE UNIQUE INDEX estate_pkey ON estate (community_id, id);
CREATE TABLE building_new (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT REFERENCES org_unit (id),
	estate_id BIGINT,
	estate_key BIGINT NOT NULL,
	name TEXT NOT NULL,
	sort_key TEXT NOT NULL,
	floors INTEGER NOT NULL DEFAULT 0,
	address TEXT NOT NULL DEFAULT '',
	remark TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CONSTRAINT building_estate_fkey FOREIGN KEY (community_id, estate_id) REFERENCES estate (community_id, id)
);
INSERT INTO building_new (id, community_id, grid_id, estate_id, estate_key, name, sort_key, floors, address, remark, created_at, updated_at)
	SELECT id, community_id, grid_id, estate_id, estate_key, name, sort_key, floors, address, remark, created_at, updated_at FROM building;
DROP TABLE building;
ALTER TABLE building_new RENAME TO building;
CREATE UNIQUE INDEX building_pkey ON building (community_id, id);
CREATE UNIQUE INDEX building_name ON building (community_id, estate_key, name);
CREATE INDEX building_grid ON building (grid_id, sort_key);
CREATE INDEX building_estate ON building (community_id, estate_id);
CREATE INDEX building_by_name ON building (name);
CREATE TABLE entrance_new (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	building_id BIGINT NOT NULL,
	name TEXT NOT NULL,
	sort_key TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	CONSTRAINT entrance_building_fkey FOREIGN KEY (community_id, building_id) REFERENCES building (community_id, id)
);
INSERT INTO entrance_new (id, community_id, building_id, name, sort_key, created_at)
	SELECT id, community_id, building_id, name, sort_key, created_at FROM entrance;
DROP TABLE entrance;
ALTER TABLE entrance_new RENAME TO entrance;
CREATE UNIQUE INDEX entrance_pkey ON entrance (community_id, id);
CREATE UNIQUE INDEX entrance_name ON entrance (community_id, building_id, name);
CREATE TABLE dwelling_new (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT REFERENCES org_unit (id),
	building_id BIGINT NOT NULL,
	entrance_id BIGINT,
	entrance_key BIGINT NOT NULL,
	room TEXT NOT NULL,
	sort_key TEXT NOT NULL,
	floor INTEGER NOT NULL DEFAULT 0,
	area DOUBLE PRECISION NOT NULL DEFAULT 0,
	usage TEXT NOT NULL DEFAULT 'residential',
	remark TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CONSTRAINT dwelling_building_fkey FOREIGN KEY (community_id, building_id) REFERENCES building (community_id, id),
	CONSTRAINT dwelling_entrance_fkey FOREIGN KEY (community_id, entrance_id) REFERENCES entrance (community_id, id)
);
INSERT INTO dwelling_new (id, community_id, grid_id, building_id, entrance_id, entrance_key, room, sort_key, floor, area, usage, remark, created_at, updated_at)
	SELECT id, community_id, grid_id, building_id, entrance_id, entrance_key, room, sort_key, floor, area, usage, remark, created_at, updated_at FROM dwelling;
DROP TABLE dwelling;
ALTER TABLE dwelling_new RENAME TO dwelling;
CREATE UNIQUE INDEX dwelling_pkey ON dwelling (community_id, id);
CREATE UNIQUE INDEX dwelling_room ON dwelling (community_id, building_id, entrance_key, room);
CREATE INDEX dwelling_grid ON dwelling (grid_id);
CREATE INDEX dwelling_community ON dwelling (community_id);

-- linli:foreign-keys-off
-- A building (and so its dwellings) may have no grid yet: a ledger without a
-- 网格 column creates its new buildings 未划分网格, visible to the community's
-- staff and not to grid workers, until someone puts them in a grid.
-- SQLite cannot drop NOT NULL in place, so both tables are rebuilt as SQLite's
-- documented ALTER procedure does (lang_altertable.html, "other kinds of table
-- schema changes"): the marker above makes the migrator run this file with
-- foreign keys off and run PRAGMA foreign_key_check before it commits. Columns
-- keep their order; every index is made again.
CREATE TABLE building_new (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT REFERENCES org_unit (id),
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
INSERT INTO building_new (id, community_id, grid_id, estate_id, estate_key, name, sort_key, floors, address, remark, created_at, updated_at)
	SELECT id, community_id, grid_id, estate_id, estate_key, name, sort_key, floors, address, remark, created_at, updated_at FROM building;
DROP TABLE building;
ALTER TABLE building_new RENAME TO building;
CREATE UNIQUE INDEX building_name ON building (community_id, estate_key, name);
CREATE INDEX building_grid ON building (grid_id, sort_key);
CREATE INDEX building_estate ON building (estate_id);
CREATE INDEX building_by_name ON building (name);
CREATE TABLE dwelling_new (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT REFERENCES org_unit (id),
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
INSERT INTO dwelling_new (id, community_id, grid_id, building_id, entrance_id, entrance_key, room, sort_key, floor, area, usage, remark, created_at, updated_at)
	SELECT id, community_id, grid_id, building_id, entrance_id, entrance_key, room, sort_key, floor, area, usage, remark, created_at, updated_at FROM dwelling;
DROP TABLE dwelling;
ALTER TABLE dwelling_new RENAME TO dwelling;
CREATE UNIQUE INDEX dwelling_room ON dwelling (building_id, entrance_key, room);
CREATE INDEX dwelling_grid ON dwelling (grid_id);
CREATE INDEX dwelling_community ON dwelling (community_id);

-- Keys by community (distribution on Citus, see docs/ARCHITECTURE.md
-- "Distribution"): every key of a place starts with its community_id, and a
-- place refers to its parent by (community_id, parent id), so that a
-- community's places live on one node and cannot point into another
-- community. Dropping the old keys drops the foreign keys that other modules
-- declared on them (registry's, to dwelling); those modules' next migrations
-- declare them again on the new keys.
ALTER TABLE estate DROP CONSTRAINT estate_pkey CASCADE;
ALTER TABLE estate ADD CONSTRAINT estate_pkey PRIMARY KEY (community_id, id);
ALTER TABLE building DROP CONSTRAINT building_pkey CASCADE;
ALTER TABLE building ADD CONSTRAINT building_pkey PRIMARY KEY (community_id, id);
ALTER TABLE entrance DROP CONSTRAINT entrance_pkey CASCADE;
ALTER TABLE entrance ADD CONSTRAINT entrance_pkey PRIMARY KEY (community_id, id);
ALTER TABLE dwelling DROP CONSTRAINT dwelling_pkey CASCADE;
ALTER TABLE dwelling ADD CONSTRAINT dwelling_pkey PRIMARY KEY (community_id, id);
DROP INDEX entrance_name;
CREATE UNIQUE INDEX entrance_name ON entrance (community_id, building_id, name);
DROP INDEX dwelling_room;
CREATE UNIQUE INDEX dwelling_room ON dwelling (community_id, building_id, entrance_key, room);
DROP INDEX building_estate;
CREATE INDEX building_estate ON building (community_id, estate_id);
ALTER TABLE building ADD CONSTRAINT building_estate_fkey FOREIGN KEY (community_id, estate_id) REFERENCES estate (community_id, id);
ALTER TABLE entrance ADD CONSTRAINT entrance_building_fkey FOREIGN KEY (community_id, building_id) REFERENCES building (community_id, id);
ALTER TABLE dwelling ADD CONSTRAINT dwelling_building_fkey FOREIGN KEY (community_id, building_id) REFERENCES building (community_id, id);
ALTER TABLE dwelling ADD CONSTRAINT dwelling_entrance_fkey FOREIGN KEY (community_id, entrance_id) REFERENCES entrance (community_id, id);
-- A place read by its id alone (a link from a case, a street-wide list) finds
-- it through these; SQLite's rowid does the same.
CREATE INDEX estate_id ON estate (id);
CREATE INDEX building_id ON building (id);
CREATE INDEX entrance_id ON entrance (id);
CREATE INDEX dwelling_id ON dwelling (id);

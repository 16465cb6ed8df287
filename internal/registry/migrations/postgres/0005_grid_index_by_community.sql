-- The lists by grid name the grid's community too (on Citus, the one shard
-- that holds it): the grid index starts with the community, so that such a
-- page and its count are still answered from the index alone.
DROP INDEX reg_person_grid;
CREATE INDEX reg_person_grid ON reg_person (community_id, grid_id, status, name_pinyin, id);

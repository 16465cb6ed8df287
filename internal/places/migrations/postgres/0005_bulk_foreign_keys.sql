-- As registry's 0003: the per-row foreign-key checks of a dwelling's
-- community and grid against org_unit (never deleted; ids come from the
-- writer's scope) cost a bulk import much and guard nothing. The dwelling's
-- building and entrance keys stay.
ALTER TABLE dwelling DROP CONSTRAINT IF EXISTS dwelling_community_id_fkey;
ALTER TABLE dwelling DROP CONSTRAINT IF EXISTS dwelling_grid_id_fkey;

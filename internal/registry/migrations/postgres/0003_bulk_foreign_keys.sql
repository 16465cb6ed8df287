-- PostgreSQL checks a foreign key with a query per inserted row (a trigger),
-- and a ledger import inserts a million people, their residences, households
-- and dwellings: measured, the checks against org_unit were most of the
-- server's time in the import. They guard nothing here: org units are never
-- deleted, and every community and grid id written comes from the writer's
-- scope, which holds only existing units. Keys between community tables
-- (person → household, dwelling; residence → person) stay.
-- SQLite checks keys in-process at a fraction of the cost and keeps them
-- (its 0003 is empty) until the tables are re-keyed by community.
ALTER TABLE reg_person DROP CONSTRAINT IF EXISTS reg_person_community_id_fkey;
ALTER TABLE reg_person DROP CONSTRAINT IF EXISTS reg_person_grid_id_fkey;
ALTER TABLE reg_household DROP CONSTRAINT IF EXISTS reg_household_community_id_fkey;
ALTER TABLE reg_household DROP CONSTRAINT IF EXISTS reg_household_grid_id_fkey;
-- The residence's dwelling is the person's at the time, checked there.
ALTER TABLE reg_residence DROP CONSTRAINT IF EXISTS reg_residence_dwelling_id_fkey;

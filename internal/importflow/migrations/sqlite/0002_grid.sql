-- The grid chosen in the mapping step for the ledger's new buildings whose row
-- names none (NULL: the community's only grid, or none: 未划分网格). The check
-- and the commit both read it.
ALTER TABLE import_upload ADD COLUMN grid_id BIGINT;

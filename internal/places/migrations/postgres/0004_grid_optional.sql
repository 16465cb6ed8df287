-- A building (and so its dwellings) may have no grid yet: a ledger without a
-- 网格 column creates its new buildings 未划分网格, visible to the community's
-- staff and not to grid workers, until someone puts them in a grid.
ALTER TABLE building ALTER COLUMN grid_id DROP NOT NULL;
ALTER TABLE dwelling ALTER COLUMN grid_id DROP NOT NULL;

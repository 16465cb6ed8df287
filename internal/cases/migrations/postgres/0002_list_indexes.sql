-- A unit's unassigned open cases, read for my-work counts and pages by a
-- unit's staff: the index carries every column those read (closed_at too,
-- always NULL here, so that SQLite sees it covers the query), so a street
-- holding thousands of open cases counts them without reading the rows; and
-- with assignee_id IS NULL fixed, its entries come in due order.
DROP INDEX cases_open_holder;
CREATE INDEX cases_open_holder ON cases (holder_org_id, assignee_id, due_at, remind_at, type, stage, community_id, grid_id, closed_at) WHERE closed_at IS NULL;
-- The newest cases first across a whole street (the street's default list):
-- read in creation order and stop at the page, instead of sorting a million.
CREATE INDEX cases_created ON cases (created_at, id);

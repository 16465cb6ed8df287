-- The organisation tree: 市 → 区 → 街道(镇) → 社区(村) → 网格.
-- path is the chain of ids from the root ("/1/4/9/"), so that a subtree is one
-- prefix match; community_id is the unit itself for a community and the parent
-- community for a grid, so that grid-level data can be scoped by community.
CREATE TABLE org_unit (
	id INTEGER PRIMARY KEY,
	parent_id BIGINT REFERENCES org_unit (id),
	level TEXT NOT NULL,
	name TEXT NOT NULL,
	code TEXT NOT NULL,
	path TEXT NOT NULL,
	community_id BIGINT,
	sort INTEGER NOT NULL DEFAULT 0,
	valid_from TEXT NOT NULL,
	valid_to TEXT,
	remark TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX org_unit_parent_code ON org_unit (parent_id, code);
CREATE INDEX org_unit_path ON org_unit (path);
CREATE INDEX org_unit_community ON org_unit (community_id);

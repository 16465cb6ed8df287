-- Numbers of issued documents, per community, year and kind: 〔2026〕整改字第 3 号
-- is the third rectification notice the community issued in 2026. last is the
-- number given last; the transaction that issues a document raises it with an
-- upsert, so two issues at once get different numbers (community_id first:
-- the distribution key).
CREATE TABLE case_doc_counter (
	community_id BIGINT NOT NULL,
	year INTEGER NOT NULL,
	kind TEXT NOT NULL,
	last INTEGER NOT NULL,
	PRIMARY KEY (community_id, year, kind)
);

-- Inspections and screenings (issue 14).
--
-- A rule's checklist (消防通道畅通, 灭火器在有效期 …) is a column of the rule,
-- one JSON array of item texts: it is read and written only whole, with its
-- rule, through the rules already kept in memory (allRules); a table of its
-- own would be a second reference table, one more all-node write on Citus
-- for every rule saved, for no query that needs it.
--
-- A record keeps the answer to each item as it was asked (the item's text is
-- copied: a checklist changed later does not rewrite past records), and a
-- screening's matters found (result 'found'), in fu_record_item; a screening
-- with nothing found is a zero report (零报告), fu_record.zero_report.
--
-- fu_record_case: the cases made from a record's findings, one per finding
-- (an item, a matter, the needs), so that the same finding is not made a
-- case twice. case_id is NULL while the case is being opened.
ALTER TABLE fu_rule ADD COLUMN checklist TEXT NOT NULL DEFAULT '[]';
ALTER TABLE fu_record ADD COLUMN zero_report BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE fu_record_item (
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	record_id BIGINT NOT NULL,
	seq INTEGER NOT NULL,
	item TEXT NOT NULL,
	result TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (community_id, record_id, seq),
	CONSTRAINT fu_record_item_record_fkey FOREIGN KEY (community_id, record_id) REFERENCES fu_record (community_id, id)
);

CREATE TABLE fu_record_case (
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	record_id BIGINT NOT NULL,
	finding TEXT NOT NULL,
	case_id BIGINT,
	created_by BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (community_id, record_id, finding),
	CONSTRAINT fu_record_case_record_fkey FOREIGN KEY (community_id, record_id) REFERENCES fu_record (community_id, id)
);

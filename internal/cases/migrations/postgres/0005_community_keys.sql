-- Keys by community (distribution on Citus, see docs/ARCHITECTURE.md
-- "Distribution"): every key of a case table starts with its community_id,
-- and a case's rows refer to the case by (community_id, case_id), so that a
-- case and everything about it live on one node and cannot point into another
-- community. A case keeps its community for life: escalation to the street
-- changes who holds it (level, holder_org_id), never community_id. Dropping
-- cases_pkey drops every foreign key to it (and case_event_pkey the one from
-- case_file); they are declared again on the new keys.
ALTER TABLE cases DROP CONSTRAINT cases_pkey CASCADE;
ALTER TABLE cases ADD CONSTRAINT cases_pkey PRIMARY KEY (community_id, id);
ALTER TABLE case_event DROP CONSTRAINT case_event_pkey CASCADE;
ALTER TABLE case_event ADD CONSTRAINT case_event_pkey PRIMARY KEY (community_id, id);
ALTER TABLE case_file DROP CONSTRAINT case_file_pkey CASCADE;
ALTER TABLE case_file ADD CONSTRAINT case_file_pkey PRIMARY KEY (community_id, id);
ALTER TABLE case_link DROP CONSTRAINT case_link_pkey CASCADE;
ALTER TABLE case_link ADD CONSTRAINT case_link_pkey PRIMARY KEY (community_id, id);
ALTER TABLE case_party DROP CONSTRAINT case_party_pkey CASCADE;
ALTER TABLE case_party ADD CONSTRAINT case_party_pkey PRIMARY KEY (community_id, id);
ALTER TABLE case_session DROP CONSTRAINT case_session_pkey CASCADE;
ALTER TABLE case_session ADD CONSTRAINT case_session_pkey PRIMARY KEY (community_id, id);
ALTER TABLE case_document DROP CONSTRAINT case_document_pkey CASCADE;
ALTER TABLE case_document ADD CONSTRAINT case_document_pkey PRIMARY KEY (community_id, id);
ALTER TABLE case_alert DROP CONSTRAINT case_alert_pkey CASCADE;
ALTER TABLE case_alert ADD CONSTRAINT case_alert_pkey PRIMARY KEY (community_id, id);
-- A duplicate is merged into a case of its own community.
ALTER TABLE cases ADD CONSTRAINT cases_merged_into_fkey FOREIGN KEY (community_id, merged_into) REFERENCES cases (community_id, id);
ALTER TABLE case_event ADD CONSTRAINT case_event_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id);
ALTER TABLE case_file ADD CONSTRAINT case_file_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id);
ALTER TABLE case_file ADD CONSTRAINT case_file_event_fkey FOREIGN KEY (community_id, event_id) REFERENCES case_event (community_id, id);
ALTER TABLE case_link ADD CONSTRAINT case_link_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id);
ALTER TABLE case_party ADD CONSTRAINT case_party_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id);
ALTER TABLE case_session ADD CONSTRAINT case_session_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id);
ALTER TABLE case_document ADD CONSTRAINT case_document_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id);
ALTER TABLE case_alert ADD CONSTRAINT case_alert_case_fkey FOREIGN KEY (community_id, case_id) REFERENCES cases (community_id, id);
-- Unique indexes and a case's rows, community first.
DROP INDEX case_link_unique;
CREATE UNIQUE INDEX case_link_unique ON case_link (community_id, case_id, kind, ref_id);
DROP INDEX case_document_kind;
CREATE UNIQUE INDEX case_document_kind ON case_document (community_id, case_id, kind);
DROP INDEX case_event_case;
CREATE INDEX case_event_case ON case_event (community_id, case_id, id);
DROP INDEX case_file_case;
CREATE INDEX case_file_case ON case_file (community_id, case_id);
DROP INDEX case_party_case;
CREATE INDEX case_party_case ON case_party (community_id, case_id);
DROP INDEX case_session_case;
CREATE INDEX case_session_case ON case_session (community_id, case_id);
-- A case or a file read by its id alone (a URL, a tracking number) finds it
-- through these; SQLite's rowid does the same.
CREATE INDEX cases_id ON cases (id);
CREATE INDEX case_file_id ON case_file (id);

-- Keys by community (distribution on Citus, see docs/ARCHITECTURE.md
-- "Distribution"), as places' 0006: every key of a registry table starts with
-- its community_id, and registry rows refer to each other and to dwellings by
-- (community_id, id), so that a community's residents live on one node with
-- its places and cannot point into another community. reg_tag stays a
-- reference table (keys to it stay single-column).

-- One person per identity document in the whole deployment: a key that cannot
-- include community_id, so it lives in a lookup table of its own (distributed
-- by id_hash on Citus), written in the same transaction as every person's
-- id_hash. reg_person keeps the document unique within its community.
CREATE TABLE reg_identity (
	id_hash TEXT PRIMARY KEY,
	community_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL
);
INSERT INTO reg_identity (id_hash, community_id, person_id)
	SELECT id_hash, community_id, id FROM reg_person WHERE id_hash IS NOT NULL;
DROP INDEX reg_person_id_hash;
CREATE UNIQUE INDEX reg_person_id_hash ON reg_person (community_id, id_hash);

-- Rows that an older version let point across communities (a person moved to
-- another community kept their household, a landlord or tenant of another
-- community) are brought to the rule the keys below enforce: a residence, a
-- name piece and a group follow their person's community; a landlord of
-- another community stays on the rental by name (landlord_name) only; a
-- tenancy in another community ends; a person whose household is in another
-- community leaves it (the household file keeps its own timeline).
UPDATE reg_residence SET community_id = p.community_id FROM reg_person p WHERE p.id = reg_residence.person_id AND p.community_id <> reg_residence.community_id;
UPDATE reg_name_gram SET community_id = p.community_id FROM reg_person p WHERE p.id = reg_name_gram.person_id AND p.community_id <> reg_name_gram.community_id;
UPDATE reg_person_tag SET community_id = p.community_id FROM reg_person p WHERE p.id = reg_person_tag.person_id AND p.community_id <> reg_person_tag.community_id;
UPDATE reg_rental SET landlord_person_id = NULL FROM reg_person p WHERE p.id = reg_rental.landlord_person_id AND p.community_id <> reg_rental.community_id;
DELETE FROM reg_rental_tenant t USING reg_person p WHERE p.id = t.person_id AND p.community_id <> t.community_id;
UPDATE reg_person SET household_id = NULL, relation = '' FROM reg_household h WHERE h.id = reg_person.household_id AND h.community_id <> reg_person.community_id;

-- Dropping the old keys drops the foreign keys declared on them; they are
-- declared again below on the new keys.
ALTER TABLE reg_household DROP CONSTRAINT reg_household_pkey CASCADE;
ALTER TABLE reg_household ADD CONSTRAINT reg_household_pkey PRIMARY KEY (community_id, id);
ALTER TABLE reg_person DROP CONSTRAINT reg_person_pkey CASCADE;
ALTER TABLE reg_person ADD CONSTRAINT reg_person_pkey PRIMARY KEY (community_id, id);
ALTER TABLE reg_residence DROP CONSTRAINT reg_residence_pkey CASCADE;
ALTER TABLE reg_residence ADD CONSTRAINT reg_residence_pkey PRIMARY KEY (community_id, id);
ALTER TABLE reg_event DROP CONSTRAINT reg_event_pkey CASCADE;
ALTER TABLE reg_event ADD CONSTRAINT reg_event_pkey PRIMARY KEY (community_id, id);
ALTER TABLE reg_rental DROP CONSTRAINT reg_rental_pkey CASCADE;
ALTER TABLE reg_rental ADD CONSTRAINT reg_rental_pkey PRIMARY KEY (community_id, id);
ALTER TABLE reg_name_gram DROP CONSTRAINT reg_name_gram_pkey;
ALTER TABLE reg_name_gram ADD CONSTRAINT reg_name_gram_pkey PRIMARY KEY (community_id, gram, person_id);
ALTER TABLE reg_person_tag DROP CONSTRAINT reg_person_tag_pkey;
ALTER TABLE reg_person_tag ADD CONSTRAINT reg_person_tag_pkey PRIMARY KEY (community_id, person_id, tag_id);
ALTER TABLE reg_rental_tenant DROP CONSTRAINT reg_rental_tenant_pkey;
ALTER TABLE reg_rental_tenant ADD CONSTRAINT reg_rental_tenant_pkey PRIMARY KEY (community_id, rental_id, person_id);

-- A row read by its id alone (a link, a URL) finds it through these.
CREATE INDEX reg_household_id ON reg_household (id);
CREATE INDEX reg_person_id ON reg_person (id);
CREATE INDEX reg_rental_id ON reg_rental (id);

ALTER TABLE reg_household ADD CONSTRAINT reg_household_dwelling_fkey FOREIGN KEY (community_id, dwelling_id) REFERENCES dwelling (community_id, id);
ALTER TABLE reg_person ADD CONSTRAINT reg_person_household_fkey FOREIGN KEY (community_id, household_id) REFERENCES reg_household (community_id, id);
ALTER TABLE reg_person ADD CONSTRAINT reg_person_dwelling_fkey FOREIGN KEY (community_id, dwelling_id) REFERENCES dwelling (community_id, id);
ALTER TABLE reg_person_tag ADD CONSTRAINT reg_person_tag_person_fkey FOREIGN KEY (community_id, person_id) REFERENCES reg_person (community_id, id);
-- A residence refers to its person; its dwelling has no foreign key (dropped
-- in 0003 for the import's speed, and a past residence may lie in another
-- community than the person's, whose community_id the row carries).
ALTER TABLE reg_residence ADD CONSTRAINT reg_residence_person_fkey FOREIGN KEY (community_id, person_id) REFERENCES reg_person (community_id, id);
ALTER TABLE reg_rental ADD CONSTRAINT reg_rental_dwelling_fkey FOREIGN KEY (community_id, dwelling_id) REFERENCES dwelling (community_id, id);
ALTER TABLE reg_rental ADD CONSTRAINT reg_rental_landlord_fkey FOREIGN KEY (community_id, landlord_person_id) REFERENCES reg_person (community_id, id);
ALTER TABLE reg_rental_tenant ADD CONSTRAINT reg_rental_tenant_rental_fkey FOREIGN KEY (community_id, rental_id) REFERENCES reg_rental (community_id, id);
ALTER TABLE reg_rental_tenant ADD CONSTRAINT reg_rental_tenant_person_fkey FOREIGN KEY (community_id, person_id) REFERENCES reg_person (community_id, id);

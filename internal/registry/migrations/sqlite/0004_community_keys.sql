-- linli:foreign-keys-off
-- Keys by community, as postgres/0004: the rowid (id INTEGER PRIMARY KEY)
-- still hands out ids; (community_id, id) is each table's key, the unique
-- index <table>_pkey that foreign keys refer to. Tables whose keys or foreign
-- keys change are rebuilt (SQLite cannot alter a constraint in place).

-- One person per identity document in the whole deployment (see postgres/0004).
-- WITHOUT ROWID: the key is the table, one b-tree to fill on an import.
CREATE TABLE reg_identity (
	id_hash TEXT PRIMARY KEY,
	community_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO reg_identity (id_hash, community_id, person_id)
	SELECT id_hash, community_id, id FROM reg_person WHERE id_hash IS NOT NULL;

-- Rows an older version let point across communities (see postgres/0004).
UPDATE reg_residence SET community_id = (SELECT p.community_id FROM reg_person p WHERE p.id = reg_residence.person_id)
	WHERE community_id <> (SELECT p.community_id FROM reg_person p WHERE p.id = reg_residence.person_id);
UPDATE reg_name_gram SET community_id = (SELECT p.community_id FROM reg_person p WHERE p.id = reg_name_gram.person_id)
	WHERE community_id <> (SELECT p.community_id FROM reg_person p WHERE p.id = reg_name_gram.person_id);
UPDATE reg_person_tag SET community_id = (SELECT p.community_id FROM reg_person p WHERE p.id = reg_person_tag.person_id)
	WHERE community_id <> (SELECT p.community_id FROM reg_person p WHERE p.id = reg_person_tag.person_id);
UPDATE reg_rental SET landlord_person_id = NULL
	WHERE community_id <> (SELECT p.community_id FROM reg_person p WHERE p.id = reg_rental.landlord_person_id);
DELETE FROM reg_rental_tenant
	WHERE community_id <> (SELECT p.community_id FROM reg_person p WHERE p.id = reg_rental_tenant.person_id);
UPDATE reg_person SET household_id = NULL, relation = ''
	WHERE community_id <> (SELECT h.community_id FROM reg_household h WHERE h.id = reg_person.household_id);

CREATE TABLE reg_household_new (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT REFERENCES org_unit (id),
	dwelling_id BIGINT,
	number TEXT NOT NULL DEFAULT '',
	number_key TEXT,
	head_person_id BIGINT,
	members INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT 'active',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CONSTRAINT reg_household_dwelling_fkey FOREIGN KEY (community_id, dwelling_id) REFERENCES dwelling (community_id, id)
);
INSERT INTO reg_household_new (id, community_id, grid_id, dwelling_id, number, number_key, head_person_id, members, status, created_at, updated_at)
	SELECT id, community_id, grid_id, dwelling_id, number, number_key, head_person_id, members, status, created_at, updated_at FROM reg_household;
DROP TABLE reg_household;
ALTER TABLE reg_household_new RENAME TO reg_household;
CREATE UNIQUE INDEX reg_household_pkey ON reg_household (community_id, id);
CREATE UNIQUE INDEX reg_household_number ON reg_household (community_id, number_key);
CREATE INDEX reg_household_dwelling ON reg_household (dwelling_id);
CREATE INDEX reg_household_grid ON reg_household (grid_id);

CREATE TABLE reg_person_new (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT REFERENCES org_unit (id),
	household_id BIGINT,
	relation TEXT NOT NULL DEFAULT '',
	dwelling_id BIGINT,
	name TEXT NOT NULL,
	name_pinyin TEXT NOT NULL,
	name_initials TEXT NOT NULL,
	sex TEXT NOT NULL DEFAULT '',
	birth_date TEXT NOT NULL DEFAULT '',
	id_type TEXT NOT NULL DEFAULT 'id_card',
	id_enc BLOB,
	id_hash TEXT,
	id_mask TEXT NOT NULL DEFAULT '',
	id_tail TEXT NOT NULL DEFAULT '',
	phone_enc BLOB,
	phone_hash TEXT,
	phone_mask TEXT NOT NULL DEFAULT '',
	phone_tail TEXT NOT NULL DEFAULT '',
	ethnicity TEXT NOT NULL DEFAULT '',
	political TEXT NOT NULL DEFAULT '',
	education TEXT NOT NULL DEFAULT '',
	marital TEXT NOT NULL DEFAULT '',
	employer TEXT NOT NULL DEFAULT '',
	hukou_address TEXT NOT NULL DEFAULT '',
	residence_type TEXT NOT NULL DEFAULT 'registered',
	status TEXT NOT NULL DEFAULT 'active',
	extra TEXT NOT NULL DEFAULT '',
	remark TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CONSTRAINT reg_person_household_fkey FOREIGN KEY (community_id, household_id) REFERENCES reg_household (community_id, id),
	CONSTRAINT reg_person_dwelling_fkey FOREIGN KEY (community_id, dwelling_id) REFERENCES dwelling (community_id, id)
);
INSERT INTO reg_person_new (id, community_id, grid_id, household_id, relation, dwelling_id, name, name_pinyin, name_initials, sex, birth_date,
	id_type, id_enc, id_hash, id_mask, id_tail, phone_enc, phone_hash, phone_mask, phone_tail, ethnicity, political, education, marital, employer, hukou_address,
	residence_type, status, extra, remark, created_at, updated_at)
	SELECT id, community_id, grid_id, household_id, relation, dwelling_id, name, name_pinyin, name_initials, sex, birth_date,
	id_type, id_enc, id_hash, id_mask, id_tail, phone_enc, phone_hash, phone_mask, phone_tail, ethnicity, political, education, marital, employer, hukou_address,
	residence_type, status, extra, remark, created_at, updated_at FROM reg_person;
DROP TABLE reg_person;
ALTER TABLE reg_person_new RENAME TO reg_person;
CREATE UNIQUE INDEX reg_person_pkey ON reg_person (community_id, id);
CREATE UNIQUE INDEX reg_person_id_hash ON reg_person (community_id, id_hash);
CREATE INDEX reg_person_grid ON reg_person (grid_id, status, name_pinyin);
CREATE INDEX reg_person_community ON reg_person (community_id, status, name_pinyin);
CREATE INDEX reg_person_household ON reg_person (household_id);
CREATE INDEX reg_person_dwelling ON reg_person (dwelling_id);
CREATE INDEX reg_person_pinyin ON reg_person (name_pinyin);
CREATE INDEX reg_person_initials ON reg_person (name_initials, status, community_id, grid_id, name_pinyin);
CREATE INDEX reg_person_name ON reg_person (name);
CREATE INDEX reg_person_id_tail ON reg_person (id_tail);
CREATE INDEX reg_person_phone_hash ON reg_person (phone_hash);
CREATE INDEX reg_person_phone_tail ON reg_person (phone_tail);

-- The key starts with community_id; a name search by gram across a street
-- reads reg_name_gram_scope, as on PostgreSQL.
CREATE TABLE reg_name_gram_new (
	gram TEXT NOT NULL,
	person_id BIGINT NOT NULL,
	community_id BIGINT NOT NULL,
	grid_id BIGINT,
	PRIMARY KEY (community_id, gram, person_id)
) WITHOUT ROWID;
INSERT INTO reg_name_gram_new (gram, person_id, community_id, grid_id)
	SELECT gram, person_id, community_id, grid_id FROM reg_name_gram;
DROP TABLE reg_name_gram;
ALTER TABLE reg_name_gram_new RENAME TO reg_name_gram;
CREATE INDEX reg_name_gram_person ON reg_name_gram (person_id);
CREATE INDEX reg_name_gram_scope ON reg_name_gram (gram, community_id, grid_id, person_id);

CREATE TABLE reg_person_tag_new (
	person_id BIGINT NOT NULL,
	tag_id BIGINT NOT NULL REFERENCES reg_tag (id),
	community_id BIGINT NOT NULL,
	grid_id BIGINT,
	since TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	PRIMARY KEY (community_id, person_id, tag_id),
	CONSTRAINT reg_person_tag_person_fkey FOREIGN KEY (community_id, person_id) REFERENCES reg_person (community_id, id)
);
INSERT INTO reg_person_tag_new (person_id, tag_id, community_id, grid_id, since, note, created_at)
	SELECT person_id, tag_id, community_id, grid_id, since, note, created_at FROM reg_person_tag;
DROP TABLE reg_person_tag;
ALTER TABLE reg_person_tag_new RENAME TO reg_person_tag;
CREATE INDEX reg_person_tag_tag ON reg_person_tag (tag_id, community_id, grid_id);

-- A residence refers to its person; its dwelling has no foreign key (as on
-- PostgreSQL since its 0003: a past residence may lie in another community
-- than the person's, whose community_id the row carries).
CREATE TABLE reg_residence_new (
	id INTEGER PRIMARY KEY,
	person_id BIGINT NOT NULL,
	community_id BIGINT NOT NULL,
	dwelling_id BIGINT,
	type TEXT NOT NULL,
	from_on TEXT NOT NULL,
	to_on TEXT,
	created_at BIGINT NOT NULL,
	CONSTRAINT reg_residence_person_fkey FOREIGN KEY (community_id, person_id) REFERENCES reg_person (community_id, id)
);
INSERT INTO reg_residence_new (id, person_id, community_id, dwelling_id, type, from_on, to_on, created_at)
	SELECT id, person_id, community_id, dwelling_id, type, from_on, to_on, created_at FROM reg_residence;
DROP TABLE reg_residence;
ALTER TABLE reg_residence_new RENAME TO reg_residence;
CREATE UNIQUE INDEX reg_residence_pkey ON reg_residence (community_id, id);
CREATE INDEX reg_residence_person ON reg_residence (person_id);
CREATE INDEX reg_residence_dwelling ON reg_residence (dwelling_id);

CREATE UNIQUE INDEX reg_event_pkey ON reg_event (community_id, id);

CREATE TABLE reg_rental_new (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT REFERENCES org_unit (id),
	dwelling_id BIGINT NOT NULL,
	landlord_person_id BIGINT,
	landlord_name TEXT NOT NULL DEFAULT '',
	landlord_phone_enc BLOB,
	landlord_phone_mask TEXT NOT NULL DEFAULT '',
	lease_from TEXT NOT NULL,
	lease_to TEXT,
	purpose TEXT NOT NULL DEFAULT 'residential',
	remark TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'active',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CONSTRAINT reg_rental_dwelling_fkey FOREIGN KEY (community_id, dwelling_id) REFERENCES dwelling (community_id, id),
	CONSTRAINT reg_rental_landlord_fkey FOREIGN KEY (community_id, landlord_person_id) REFERENCES reg_person (community_id, id)
);
INSERT INTO reg_rental_new (id, community_id, grid_id, dwelling_id, landlord_person_id, landlord_name, landlord_phone_enc, landlord_phone_mask,
	lease_from, lease_to, purpose, remark, status, created_at, updated_at)
	SELECT id, community_id, grid_id, dwelling_id, landlord_person_id, landlord_name, landlord_phone_enc, landlord_phone_mask,
	lease_from, lease_to, purpose, remark, status, created_at, updated_at FROM reg_rental;
DROP TABLE reg_rental;
ALTER TABLE reg_rental_new RENAME TO reg_rental;
CREATE UNIQUE INDEX reg_rental_pkey ON reg_rental (community_id, id);
CREATE INDEX reg_rental_dwelling ON reg_rental (dwelling_id);
CREATE INDEX reg_rental_grid ON reg_rental (grid_id, status);
CREATE INDEX reg_rental_community ON reg_rental (community_id, status);

CREATE TABLE reg_rental_tenant_new (
	rental_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL,
	community_id BIGINT NOT NULL,
	PRIMARY KEY (community_id, rental_id, person_id),
	CONSTRAINT reg_rental_tenant_rental_fkey FOREIGN KEY (community_id, rental_id) REFERENCES reg_rental (community_id, id),
	CONSTRAINT reg_rental_tenant_person_fkey FOREIGN KEY (community_id, person_id) REFERENCES reg_person (community_id, id)
);
INSERT INTO reg_rental_tenant_new (rental_id, person_id, community_id)
	SELECT rental_id, person_id, community_id FROM reg_rental_tenant;
DROP TABLE reg_rental_tenant;
ALTER TABLE reg_rental_tenant_new RENAME TO reg_rental_tenant;
CREATE INDEX reg_rental_tenant_person ON reg_rental_tenant (person_id);

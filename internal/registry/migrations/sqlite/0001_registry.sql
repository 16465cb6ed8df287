-- The resident registry (一户一档). Every row carries community_id (the
-- distribution key) and grid_id when known, copied from the dwelling, so that
-- scoped reads need no join. Sensitive values (ID numbers, phones) are sealed;
-- *_hash is a keyed hash for exact lookup, *_mask the masked form shown by
-- default, *_tail the last 4 characters for "last digits" search.

CREATE TABLE reg_tag (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL UNIQUE,
	sensitivity INTEGER NOT NULL DEFAULT 0,
	roles TEXT NOT NULL DEFAULT '',
	lines TEXT NOT NULL DEFAULT '',
	sort INTEGER NOT NULL DEFAULT 0,
	active BOOLEAN NOT NULL DEFAULT TRUE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE reg_household (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT REFERENCES org_unit (id),
	dwelling_id BIGINT REFERENCES dwelling (id),
	number TEXT NOT NULL DEFAULT '',
	-- number_key is the 户号, or NULL when the ledger has none, so that numbers are
	-- unique per community without forbidding blanks.
	number_key TEXT,
	head_person_id BIGINT,
	members INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT 'active',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX reg_household_number ON reg_household (community_id, number_key);
CREATE INDEX reg_household_dwelling ON reg_household (dwelling_id);
CREATE INDEX reg_household_grid ON reg_household (grid_id);

CREATE TABLE reg_person (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT REFERENCES org_unit (id),
	household_id BIGINT REFERENCES reg_household (id),
	relation TEXT NOT NULL DEFAULT '',
	dwelling_id BIGINT REFERENCES dwelling (id),
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
	updated_at BIGINT NOT NULL
);
-- One person per identity document in the whole deployment.
CREATE UNIQUE INDEX reg_person_id_hash ON reg_person (id_hash);
CREATE INDEX reg_person_grid ON reg_person (grid_id, status, name_pinyin);
CREATE INDEX reg_person_community ON reg_person (community_id, status, name_pinyin);
CREATE INDEX reg_person_household ON reg_person (household_id);
CREATE INDEX reg_person_dwelling ON reg_person (dwelling_id);
CREATE INDEX reg_person_pinyin ON reg_person (name_pinyin);
CREATE INDEX reg_person_initials ON reg_person (name_initials);
CREATE INDEX reg_person_name ON reg_person (name);
CREATE INDEX reg_person_id_tail ON reg_person (id_tail);
CREATE INDEX reg_person_phone_hash ON reg_person (phone_hash);
CREATE INDEX reg_person_phone_tail ON reg_person (phone_tail);

-- Two-character pieces of names, so that any part of a name of two characters or
-- more is found through an index ("三丰" finds 张三丰).
CREATE TABLE reg_name_gram (
	gram TEXT NOT NULL,
	person_id BIGINT NOT NULL,
	community_id BIGINT NOT NULL,
	grid_id BIGINT,
	PRIMARY KEY (gram, person_id)
) WITHOUT ROWID;
CREATE INDEX reg_name_gram_person ON reg_name_gram (person_id);

CREATE TABLE reg_person_tag (
	person_id BIGINT NOT NULL REFERENCES reg_person (id),
	tag_id BIGINT NOT NULL REFERENCES reg_tag (id),
	community_id BIGINT NOT NULL,
	grid_id BIGINT,
	since TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	PRIMARY KEY (person_id, tag_id)
);
CREATE INDEX reg_person_tag_tag ON reg_person_tag (tag_id, community_id, grid_id);

-- Where a person lived, with what kind of residence, from when to when; the
-- open row is the current one (mirrored on reg_person).
CREATE TABLE reg_residence (
	id INTEGER PRIMARY KEY,
	person_id BIGINT NOT NULL REFERENCES reg_person (id),
	community_id BIGINT NOT NULL,
	dwelling_id BIGINT REFERENCES dwelling (id),
	type TEXT NOT NULL,
	from_on TEXT NOT NULL,
	to_on TEXT,
	created_at BIGINT NOT NULL
);
CREATE INDEX reg_residence_person ON reg_residence (person_id);
CREATE INDEX reg_residence_dwelling ON reg_residence (dwelling_id);

-- The timeline of people and households: 出生, 死亡, 迁入, 迁出, 户内变更, 分户, 合户 …
CREATE TABLE reg_event (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL,
	person_id BIGINT,
	household_id BIGINT,
	kind TEXT NOT NULL,
	on_date TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	actor_id BIGINT,
	actor_name TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX reg_event_person ON reg_event (person_id, id);
CREATE INDEX reg_event_household ON reg_event (household_id, id);

-- Rental housing (出租房) and the people living there.
CREATE TABLE reg_rental (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT REFERENCES org_unit (id),
	dwelling_id BIGINT NOT NULL REFERENCES dwelling (id),
	landlord_person_id BIGINT REFERENCES reg_person (id),
	landlord_name TEXT NOT NULL DEFAULT '',
	landlord_phone_enc BLOB,
	landlord_phone_mask TEXT NOT NULL DEFAULT '',
	lease_from TEXT NOT NULL,
	lease_to TEXT,
	purpose TEXT NOT NULL DEFAULT 'residential',
	remark TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'active',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX reg_rental_dwelling ON reg_rental (dwelling_id);
CREATE INDEX reg_rental_grid ON reg_rental (grid_id, status);
CREATE INDEX reg_rental_community ON reg_rental (community_id, status);
CREATE TABLE reg_rental_tenant (
	rental_id BIGINT NOT NULL REFERENCES reg_rental (id),
	person_id BIGINT NOT NULL REFERENCES reg_person (id),
	community_id BIGINT NOT NULL,
	PRIMARY KEY (rental_id, person_id)
);
CREATE INDEX reg_rental_tenant_person ON reg_rental_tenant (person_id);

-- The groups a deployment starts with; administrators add and change them.
-- Sensitive groups (1, 2) are seen only by the roles and lines of work named.
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('elderly', '老年人', 0, '', '', 0, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('living_alone', '独居老人', 0, '', '', 10, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('dibao', '低保', 1, 'street_admin,community_admin', 'civil_affairs', 20, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('extreme_poverty', '特困', 1, 'street_admin,community_admin', 'civil_affairs', 30, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('disabled', '残疾', 1, 'street_admin,community_admin', 'civil_affairs,disability', 40, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('party_member', '党员', 0, '', '', 50, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('veteran', '退役军人', 0, '', '', 60, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('migrant', '流动人口', 0, '', '', 70, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('childbearing_woman', '育龄妇女', 1, 'street_admin,community_admin', 'family_planning', 80, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('unemployed', '失业', 1, 'street_admin,community_admin', 'employment,civil_affairs', 90, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('key_person', '重点人员', 2, 'street_admin,community_admin', 'governance', 100, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('mental_disorder', '精神障碍', 2, 'street_admin,community_admin', 'governance,civil_affairs', 110, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('released_prisoner', '刑释解教', 2, 'street_admin,community_admin', 'governance', 120, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('community_correction', '社区矫正', 2, 'street_admin,community_admin', 'governance', 130, TRUE, 0, 0);
INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES ('key_petitioner', '重点信访', 2, 'street_admin,community_admin', 'governance', 140, TRUE, 0, 0);

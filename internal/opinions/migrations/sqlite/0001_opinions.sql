-- Residents' opinions (社情民意): opinions and suggestions gathered at visits,
-- meetings (居民代表会, 楼栋长会, 座谈会 …), at the door, by phone and on the
-- portal; each is answered, turned into a case, or closed.
--
-- A meeting (op_meeting) belongs to a community and, when a grid held it (a
-- 楼栋长会 of one grid), to that grid. An opinion (op_opinion) names where it
-- came from (source, source_ref: the meeting or the follow-up record) and who
-- raised it: a registry person, a free name, or nobody (匿名, portal). A phone
-- given with it is sealed (raiser_phone) with its mask beside it.
CREATE TABLE op_meeting (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT REFERENCES org_unit (id),
	kind TEXT NOT NULL,
	title TEXT NOT NULL,
	held_on TEXT NOT NULL,
	place TEXT NOT NULL DEFAULT '',
	attendees INTEGER NOT NULL DEFAULT 0,
	note TEXT NOT NULL DEFAULT '',
	created_by BIGINT,
	created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX op_meeting_pkey ON op_meeting (community_id, id);
CREATE INDEX op_meeting_held ON op_meeting (community_id, held_on);

CREATE TABLE op_opinion (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	grid_id BIGINT REFERENCES org_unit (id),
	category TEXT NOT NULL,
	source TEXT NOT NULL,
	meeting_id BIGINT,
	record_id BIGINT,
	content TEXT NOT NULL,
	person_id BIGINT,
	raiser_name TEXT NOT NULL DEFAULT '',
	anonymous BOOLEAN NOT NULL DEFAULT FALSE,
	raiser_phone BLOB,
	raiser_phone_mask TEXT NOT NULL DEFAULT '',
	owner_user_id BIGINT,
	receipt_hash TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'open',
	answer TEXT NOT NULL DEFAULT '',
	answered_by BIGINT,
	answered_at BIGINT,
	case_id BIGINT,
	closed_at BIGINT,
	raised_on TEXT NOT NULL,
	raised_month TEXT NOT NULL,
	created_by BIGINT,
	created_at BIGINT NOT NULL,
	CONSTRAINT op_opinion_meeting_fkey FOREIGN KEY (community_id, meeting_id) REFERENCES op_meeting (community_id, id)
);
CREATE UNIQUE INDEX op_opinion_pkey ON op_opinion (community_id, id);
-- The month's digest and the lists by month read this range.
CREATE INDEX op_opinion_month ON op_opinion (community_id, raised_month, category, source, status);
-- The home page's unanswered opinions, oldest first.
CREATE INDEX op_opinion_open ON op_opinion (community_id, status, created_at);
CREATE INDEX op_opinion_meeting ON op_opinion (community_id, meeting_id);
-- A resident's own opinions on the portal.
CREATE INDEX op_opinion_owner ON op_opinion (owner_user_id, created_at);
-- An anonymous visitor's receipt code (its hash) finds their opinion.
CREATE INDEX op_opinion_receipt ON op_opinion (receipt_hash);

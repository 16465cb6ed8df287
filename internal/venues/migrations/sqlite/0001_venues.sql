-- Venues (场地) and their bookings (场地预约). A venue is a community's room or
-- open space (a street's own venues carry the street's org unit id as
-- community_id, as street-level rows do). A booking holds its venue from
-- starts_at to ends_at; every 30-minute slot it holds is one row of
-- venue_booking_slot, whose primary key (community_id, venue_id, slot_start)
-- is what refuses a second booking of the same time, on every engine and
-- under concurrency. Pending and approved bookings hold their slots; a
-- refused or cancelled one deletes them. A recurring booking (venue_series)
-- is its occurrences, each a booking of its own with the series' id.
CREATE TABLE venue (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	capacity INTEGER NOT NULL DEFAULT 0,
	hours TEXT NOT NULL DEFAULT '',
	equipment TEXT NOT NULL DEFAULT '',
	book_staff BOOLEAN NOT NULL DEFAULT TRUE,
	book_teams BOOLEAN NOT NULL DEFAULT FALSE,
	book_residents BOOLEAN NOT NULL DEFAULT FALSE,
	needs_approval BOOLEAN NOT NULL DEFAULT FALSE,
	active BOOLEAN NOT NULL DEFAULT TRUE,
	note TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX venue_pkey ON venue (community_id, id);
CREATE UNIQUE INDEX venue_name ON venue (community_id, name);

CREATE TABLE venue_series (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	venue_id BIGINT NOT NULL,
	weekdays TEXT NOT NULL,
	from_on TEXT NOT NULL,
	to_on TEXT NOT NULL,
	start_time TEXT NOT NULL,
	end_time TEXT NOT NULL,
	except_on TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	FOREIGN KEY (community_id, venue_id) REFERENCES venue (community_id, id)
);
CREATE UNIQUE INDEX venue_series_pkey ON venue_series (community_id, id);

CREATE TABLE venue_booking (
	id INTEGER PRIMARY KEY,
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	venue_id BIGINT NOT NULL,
	title TEXT NOT NULL,
	purpose TEXT NOT NULL DEFAULT '',
	booker_kind TEXT NOT NULL,
	booker_user_id BIGINT NOT NULL DEFAULT 0,
	booker_person_id BIGINT NOT NULL DEFAULT 0,
	booker_name TEXT NOT NULL DEFAULT '',
	team TEXT NOT NULL DEFAULT '',
	contact TEXT NOT NULL DEFAULT '',
	attendees INTEGER NOT NULL DEFAULT 0,
	starts_at BIGINT NOT NULL,
	ends_at BIGINT NOT NULL,
	day TEXT NOT NULL,
	status TEXT NOT NULL,
	series_id BIGINT NOT NULL DEFAULT 0,
	source TEXT NOT NULL DEFAULT 'manual',
	source_ref BIGINT NOT NULL DEFAULT 0,
	decided_by BIGINT NOT NULL DEFAULT 0,
	decided_at BIGINT NOT NULL DEFAULT 0,
	decision_note TEXT NOT NULL DEFAULT '',
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	FOREIGN KEY (community_id, venue_id) REFERENCES venue (community_id, id)
);
CREATE UNIQUE INDEX venue_booking_pkey ON venue_booking (community_id, id);
-- A venue's week, the community's day, the month's usage.
CREATE INDEX venue_booking_venue_time ON venue_booking (community_id, venue_id, starts_at);
CREATE INDEX venue_booking_day ON venue_booking (community_id, day);
-- Bookings waiting for approval (the home page's 待办).
CREATE INDEX venue_booking_status ON venue_booking (community_id, status, starts_at);
-- A person's bookings (the person page, the portal).
CREATE INDEX venue_booking_person ON venue_booking (booker_person_id);
-- What an activity reserved.
CREATE INDEX venue_booking_source ON venue_booking (community_id, source, source_ref);

CREATE TABLE venue_booking_slot (
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	venue_id BIGINT NOT NULL,
	slot_start BIGINT NOT NULL,
	booking_id BIGINT NOT NULL,
	PRIMARY KEY (community_id, venue_id, slot_start),
	FOREIGN KEY (community_id, venue_id) REFERENCES venue (community_id, id),
	FOREIGN KEY (community_id, booking_id) REFERENCES venue_booking (community_id, id)
);
CREATE INDEX venue_booking_slot_booking ON venue_booking_slot (community_id, booking_id);

-- The volunteers who serve at an activity (registered volunteers of its
-- community, by the volunteers module's id): what they do there and when
-- they came and went (the activity's start and end unless staff change
-- them). Checking one out records their service hours in the volunteers
-- module (idempotent per activity and volunteer).
CREATE TABLE activity_helper (
	community_id BIGINT NOT NULL REFERENCES org_unit (id),
	activity_id BIGINT NOT NULL,
	volunteer_id BIGINT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL DEFAULT '',
	check_in BIGINT NOT NULL,
	check_out BIGINT NOT NULL,
	checked_out_at BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (community_id, activity_id, volunteer_id),
	FOREIGN KEY (community_id, activity_id) REFERENCES activity (community_id, id)
);

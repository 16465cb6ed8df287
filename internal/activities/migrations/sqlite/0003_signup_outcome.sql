-- What the activity row's last sign-up got ('accepted' or 'waiting'): one
-- UPDATE gives a sign-up its place or its turn and says which through
-- RETURNING, so that a sign-up to a full activity queues for the row once,
-- not twice (a burst of 2,000 sign-ups all wait on that row).
ALTER TABLE activity ADD COLUMN last_signup TEXT NOT NULL DEFAULT '';

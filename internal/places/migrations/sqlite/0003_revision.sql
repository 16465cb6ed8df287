-- One counter that every change to a place's name or position moves, in the
-- same transaction, so that each server's cache of dwelling addresses can tell
-- it is out of date (see addresses.go).
CREATE TABLE place_revision (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  rev BIGINT NOT NULL
);
INSERT INTO place_revision (id, rev) VALUES (1, 0);

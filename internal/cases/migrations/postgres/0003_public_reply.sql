-- A step's reply to the resident (给居民的回复): the only text of a step a
-- resident or an Open311 client reads. The note beside it (办理意见) is the
-- staff's own and never leaves the office; entries written before this
-- column existed keep their notes internal.
ALTER TABLE case_event ADD COLUMN public_reply TEXT NOT NULL DEFAULT '';

-- PLACEHOLDER ONLY, so that 0003 follows a 0002 on this branch: the record
-- photos change (its own branch) brings the real 0002_record_photos.sql,
-- which replaces this file when the two are merged.
SELECT 1;

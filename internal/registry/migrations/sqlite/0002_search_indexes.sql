-- Searches by initials and their counts are answered from the index alone: it
-- carries what the filters and the scope test (status, community, grid) and
-- what the list sorts by, so a search matching ten thousand people does not
-- read ten thousand rows. (A pinyin search inside a community or grid reads
-- reg_person_community / reg_person_grid, which already end in name_pinyin;
-- reg_person_pinyin stays narrow, as every index costs the import.)
DROP INDEX reg_person_initials;
CREATE INDEX reg_person_initials ON reg_person (name_initials, status, community_id, grid_id, name_pinyin);

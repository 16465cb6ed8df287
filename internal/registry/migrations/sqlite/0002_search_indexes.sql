-- Searches by pinyin or initials and their counts are answered from the index
-- alone: it carries what the filters and the scope test (status, community,
-- grid) and what the list sorts by, so a search matching ten thousand people
-- does not read ten thousand rows. The id after name_pinyin keeps the list's
-- order (name_pinyin, id) so that its first page needs no sort.
DROP INDEX reg_person_pinyin;
CREATE INDEX reg_person_pinyin ON reg_person (name_pinyin, id, status, community_id, grid_id);
DROP INDEX reg_person_initials;
CREATE INDEX reg_person_initials ON reg_person (name_initials, status, community_id, grid_id, name_pinyin);

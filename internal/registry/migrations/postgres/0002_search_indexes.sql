-- Searches by pinyin or initials and their counts are answered from the index
-- alone: it carries what the filters and the scope test (status, community,
-- grid) and what the list sorts by, so a search matching ten thousand people
-- does not read ten thousand rows. The id after name_pinyin keeps the list's
-- order (name_pinyin, id) so that its first page needs no sort.
DROP INDEX reg_person_pinyin;
CREATE INDEX reg_person_pinyin ON reg_person (name_pinyin, id, status, community_id, grid_id);
DROP INDEX reg_person_initials;
CREATE INDEX reg_person_initials ON reg_person (name_initials, status, community_id, grid_id, name_pinyin, id);
-- The lists by grid and by community pick a page's ids from these indexes
-- alone (SQLite's indexes end in the row id by themselves).
DROP INDEX reg_person_grid;
CREATE INDEX reg_person_grid ON reg_person (grid_id, status, name_pinyin, id);
DROP INDEX reg_person_community;
CREATE INDEX reg_person_community ON reg_person (community_id, status, name_pinyin, id);
-- A name search reads a gram's people and their scope from the index alone
-- (SQLite's reg_name_gram is WITHOUT ROWID: its primary key is the table).
CREATE INDEX reg_name_gram_scope ON reg_name_gram (gram, community_id, grid_id, person_id);

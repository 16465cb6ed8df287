-- The due indexes hold a page of a due list in its order (due_on, then id):
-- with id right after due_on, a page of 50 of a worker's 1,700 overdue
-- duties reads 50 entries and stops, where before it sorted every one of
-- them. rule_id and created_at stay in fu_duty_due so that the lists' counts
-- and the month's rates still read the index alone.
DROP INDEX fu_duty_due;
CREATE INDEX fu_duty_due ON fu_duty (community_id, status, grid_id, due_on, id, rule_id, created_at);
DROP INDEX fu_duty_rule_due;
CREATE INDEX fu_duty_rule_due ON fu_duty (community_id, status, rule_id, due_on, id);

-- Nothing to do on SQLite: see the PostgreSQL 0003. SQLite checks foreign keys
-- in-process, cheaply, and keeps them until the tables are re-keyed by
-- community (which rebuilds them anyway).
SELECT 1;

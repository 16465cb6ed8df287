-- Nothing to do on SQLite: see the PostgreSQL 0005 and registry's 0003.
SELECT 1;

-- 0006 config: a city's configuration as data (issue 11) — the working calendar, the category
-- book, routing rules, alert rules and what each level's screen shows — one row per file of the
-- exported folder, its text as imported. A file not stored here is the shipped default. The
-- other backend has a migration with the same number and the same meaning.

CREATE TABLE config_files (
    name       TEXT NOT NULL PRIMARY KEY,
    body       TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

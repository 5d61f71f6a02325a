-- 0001 foundation: entities, indicators, observations with audit, targets.
-- Applied migrations are never edited: add a new numbered file instead. The PostgreSQL backend has
-- a migration with the same number and the same meaning.

CREATE TABLE entities (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('region', 'department', 'enterprise', 'project')),
    code        TEXT,
    name        TEXT    NOT NULL,
    level       INTEGER NOT NULL,
    attrs       TEXT    NOT NULL DEFAULT '{}',   -- JSON object
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX entities_kind_code ON entities (kind, code) WHERE code IS NOT NULL;
CREATE INDEX entities_name ON entities (name);

CREATE TABLE entity_aliases (
    entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    alias     TEXT    NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (entity_id, alias)
);
CREATE INDEX entity_aliases_alias ON entity_aliases (alias);

CREATE TABLE entity_groups (
    entity_id  INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    group_name TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (entity_id, group_name)
);
CREATE INDEX entity_groups_name ON entity_groups (group_name);

-- Effective-dated hierarchy: valid_from inclusive, valid_to exclusive, ISO dates; NULL = open.
CREATE TABLE entity_links (
    id         INTEGER PRIMARY KEY,
    child_id   INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    parent_id  INTEGER NOT NULL REFERENCES entities (id),
    valid_from TEXT,
    valid_to   TEXT
);
CREATE INDEX entity_links_child ON entity_links (child_id);
CREATE INDEX entity_links_parent ON entity_links (parent_id);

CREATE TABLE indicators (
    id               INTEGER PRIMARY KEY,
    code             TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL UNIQUE,
    unit             TEXT    NOT NULL,
    frequency        TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    aggregation      TEXT    NOT NULL,
    polarity         TEXT    NOT NULL,
    decimals         INTEGER NOT NULL,
    definition       TEXT    NOT NULL,
    owner_department TEXT,
    constraint_type  TEXT,
    formula          TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);

CREATE TABLE indicator_aliases (
    indicator_id INTEGER NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    alias        TEXT    NOT NULL UNIQUE,
    position     INTEGER NOT NULL,
    PRIMARY KEY (indicator_id, alias)
);

-- No foreign keys here: per-row checks cost more than the rest of a bulk load (PostgreSQL runs a
-- trigger per row and key). The store checks, in the same transaction, that every entity and
-- indicator of a batch exists before writing it, and entities are never deleted.
-- One value per entity, indicator, period (canonical code such as 2024M01-M09) and measure
-- ('value' = the level, 'growth' = the reported growth %). The key leads with indicator and period,
-- the order in which tables arrive and evaluations read (a column of one indicator and period);
-- WITHOUT ROWID keeps rows in key order.
CREATE TABLE observations (
    entity_id    INTEGER NOT NULL,
    indicator_id INTEGER NOT NULL,
    period       TEXT    NOT NULL,
    measure      TEXT    NOT NULL CHECK (measure IN ('value', 'growth')),
    value        REAL    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('draft', 'submitted', 'approved')),
    revision     INTEGER NOT NULL,
    source       TEXT    NOT NULL,
    changed_by   TEXT    NOT NULL,
    changed_at   TEXT    NOT NULL,
    PRIMARY KEY (indicator_id, period, measure, entity_id)
) WITHOUT ROWID;
CREATE INDEX observations_entity ON observations (entity_id, indicator_id);

-- Every overwrite of an observation: the value and status before and after.
CREATE TABLE observation_audit (
    id           INTEGER PRIMARY KEY,
    entity_id    INTEGER NOT NULL,
    indicator_id INTEGER NOT NULL,
    period       TEXT    NOT NULL,
    measure      TEXT    NOT NULL,
    old_value    REAL,
    new_value    REAL    NOT NULL,
    old_status   TEXT,
    new_status   TEXT    NOT NULL,
    revision     INTEGER NOT NULL,
    source       TEXT    NOT NULL,
    changed_by   TEXT    NOT NULL,
    changed_at   TEXT    NOT NULL
);
CREATE INDEX observation_audit_key ON observation_audit (entity_id, indicator_id, period, measure);

CREATE TABLE targets (
    entity_id    INTEGER NOT NULL REFERENCES entities (id),
    indicator_id INTEGER NOT NULL REFERENCES indicators (id),
    year         INTEGER NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('growth', 'level')),
    value        REAL    NOT NULL,
    schedule     TEXT,               -- JSON array of 12 cumulative shares, NULL = linear
    changed_by   TEXT    NOT NULL,
    changed_at   TEXT    NOT NULL,
    PRIMARY KEY (entity_id, indicator_id, year, kind)
);

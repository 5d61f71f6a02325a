-- 0014 quality (issue 12): the validation rules' findings kept for follow-up, and the seasonal
-- outlier flags a reviewer confirms or dismisses. Numbers that may be missing (a side without
-- data, a modified z-score without spread) and the history drawn in the chart are JSON text,
-- as elsewhere. One row per (rule, entity, period) and per (indicator, entity, period): a re-run
-- updates the row and keeps what people wrote. The other backend has a migration with the same
-- number and the same meaning.

CREATE TABLE validation_findings (
    id          INTEGER PRIMARY KEY,
    rule        TEXT    NOT NULL,
    rule_name   TEXT    NOT NULL,
    importance  TEXT    NOT NULL,
    entity_id   BIGINT  NOT NULL,
    period      TEXT    NOT NULL,
    numbers     TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    found_at    TEXT    NOT NULL,
    resolved    INTEGER NOT NULL DEFAULT 0,
    follow_up   INTEGER NOT NULL DEFAULT 0,
    comment     TEXT    NOT NULL DEFAULT '',
    updated_by  TEXT,
    updated_at  TEXT,
    UNIQUE (rule, entity_id, period)
);
CREATE INDEX validation_findings_period ON validation_findings (period);
CREATE INDEX validation_findings_entity ON validation_findings (entity_id);

CREATE TABLE outlier_flags (
    id           INTEGER PRIMARY KEY,
    indicator_id BIGINT  NOT NULL,
    entity_id    BIGINT  NOT NULL,
    period       TEXT    NOT NULL,
    value        REAL NOT NULL,
    seasonal     REAL NOT NULL,
    median       REAL NOT NULL,
    low          REAL NOT NULL,
    high         REAL NOT NULL,
    detail       TEXT    NOT NULL,
    found_at     TEXT    NOT NULL,
    review       TEXT    NOT NULL DEFAULT 'pending',
    note         TEXT    NOT NULL DEFAULT '',
    reviewed_by  TEXT,
    reviewed_at  TEXT,
    UNIQUE (indicator_id, entity_id, period)
);
CREATE INDEX outlier_flags_period ON outlier_flags (period);

-- 0002 evaluations: schemes (TOML text, versioned by evaluation year) and the stored results of
-- evaluating a scheme for a period, one header row per (scheme, period) and one row per entity.
-- The SQLite backend has a migration with the same number and the same meaning.

-- One version of a scheme per evaluation year. `source` is the TOML the analyst wrote; `version`
-- counts the changes of this (code, year).
CREATE TABLE schemes (
    code        TEXT    NOT NULL,
    year        BIGINT  NOT NULL,
    name        TEXT    NOT NULL,
    frequency   TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    version     BIGINT  NOT NULL,
    changed_by  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (code, year)
);

-- One evaluation of a scheme for a period: which scheme version produced it, against which
-- previous period, and the metadata every row refers to (grade and colour names, items) as JSON.
CREATE TABLE evaluations (
    scheme_code     TEXT    NOT NULL,
    period          TEXT    NOT NULL,
    period_end      TEXT    NOT NULL,   -- ISO date of the period's last day, for ordering
    scheme_year     BIGINT  NOT NULL,
    scheme_version  BIGINT  NOT NULL,
    previous_period TEXT,
    population      BIGINT  NOT NULL,
    ranked          BIGINT  NOT NULL,
    meta            TEXT    NOT NULL,   -- JSON object
    computed_at     TEXT    NOT NULL,
    PRIMARY KEY (scheme_code, period)
);

-- One entity's result. `position` is the league-table order (ranked rows by rank, then the
-- excluded ones); rank moves are signed (+ = up), NULL when there is nothing to compare with.
CREATE TABLE evaluation_results (
    scheme_code        TEXT    NOT NULL,
    period             TEXT    NOT NULL,
    entity_id          BIGINT  NOT NULL REFERENCES entities (id),
    entity_key         TEXT    NOT NULL,
    entity_name        TEXT    NOT NULL,
    position           BIGINT  NOT NULL,
    score              DOUBLE PRECISION,
    rank               BIGINT,
    cohort             TEXT,
    cohort_rank        BIGINT,
    grade              TEXT,
    colour             TEXT,
    rank_move          TEXT CHECK (rank_move IN ('up', 'down', 'same', 'new')),
    rank_change        BIGINT,
    cohort_rank_move   TEXT CHECK (cohort_rank_move IN ('up', 'down', 'same', 'new')),
    cohort_rank_change BIGINT,
    grade_change       TEXT CHECK (grade_change IN ('up', 'down', 'same', 'new')),
    exempt             BIGINT  NOT NULL,
    excluded           BIGINT  NOT NULL,
    explanation        TEXT    NOT NULL,
    breakdown          TEXT    NOT NULL,   -- JSON array, one object per item
    computed_at        TEXT    NOT NULL,
    PRIMARY KEY (scheme_code, period, entity_id),
    FOREIGN KEY (scheme_code, period) REFERENCES evaluations (scheme_code, period) ON DELETE CASCADE
);
CREATE INDEX evaluation_results_position ON evaluation_results (scheme_code, period, position);
CREATE INDEX evaluation_results_entity ON evaluation_results (scheme_code, entity_id);

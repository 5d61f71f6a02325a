-- 0003 work items: the cases of the closed loop (事件, 企业诉求, 问题, 指令, 服务事项), their full
-- transition history and the id counter. The PostgreSQL backend has a migration with the same
-- number and the same meaning. Columns are what lists filter and sort by; `body` is the whole
-- item as the flow engine models it (JSON, without the history), `extras` what the engine does
-- not know (problem source, Open311 fields).

CREATE TABLE work_item_ids (
    singleton BIGINT PRIMARY KEY CHECK (singleton = 1),
    last_id   BIGINT NOT NULL
);
INSERT INTO work_item_ids (singleton, last_id) VALUES (1, 0);

CREATE TABLE work_items (
    id             BIGINT PRIMARY KEY,
    kind           TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    category       TEXT    NOT NULL,
    priority       TEXT    NOT NULL,
    channel        TEXT    NOT NULL,
    stage          TEXT    NOT NULL,
    is_open        BIGINT NOT NULL,
    receiving_unit BIGINT NOT NULL,
    owner_unit     BIGINT NOT NULL,
    assignee       BIGINT,
    escalated_to   BIGINT,
    location_id    BIGINT,
    enterprise_id  BIGINT,
    parent_id      BIGINT REFERENCES work_items (id),
    problem_source TEXT,
    token          TEXT UNIQUE,
    supervised     BIGINT NOT NULL,
    due_at         TEXT,              -- earliest pending deadline (NULL: ended or suspended)
    received_at    TEXT    NOT NULL,
    closed_at      TEXT,
    version        BIGINT NOT NULL,
    updated_at     TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    extras         TEXT    NOT NULL
);
CREATE INDEX work_items_owner ON work_items (owner_unit, is_open, received_at);
CREATE INDEX work_items_assignee ON work_items (assignee, is_open);
CREATE INDEX work_items_escalated ON work_items (escalated_to, is_open);
CREATE INDEX work_items_due ON work_items (due_at);
CREATE INDEX work_items_parent ON work_items (parent_id);
CREATE INDEX work_items_received ON work_items (received_at, id);

-- One row per version of an item: who (user, role, unit), when, from → to, the step (JSON), the
-- note, the clock time used since the previous step and whether the item was overdue.
CREATE TABLE work_item_history (
    item_id     BIGINT NOT NULL REFERENCES work_items (id),
    version     BIGINT NOT NULL,
    at          TEXT    NOT NULL,
    actor_user  TEXT    NOT NULL,
    actor_role  TEXT    NOT NULL,
    actor_unit  BIGINT NOT NULL,
    step        TEXT    NOT NULL,
    from_stage  TEXT    NOT NULL,
    to_stage    TEXT    NOT NULL,
    on_time     BIGINT,
    note        TEXT,
    clock_used  DOUBLE PRECISION,
    overdue     BIGINT NOT NULL,
    PRIMARY KEY (item_id, version)
);
CREATE INDEX work_item_history_unit ON work_item_history (actor_unit, at);

-- 0012 notifications and alert states: what each person was told (派单, 签收提醒, 临期预警, 催办, 升级, 监测预警),
-- read or unread; `dedup_key` keeps a notice that must be sent once (a deadline's warning) from
-- being stored twice for the same person. Deliveries are the copies sent outside the platform
-- (e-mail, a group robot's webhook), queued and retried by the jobs, each attempt logged. The other
-- backend has a migration with the same number and the same meaning.

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    link       TEXT,
    dedup_key  TEXT,
    created_at TEXT    NOT NULL,
    read_at    TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE UNIQUE INDEX notifications_once ON notifications (user_id, dedup_key);

CREATE TABLE notification_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT,
    created_at      TEXT    NOT NULL,
    sent_at         TEXT
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);

CREATE TABLE notification_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES notification_deliveries (id),
    at          TEXT    NOT NULL,
    ok          INTEGER NOT NULL,
    detail      TEXT    NOT NULL
);
CREATE INDEX notification_attempts_delivery ON notification_attempts (delivery_id);

-- Alert states: one instance per (rule, entity) with its state and counters, every change of
-- state (the history the alerts page shows) and silences (who stopped an alert's notifications,
-- why, from when until when; a silence without a rule or entity covers all of them).
CREATE TABLE alert_instances (
    rule       TEXT    NOT NULL,
    entity_id  INTEGER NOT NULL REFERENCES entities (id),
    state      TEXT    NOT NULL,
    count      INTEGER NOT NULL,
    was_firing INTEGER NOT NULL,
    period     TEXT    NOT NULL,
    period_end TEXT    NOT NULL,
    value      REAL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (rule, entity_id)
);

CREATE TABLE alert_transitions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    rule       TEXT    NOT NULL,
    entity_id  INTEGER NOT NULL REFERENCES entities (id),
    period     TEXT    NOT NULL,
    from_state TEXT    NOT NULL,
    to_state   TEXT    NOT NULL,
    value      REAL,
    at         TEXT    NOT NULL
);
CREATE INDEX alert_transitions_instance ON alert_transitions (rule, entity_id, id);

CREATE TABLE alert_silences (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    rule       TEXT,
    entity_id  INTEGER REFERENCES entities (id),
    starts_at  TEXT    NOT NULL,
    ends_at    TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);

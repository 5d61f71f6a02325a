-- 0010 pending changes: the follow-up a committed write still owes (formulas, evaluations, alert
-- rules), written in the same transaction as the data and deleted once the follow-up has run, so
-- that a crash in between leaves a note the next start finishes. `claimed_by` names the process
-- running it (taken by compare-and-swap). The other backend has a migration with the same number
-- and the same meaning.

CREATE TABLE pending_changes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at TEXT NOT NULL,
    actor      TEXT NOT NULL,
    source     TEXT NOT NULL,
    changes    TEXT NOT NULL,
    claimed_by TEXT,
    claimed_at TEXT
);

-- 0011 idempotency: the remembered answers of retried API requests (issue 21). A request with an
-- `Idempotency-Key` claims (owner, key) with the hash of its request; its answer (status and
-- body) is recorded when done, so a retry gets it back instead of writing again. Rows older than
-- 24 hours are forgotten. The other backend has a migration with the same number and the same
-- meaning.

CREATE TABLE idempotency_keys (
    owner        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    status       BIGINT,
    body         TEXT,
    PRIMARY KEY (owner, idem_key)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- 0008 login_throttle: the sign-in throttle's counters, one row per key (`login@address`,
-- `address`, `login`) and numbered window, raised and checked in one transaction so that
-- concurrent attempts cannot all pass a check made before any was counted. The other backend
-- has a migration with the same number and the same meaning.

CREATE TABLE login_throttle (
    key       TEXT    NOT NULL,
    window_no BIGINT  NOT NULL,
    attempts  BIGINT  NOT NULL,
    PRIMARY KEY (key, window_no)
);
CREATE INDEX login_throttle_window ON login_throttle (window_no);

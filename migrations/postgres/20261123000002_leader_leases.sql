-- Leader leases (scheduler, git sync): one row per lease name. `term` only grows, so a holder
-- can use it as a fencing token; a released lease keeps its row with an expiry in the past.
CREATE TABLE leader_leases (
    name     TEXT COLLATE "C" PRIMARY KEY,
    holder   TEXT        NOT NULL,
    term     BIGINT      NOT NULL,
    acquired TIMESTAMPTZ NOT NULL,
    expires  TIMESTAMPTZ NOT NULL
);

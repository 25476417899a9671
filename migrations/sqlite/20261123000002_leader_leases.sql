-- Leader leases (scheduler, git sync): one row per lease name. `term` only grows, so a holder
-- can use it as a fencing token; a released lease keeps its row with an expiry in the past.
CREATE TABLE leader_leases (
    name     TEXT    PRIMARY KEY NOT NULL,
    holder   TEXT    NOT NULL,
    term     INTEGER NOT NULL,
    acquired INTEGER NOT NULL,
    expires  INTEGER NOT NULL
);

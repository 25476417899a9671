-- baton store schema, SQLite. Times are INTEGER microseconds since the Unix epoch (UTC);
-- JSON columns are TEXT. A schema change is a new migration, never an edit of this one.

CREATE TABLE flow_revisions (
    namespace   TEXT    NOT NULL,
    flow_id     TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    source      TEXT    NOT NULL,
    commit_sha  TEXT,
    path        TEXT,
    author      TEXT,
    deployed_at INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (namespace, flow_id, revision)
);

CREATE TABLE executions (
    id            TEXT    PRIMARY KEY NOT NULL,
    namespace     TEXT    NOT NULL,
    flow_id       TEXT    NOT NULL,
    flow_revision INTEGER NOT NULL,
    commit_sha    TEXT,
    state         TEXT    NOT NULL,
    history       TEXT    NOT NULL,
    inputs        TEXT    NOT NULL,
    outputs       TEXT    NOT NULL,
    labels        TEXT    NOT NULL,
    variables     TEXT    NOT NULL,
    trigger_info  TEXT,
    parent        TEXT,
    original_id   TEXT,
    created       INTEGER NOT NULL,
    started       INTEGER,
    ended         INTEGER,
    error         TEXT,
    version       INTEGER NOT NULL
);
CREATE INDEX executions_flow_created ON executions (namespace, flow_id, created);
CREATE INDEX executions_state ON executions (state);
CREATE INDEX executions_created ON executions (created);

CREATE TABLE task_runs (
    id                 TEXT    PRIMARY KEY NOT NULL,
    execution_id       TEXT    NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    task_id            TEXT    NOT NULL,
    parent_task_run_id TEXT,
    iteration_value    TEXT,
    iteration          INTEGER,
    state              TEXT    NOT NULL,
    history            TEXT    NOT NULL,
    attempts           TEXT    NOT NULL,
    outputs            TEXT    NOT NULL,
    dispatch           TEXT    NOT NULL,
    worker_group       TEXT,
    created            INTEGER NOT NULL,
    ended              INTEGER,
    error              TEXT,
    lease_owner        TEXT,
    lease_expires      INTEGER
);
CREATE INDEX task_runs_execution ON task_runs (execution_id);
CREATE INDEX task_runs_queue ON task_runs (state, dispatch, lease_expires);

CREATE TABLE logs (
    id           INTEGER PRIMARY KEY,
    execution_id TEXT    NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    task_run_id  TEXT,
    task_id      TEXT,
    attempt      INTEGER,
    level        INTEGER NOT NULL,
    message      TEXT    NOT NULL,
    timestamp    INTEGER NOT NULL
);
CREATE INDEX logs_execution ON logs (execution_id, id);
CREATE INDEX logs_task_run ON logs (task_run_id);

CREATE TABLE kv (
    namespace TEXT    NOT NULL,
    key       TEXT    NOT NULL,
    value     TEXT    NOT NULL,
    expires   INTEGER,
    updated   INTEGER NOT NULL,
    PRIMARY KEY (namespace, key)
);

CREATE TABLE trigger_ticks (
    trigger_key TEXT    NOT NULL,
    tick        INTEGER NOT NULL,
    recorded    INTEGER NOT NULL,
    PRIMARY KEY (trigger_key, tick)
);

CREATE TABLE trigger_states (
    trigger_key TEXT    PRIMARY KEY NOT NULL,
    state       TEXT    NOT NULL,
    updated     INTEGER NOT NULL
);

CREATE TABLE concurrency_slots (
    execution_id TEXT    PRIMARY KEY NOT NULL,
    namespace    TEXT    NOT NULL,
    flow_id      TEXT    NOT NULL,
    acquired     INTEGER NOT NULL
);
CREATE INDEX concurrency_slots_flow ON concurrency_slots (namespace, flow_id);

CREATE TABLE sync_status (
    repo                    TEXT    PRIMARY KEY NOT NULL,
    last_applied_revision   TEXT,
    last_attempted_revision TEXT,
    status_condition        TEXT    NOT NULL,
    reason                  TEXT    NOT NULL,
    message                 TEXT    NOT NULL,
    updated_at              INTEGER NOT NULL
);

CREATE TABLE flow_sync_status (
    namespace               TEXT    NOT NULL,
    flow_id                 TEXT    NOT NULL,
    path                    TEXT    NOT NULL,
    last_applied_revision   TEXT,
    last_attempted_revision TEXT,
    status_condition        TEXT    NOT NULL,
    reason                  TEXT    NOT NULL,
    message                 TEXT    NOT NULL,
    diagnostics             TEXT    NOT NULL,
    updated_at              INTEGER NOT NULL,
    PRIMARY KEY (namespace, flow_id)
);

CREATE TABLE workers (
    id             TEXT    PRIMARY KEY NOT NULL,
    host           TEXT    NOT NULL,
    version        TEXT    NOT NULL,
    worker_group   TEXT,
    started        INTEGER NOT NULL,
    last_heartbeat INTEGER NOT NULL,
    running        INTEGER NOT NULL
);

-- baton store schema, PostgreSQL. Times are TIMESTAMPTZ (microseconds), JSON columns JSONB.
-- Names and ids are TEXT COLLATE "C" so that they sort byte-wise, as on SQLite.
-- A schema change is a new migration, never an edit of this one.

CREATE TABLE flow_revisions (
    namespace   TEXT COLLATE "C" NOT NULL,
    flow_id     TEXT COLLATE "C" NOT NULL,
    revision    BIGINT      NOT NULL,
    source      TEXT        NOT NULL,
    commit_sha  TEXT,
    path        TEXT,
    author      TEXT,
    deployed_at TIMESTAMPTZ NOT NULL,
    deleted     BOOLEAN     NOT NULL DEFAULT FALSE,
    PRIMARY KEY (namespace, flow_id, revision)
);

CREATE TABLE executions (
    id            TEXT COLLATE "C" PRIMARY KEY,
    namespace     TEXT COLLATE "C" NOT NULL,
    flow_id       TEXT COLLATE "C" NOT NULL,
    flow_revision BIGINT      NOT NULL,
    commit_sha    TEXT,
    state         TEXT COLLATE "C" NOT NULL,
    history       JSONB       NOT NULL,
    inputs        JSONB       NOT NULL,
    outputs       JSONB       NOT NULL,
    labels        JSONB       NOT NULL,
    variables     JSONB       NOT NULL,
    trigger_info  JSONB,
    parent        JSONB,
    original_id   TEXT,
    created       TIMESTAMPTZ NOT NULL,
    started       TIMESTAMPTZ,
    ended         TIMESTAMPTZ,
    error         TEXT,
    version       BIGINT      NOT NULL
);
-- The status page: a flow's executions newest first; by state; the time window; labels.
CREATE INDEX executions_flow_created ON executions (namespace, flow_id, created DESC, id DESC);
CREATE INDEX executions_state_created ON executions (state, created, id);
CREATE INDEX executions_created ON executions (created DESC, id DESC);
CREATE INDEX executions_labels ON executions USING GIN (labels jsonb_path_ops);

CREATE TABLE task_runs (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    execution_id       TEXT COLLATE "C" NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    task_id            TEXT        NOT NULL,
    parent_task_run_id TEXT,
    iteration_value    TEXT,
    iteration          BIGINT,
    state              TEXT COLLATE "C" NOT NULL,
    history            JSONB       NOT NULL,
    attempts           JSONB       NOT NULL,
    outputs            JSONB       NOT NULL,
    dispatch           TEXT        NOT NULL,
    worker_group       TEXT,
    created            TIMESTAMPTZ NOT NULL,
    ended              TIMESTAMPTZ,
    error              TEXT,
    lease_owner        TEXT,
    lease_expires      TIMESTAMPTZ
);
CREATE INDEX task_runs_execution ON task_runs (execution_id, created);
-- The work queue: only claimable rows, in claim order.
CREATE INDEX task_runs_queue ON task_runs (worker_group, created, id)
    WHERE state = 'CREATED' AND dispatch = 'WORKER';
-- Expired-lease sweeps look at leased rows only.
CREATE INDEX task_runs_leases ON task_runs (lease_expires) WHERE lease_expires IS NOT NULL;

CREATE TABLE logs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    execution_id TEXT COLLATE "C" NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    task_run_id  TEXT,
    task_id      TEXT,
    attempt      INTEGER,
    level        SMALLINT    NOT NULL,
    message      TEXT        NOT NULL,
    timestamp    TIMESTAMPTZ NOT NULL
);
CREATE INDEX logs_execution ON logs (execution_id, id);
CREATE INDEX logs_task_run ON logs (task_run_id, id) WHERE task_run_id IS NOT NULL;

CREATE TABLE kv (
    namespace TEXT COLLATE "C" NOT NULL,
    key       TEXT COLLATE "C" NOT NULL,
    value     JSONB       NOT NULL,
    expires   TIMESTAMPTZ,
    updated   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (namespace, key)
);

CREATE TABLE trigger_ticks (
    trigger_key TEXT COLLATE "C" NOT NULL,
    tick        TIMESTAMPTZ NOT NULL,
    recorded    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (trigger_key, tick)
);
CREATE INDEX trigger_ticks_tick ON trigger_ticks (tick);

CREATE TABLE trigger_states (
    trigger_key TEXT COLLATE "C" PRIMARY KEY,
    state       JSONB       NOT NULL,
    updated     TIMESTAMPTZ NOT NULL
);

CREATE TABLE concurrency_slots (
    execution_id TEXT COLLATE "C" PRIMARY KEY,
    namespace    TEXT COLLATE "C" NOT NULL,
    flow_id      TEXT COLLATE "C" NOT NULL,
    acquired     TIMESTAMPTZ NOT NULL
);
CREATE INDEX concurrency_slots_flow ON concurrency_slots (namespace, flow_id);

CREATE TABLE sync_status (
    repo                    TEXT COLLATE "C" PRIMARY KEY,
    last_applied_revision   TEXT,
    last_attempted_revision TEXT,
    status_condition        TEXT        NOT NULL,
    reason                  TEXT        NOT NULL,
    message                 TEXT        NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL
);

CREATE TABLE flow_sync_status (
    namespace               TEXT COLLATE "C" NOT NULL,
    flow_id                 TEXT COLLATE "C" NOT NULL,
    path                    TEXT        NOT NULL,
    last_applied_revision   TEXT,
    last_attempted_revision TEXT,
    status_condition        TEXT        NOT NULL,
    reason                  TEXT        NOT NULL,
    message                 TEXT        NOT NULL,
    diagnostics             JSONB       NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (namespace, flow_id)
);

CREATE TABLE workers (
    id             TEXT COLLATE "C" PRIMARY KEY,
    host           TEXT        NOT NULL,
    version        TEXT        NOT NULL,
    worker_group   TEXT,
    started        TIMESTAMPTZ NOT NULL,
    last_heartbeat TIMESTAMPTZ NOT NULL,
    running        BIGINT      NOT NULL
);

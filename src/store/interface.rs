//! The `Store` trait: everything the engine, workers, deploy, triggers and the status page read
//! and write. Backends (SQLite, Postgres) implement it; callers hold an `Arc<dyn Store>`.
//!
//! What every backend must guarantee (the suite in `tests/store/` checks it on each):
//! - times are kept at microsecond precision (a value read back is truncated to it);
//! - `apply` is one transaction; the execution write is a compare-and-set on `version`;
//! - a claim never hands a task run to two workers (Postgres: `FOR UPDATE SKIP LOCKED`);
//! - `acquire_slot` and `record_tick` stay exact under concurrent callers (Postgres: a
//!   transaction-scoped advisory lock per flow for slots, a primary key for ticks);
//! - log ids increase in commit order per execution, so `after_id` paging never skips a line
//!   (Postgres: sequence values are not assigned in commit order; serialize log inserts per
//!   execution, or page by a commit-ordered column).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::store::error::StoreResult;
use crate::store::filter::{ExecutionFilter, LogFilter, Page};
use crate::store::model::{
    Execution, FlowRevision, FlowSyncStatus, KvEntry, LogEntry, NewLog, NewRevision, State,
    SyncStatus, TaskRun, WorkerInfo,
};
use crate::store::model::{Lease, TaskRunLease};
use crate::store::notify::{Channel, Subscription};
use crate::store::transition::Transition;

/// The persistence of baton, shared by every component as `Arc<dyn Store>`.
#[async_trait]
pub trait Store: Send + Sync {
    // --- flows -----------------------------------------------------------------------------

    /// Stores a new revision (previous max + 1), unless `source` is identical to the live
    /// revision's, in which case the live revision is returned unchanged.
    async fn deploy_revision(&self, revision: NewRevision) -> StoreResult<FlowRevision>;
    /// The live (latest, not deleted) revision of a flow.
    async fn live_flow(&self, namespace: &str, id: &str) -> StoreResult<Option<FlowRevision>>;
    /// The live revision of every flow, ordered by namespace and id.
    async fn live_flows(&self) -> StoreResult<Vec<FlowRevision>>;
    /// Every revision of a flow, oldest first, tombstones included.
    async fn flow_revisions(&self, namespace: &str, id: &str) -> StoreResult<Vec<FlowRevision>>;
    /// One revision of a flow.
    async fn flow_revision(
        &self,
        namespace: &str,
        id: &str,
        revision: i64,
    ) -> StoreResult<Option<FlowRevision>>;
    /// Removes a live flow by storing a tombstone revision (history is kept); returns the
    /// tombstone, or `None` if the flow was not live.
    async fn delete_flow(
        &self,
        namespace: &str,
        id: &str,
        commit: Option<&str>,
    ) -> StoreResult<Option<FlowRevision>>;

    // --- executions and task runs ----------------------------------------------------------

    /// Inserts a new execution; `StoreError::Conflict` if its id exists.
    async fn create_execution(&self, execution: &Execution) -> StoreResult<()>;
    /// Writes a whole transition in one database transaction (see `Transition`); on
    /// `StoreError::Conflict` nothing of it is written.
    async fn apply(&self, transition: &Transition) -> StoreResult<()>;
    /// One execution.
    async fn execution(&self, id: &str) -> StoreResult<Option<Execution>>;
    /// The task runs of an execution, in creation order.
    async fn task_runs(&self, execution_id: &str) -> StoreResult<Vec<TaskRun>>;
    /// One task run.
    async fn task_run(&self, id: &str) -> StoreResult<Option<TaskRun>>;
    /// Executions matching a filter, newest first.
    async fn search_executions(
        &self,
        filter: &ExecutionFilter,
        page: Page,
    ) -> StoreResult<Vec<Execution>>;
    /// How many executions match a filter.
    async fn count_executions(&self, filter: &ExecutionFilter) -> StoreResult<i64>;
    /// How many executions match a filter, counting no further than `cap` (so the cost is
    /// bounded whatever the store holds): `min(count, cap)`.
    async fn count_executions_capped(&self, filter: &ExecutionFilter, cap: i64)
    -> StoreResult<i64>;
    /// Ids of every non-terminal execution, oldest first (the engine loop, crash recovery).
    async fn executions_to_drive(&self) -> StoreResult<Vec<String>>;
    /// Executions created at or after `since`, counted per state (states with none omitted).
    async fn count_by_state(&self, since: DateTime<Utc>) -> StoreResult<Vec<(State, i64)>>;

    // --- work queue --------------------------------------------------------------------------

    /// Atomically claims up to `limit` `CREATED` task runs with `Dispatch::Worker` in `group`
    /// (`None`: task runs without a group) and no live lease: marks them `RUNNING`, appends a
    /// `RUNNING` history entry and an attempt carrying `worker_id`, and leases them to
    /// `worker_id` for `lease`. No task run is ever handed to two claimers.
    async fn claim_task_runs(
        &self,
        worker_id: &str,
        group: Option<&str>,
        limit: i64,
        lease: Duration,
    ) -> StoreResult<Vec<TaskRun>>;
    /// Extends the leases `worker_id` still holds among `ids` (unexpired); returns those ids.
    async fn renew_leases(
        &self,
        worker_id: &str,
        ids: &[String],
        lease: Duration,
    ) -> StoreResult<Vec<String>>;
    /// Stores a worker's result (state, history, attempts, outputs, ended, error) and drops the
    /// lease, only if `worker_id` still holds an unexpired lease on it; false otherwise.
    async fn complete_task_run(&self, worker_id: &str, task_run: &TaskRun) -> StoreResult<bool>;
    /// Worker task runs still `RUNNING` or `KILLING` whose lease expired before `now`.
    async fn expired_leases(&self, now: DateTime<Utc>) -> StoreResult<Vec<TaskRun>>;
    /// A task run's state and worker lease (`None`: no such task run).
    async fn task_run_lease(&self, id: &str) -> StoreResult<Option<TaskRunLease>>;

    // --- logs --------------------------------------------------------------------------------

    /// Appends log lines in one transaction.
    async fn append_logs(&self, logs: &[NewLog]) -> StoreResult<()>;
    /// Log lines of an execution, oldest first.
    async fn logs(&self, execution_id: &str, filter: &LogFilter) -> StoreResult<Vec<LogEntry>>;

    // --- key-value store ---------------------------------------------------------------------

    /// A key's value, unless missing or expired.
    async fn kv_get(&self, namespace: &str, key: &str) -> StoreResult<Option<Value>>;
    /// Sets a key, expiring after `ttl` if given.
    async fn kv_set(
        &self,
        namespace: &str,
        key: &str,
        value: &Value,
        ttl: Option<Duration>,
    ) -> StoreResult<()>;
    /// Deletes a key; true if it existed (and had not expired).
    async fn kv_delete(&self, namespace: &str, key: &str) -> StoreResult<bool>;
    /// The unexpired keys of a namespace, by key.
    async fn kv_list(&self, namespace: &str) -> StoreResult<Vec<KvEntry>>;

    // --- triggers ----------------------------------------------------------------------------

    /// Records that `trigger_key` fired for `tick`; true only for the first caller, so two
    /// schedulers never both fire the same tick.
    async fn record_tick(&self, trigger_key: &str, tick: DateTime<Utc>) -> StoreResult<bool>;
    /// A trigger's saved state (last evaluation, backfill position...).
    async fn trigger_state_get(&self, trigger_key: &str) -> StoreResult<Option<Value>>;
    /// Saves a trigger's state.
    async fn trigger_state_set(&self, trigger_key: &str, state: &Value) -> StoreResult<()>;

    // --- concurrency slots -------------------------------------------------------------------

    /// Takes one of the flow's `limit` slots for `execution_id`; false if all are taken.
    /// Idempotent: true if the execution already holds one.
    async fn acquire_slot(
        &self,
        namespace: &str,
        flow_id: &str,
        limit: i64,
        execution_id: &str,
    ) -> StoreResult<bool>;
    /// Releases an execution's slot; true if it held one.
    async fn release_slot(&self, execution_id: &str) -> StoreResult<bool>;
    /// How many slots of a flow are taken.
    async fn slot_count(&self, namespace: &str, flow_id: &str) -> StoreResult<i64>;

    // --- sync status -------------------------------------------------------------------------

    /// Replaces a repository's sync status. A `last_applied_commit` of `None` keeps the details
    /// stored for the applied sha (it was applied or attempted before).
    async fn put_sync_status(&self, status: &SyncStatus) -> StoreResult<()>;
    /// A repository's sync status.
    async fn sync_status(&self, repo: &str) -> StoreResult<Option<SyncStatus>>;
    /// Replaces a flow's sync status.
    async fn put_flow_sync_status(&self, status: &FlowSyncStatus) -> StoreResult<()>;
    /// Drops a flow's sync status (its file was removed); true if it existed.
    async fn delete_flow_sync_status(&self, namespace: &str, flow_id: &str) -> StoreResult<bool>;
    /// Every flow's sync status, by namespace and flow id.
    async fn flow_sync_statuses(&self) -> StoreResult<Vec<FlowSyncStatus>>;

    // --- workers -----------------------------------------------------------------------------

    /// Registers (or re-registers) a worker.
    async fn register_worker(&self, worker: &WorkerInfo) -> StoreResult<()>;
    /// Records a heartbeat now; `StoreError::NotFound` if the worker never registered.
    async fn worker_heartbeat(&self, id: &str, running: i64) -> StoreResult<()>;
    /// Every registered worker, by id.
    async fn workers(&self) -> StoreResult<Vec<WorkerInfo>>;

    // --- wake-ups ----------------------------------------------------------------------------

    /// Subscribes to wake-ups on `channel`, published when a write that makes work available
    /// commits (on Postgres, from any process sharing the database). Wake-ups can be lost
    /// (e.g. while Postgres restarts): keep polling as the safety net.
    async fn subscribe(&self, channel: Channel) -> StoreResult<Subscription>;

    // --- leader leases -----------------------------------------------------------------------

    /// Takes or renews the lease `name` for `holder` for `ttl` if it is free, expired or
    /// already `holder`'s; returns its term (which grows on every new tenure), or `None` if
    /// another holder has it.
    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> StoreResult<Option<i64>>;
    /// Gives the lease up if `holder` has it (the term is kept, so the next one grows);
    /// true if it did.
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<bool>;
    /// Who holds the lease now (`None` if free or expired).
    async fn lease_holder(&self, name: &str) -> StoreResult<Option<Lease>>;

    // --- retention ---------------------------------------------------------------------------

    /// Deletes up to `batch` terminal executions that ended before `before`, with their task
    /// runs, logs and slots, and trigger ticks older than `before`; returns how many
    /// executions were deleted (call again until it returns less than `batch`).
    async fn purge_executions_before(&self, before: DateTime<Utc>, batch: i64) -> StoreResult<i64>;
    /// Calls `purge_executions_before` until a batch comes back short (each batch is its own
    /// transaction, so locks stay short); returns how many executions were deleted in all.
    async fn purge_all_before(&self, before: DateTime<Utc>, batch: i64) -> StoreResult<i64> {
        let batch = batch.max(1);
        let mut total = 0;
        loop {
            let deleted = self.purge_executions_before(before, batch).await?;
            total += deleted;
            if deleted < batch {
                return Ok(total);
            }
        }
    }

    // --- health ------------------------------------------------------------------------------

    /// Checks that the database answers (readiness probe).
    async fn ping(&self) -> StoreResult<()>;
}

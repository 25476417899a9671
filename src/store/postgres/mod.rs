//! `PostgresStore`: the Postgres backend of `Store`, for several daemons and workers sharing
//! one database. One file per concern, like the SQLite backend.
//!
//! Times are TIMESTAMPTZ, JSON columns JSONB; the schema is `migrations/postgres/`, embedded
//! and applied at connect under sqlx's advisory lock. Writes that make work available send a
//! `NOTIFY` in their transaction; `subscribe` listens (see `listen`). Pool errors (Postgres
//! down or restarting) surface as `StoreError::Database`: callers retry with backoff.

mod codec;
mod connect;
mod executions;
mod flows;
mod kv;
mod leases;
mod listen;
mod locks;
mod logs;
mod queue;
mod retention;
mod slots;
mod status;
mod task_runs;
mod transition;
mod triggers;
mod workers;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use tokio::sync::OnceCell;

pub use connect::DEFAULT_MAX_CONNECTIONS;

use crate::store::error::StoreResult;
use crate::store::filter::{ExecutionFilter, LogFilter, Page};
use crate::store::interface::Store;
use crate::store::model::{
    Execution, FlowRevision, FlowSyncStatus, KvEntry, Lease, LogEntry, NewLog, NewRevision, State,
    SyncStatus, TaskRun, TaskRunLease, WorkerInfo,
};
use crate::store::notify::{Channel, Hub, Subscription};
use crate::store::transition::Transition;
use listen::{ChannelNames, Listener};

/// The Postgres store: a connection pool, and a wake-up listener started on first `subscribe`.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    names: ChannelNames,
    hub: Hub,
    listener: Arc<OnceCell<Listener>>,
}

impl PostgresStore {
    /// Connects to `postgres://user:password@host:port/database[?options]` with a pool of
    /// `DEFAULT_MAX_CONNECTIONS`, and applies the embedded migrations.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with(connect::options(url)?, DEFAULT_MAX_CONNECTIONS).await
    }

    /// Connects with explicit options (e.g. a `search_path` to keep the tables in a schema
    /// of their own) and pool size, and applies the embedded migrations.
    pub async fn connect_with(
        options: PgConnectOptions,
        max_connections: u32,
    ) -> StoreResult<Self> {
        let pool = connect::connect(options, max_connections).await?;
        let schema = connect::current_schema(&pool).await?;
        Ok(PostgresStore {
            pool,
            names: ChannelNames::new(&schema),
            hub: Hub::default(),
            listener: Arc::new(OnceCell::new()),
        })
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn deploy_revision(&self, revision: NewRevision) -> StoreResult<FlowRevision> {
        flows::deploy_revision(&self.pool, revision).await
    }

    async fn live_flow(&self, namespace: &str, id: &str) -> StoreResult<Option<FlowRevision>> {
        flows::live_flow(&self.pool, namespace, id).await
    }

    async fn live_flows(&self) -> StoreResult<Vec<FlowRevision>> {
        flows::live_flows(&self.pool).await
    }

    async fn flow_revisions(&self, namespace: &str, id: &str) -> StoreResult<Vec<FlowRevision>> {
        flows::flow_revisions(&self.pool, namespace, id).await
    }

    async fn flow_revision(
        &self,
        namespace: &str,
        id: &str,
        revision: i64,
    ) -> StoreResult<Option<FlowRevision>> {
        flows::flow_revision(&self.pool, namespace, id, revision).await
    }

    async fn delete_flow(
        &self,
        namespace: &str,
        id: &str,
        commit: Option<&str>,
    ) -> StoreResult<Option<FlowRevision>> {
        flows::delete_flow(&self.pool, namespace, id, commit).await
    }

    async fn create_execution(&self, execution: &Execution) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        executions::create(&mut tx, execution).await?;
        listen::notify(&mut tx, &self.names, Channel::ExecutionsChanged).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn apply(&self, t: &Transition) -> StoreResult<()> {
        transition::apply(&self.pool, &self.names, t).await
    }

    async fn execution(&self, id: &str) -> StoreResult<Option<Execution>> {
        executions::by_id(&self.pool, id).await
    }

    async fn task_runs(&self, execution_id: &str) -> StoreResult<Vec<TaskRun>> {
        task_runs::of_execution(&self.pool, execution_id).await
    }

    async fn task_run(&self, id: &str) -> StoreResult<Option<TaskRun>> {
        task_runs::by_id(&self.pool, id).await
    }

    async fn search_executions(
        &self,
        filter: &ExecutionFilter,
        page: Page,
    ) -> StoreResult<Vec<Execution>> {
        executions::search(&self.pool, filter, page).await
    }

    async fn count_executions(&self, filter: &ExecutionFilter) -> StoreResult<i64> {
        executions::count(&self.pool, filter).await
    }

    async fn count_executions_capped(
        &self,
        filter: &ExecutionFilter,
        cap: i64,
    ) -> StoreResult<i64> {
        executions::count_capped(&self.pool, filter, cap).await
    }

    async fn executions_to_drive(&self) -> StoreResult<Vec<String>> {
        executions::to_drive(&self.pool).await
    }

    async fn count_by_state(&self, since: DateTime<Utc>) -> StoreResult<Vec<(State, i64)>> {
        executions::count_by_state(&self.pool, since).await
    }

    async fn claim_task_runs(
        &self,
        worker_id: &str,
        group: Option<&str>,
        limit: i64,
        lease: Duration,
    ) -> StoreResult<Vec<TaskRun>> {
        queue::claim(&self.pool, worker_id, group, limit, lease).await
    }

    async fn renew_leases(
        &self,
        worker_id: &str,
        ids: &[String],
        lease: Duration,
    ) -> StoreResult<Vec<String>> {
        queue::renew(&self.pool, worker_id, ids, lease).await
    }

    async fn complete_task_run(&self, worker_id: &str, task_run: &TaskRun) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let completed = queue::complete(&mut tx, worker_id, task_run).await?;
        if completed {
            listen::notify(&mut tx, &self.names, Channel::ExecutionsChanged).await?;
        }
        tx.commit().await?;
        Ok(completed)
    }

    async fn expired_leases(&self, now: DateTime<Utc>) -> StoreResult<Vec<TaskRun>> {
        queue::expired(&self.pool, now).await
    }

    async fn task_run_lease(&self, id: &str) -> StoreResult<Option<TaskRunLease>> {
        queue::lease(&self.pool, id).await
    }

    async fn append_logs(&self, logs: &[NewLog]) -> StoreResult<()> {
        logs::append(&self.pool, logs).await
    }

    async fn logs(&self, execution_id: &str, filter: &LogFilter) -> StoreResult<Vec<LogEntry>> {
        logs::read(&self.pool, execution_id, filter).await
    }

    async fn kv_get(&self, namespace: &str, key: &str) -> StoreResult<Option<Value>> {
        kv::get(&self.pool, namespace, key).await
    }

    async fn kv_set(
        &self,
        namespace: &str,
        key: &str,
        value: &Value,
        ttl: Option<Duration>,
    ) -> StoreResult<()> {
        kv::set(&self.pool, namespace, key, value, ttl).await
    }

    async fn kv_delete(&self, namespace: &str, key: &str) -> StoreResult<bool> {
        kv::delete(&self.pool, namespace, key).await
    }

    async fn kv_list(&self, namespace: &str) -> StoreResult<Vec<KvEntry>> {
        kv::list(&self.pool, namespace).await
    }

    async fn record_tick(&self, trigger_key: &str, tick: DateTime<Utc>) -> StoreResult<bool> {
        triggers::record_tick(&self.pool, trigger_key, tick).await
    }

    async fn trigger_state_get(&self, trigger_key: &str) -> StoreResult<Option<Value>> {
        triggers::state_get(&self.pool, trigger_key).await
    }

    async fn trigger_state_set(&self, trigger_key: &str, state: &Value) -> StoreResult<()> {
        triggers::state_set(&self.pool, trigger_key, state).await
    }

    async fn acquire_slot(
        &self,
        namespace: &str,
        flow_id: &str,
        limit: i64,
        execution_id: &str,
    ) -> StoreResult<bool> {
        slots::acquire(&self.pool, namespace, flow_id, limit, execution_id).await
    }

    async fn release_slot(&self, execution_id: &str) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let released = slots::release(&mut tx, execution_id).await?;
        if released {
            // A freed slot lets the engine start a queued execution.
            listen::notify(&mut tx, &self.names, Channel::ExecutionsChanged).await?;
        }
        tx.commit().await?;
        Ok(released)
    }

    async fn slot_count(&self, namespace: &str, flow_id: &str) -> StoreResult<i64> {
        slots::count(&self.pool, namespace, flow_id).await
    }

    async fn put_sync_status(&self, status: &SyncStatus) -> StoreResult<()> {
        status::put_repo(&self.pool, status).await
    }

    async fn sync_status(&self, repo: &str) -> StoreResult<Option<SyncStatus>> {
        status::repo(&self.pool, repo).await
    }

    async fn put_flow_sync_status(&self, status: &FlowSyncStatus) -> StoreResult<()> {
        status::put_flow(&self.pool, status).await
    }

    async fn delete_flow_sync_status(&self, namespace: &str, flow_id: &str) -> StoreResult<bool> {
        status::delete_flow(&self.pool, namespace, flow_id).await
    }

    async fn flow_sync_statuses(&self) -> StoreResult<Vec<FlowSyncStatus>> {
        status::flows(&self.pool).await
    }

    async fn register_worker(&self, worker: &WorkerInfo) -> StoreResult<()> {
        workers::register(&self.pool, worker).await
    }

    async fn worker_heartbeat(&self, id: &str, running: i64) -> StoreResult<()> {
        workers::heartbeat(&self.pool, id, running).await
    }

    async fn workers(&self) -> StoreResult<Vec<WorkerInfo>> {
        workers::list(&self.pool).await
    }

    async fn subscribe(&self, channel: Channel) -> StoreResult<Subscription> {
        self.listener
            .get_or_try_init(|| listen::start(&self.pool, self.names.clone(), self.hub.clone()))
            .await?;
        Ok(self.hub.subscribe(channel))
    }

    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> StoreResult<Option<i64>> {
        leases::try_acquire(&self.pool, name, holder, ttl).await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<bool> {
        leases::release(&self.pool, name, holder).await
    }

    async fn lease_holder(&self, name: &str) -> StoreResult<Option<Lease>> {
        leases::holder(&self.pool, name).await
    }

    async fn purge_executions_before(&self, before: DateTime<Utc>, batch: i64) -> StoreResult<i64> {
        retention::purge(&self.pool, before, batch).await
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

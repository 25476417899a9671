//! `SqliteStore`: the embedded SQLite backend of `Store`, one file per concern.
//!
//! Times are INTEGER microseconds, JSON columns TEXT; the schema is `migrations/sqlite/`,
//! embedded and applied at open.

mod codec;
mod connect;
mod executions;
mod flows;
mod kv;
mod leases;
mod logs;
mod queue;
mod retention;
mod slots;
mod status;
mod task_runs;
mod transition;
mod triggers;
mod workers;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::SqlitePool;

use crate::store::error::StoreResult;
use crate::store::filter::{ExecutionFilter, LogFilter, Page};
use crate::store::interface::Store;
use crate::store::model::Lease;
use crate::store::model::{
    Execution, FlowRevision, FlowSyncStatus, KvEntry, LogEntry, NewLog, NewRevision, State,
    SyncStatus, TaskRun, TaskRunLease, WorkerInfo,
};
use crate::store::notify::{Channel, Hub, Subscription, wake_ups};
use crate::store::transition::Transition;

/// The SQLite store: a one-connection writer pool and a reader pool over one database.
///
/// Wake-ups are in-process only: another process sharing the file is not woken (it polls).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    hub: Hub,
}

impl SqliteStore {
    /// Opens `sqlite://path` (created if missing; WAL, `synchronous=NORMAL`, foreign keys) or
    /// `sqlite::memory:`, and applies the embedded migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let pools = connect::connect(url).await?;
        Ok(SqliteStore {
            writer: pools.writer,
            reader: pools.reader,
            hub: Hub::default(),
        })
    }

    /// Closes both pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn deploy_revision(&self, revision: NewRevision) -> StoreResult<FlowRevision> {
        flows::deploy_revision(&self.writer, revision).await
    }

    async fn live_flow(&self, namespace: &str, id: &str) -> StoreResult<Option<FlowRevision>> {
        flows::live_flow(&self.reader, namespace, id).await
    }

    async fn live_flows(&self) -> StoreResult<Vec<FlowRevision>> {
        flows::live_flows(&self.reader).await
    }

    async fn flow_revisions(&self, namespace: &str, id: &str) -> StoreResult<Vec<FlowRevision>> {
        flows::flow_revisions(&self.reader, namespace, id).await
    }

    async fn flow_revision(
        &self,
        namespace: &str,
        id: &str,
        revision: i64,
    ) -> StoreResult<Option<FlowRevision>> {
        flows::flow_revision(&self.reader, namespace, id, revision).await
    }

    async fn delete_flow(
        &self,
        namespace: &str,
        id: &str,
        commit: Option<&str>,
    ) -> StoreResult<Option<FlowRevision>> {
        flows::delete_flow(&self.writer, namespace, id, commit).await
    }

    async fn create_execution(&self, execution: &Execution) -> StoreResult<()> {
        executions::create(&self.writer, execution).await?;
        self.hub.publish(Channel::ExecutionsChanged);
        Ok(())
    }

    async fn apply(&self, t: &Transition) -> StoreResult<()> {
        transition::apply(&self.writer, t).await?;
        for channel in wake_ups(t) {
            self.hub.publish(channel);
        }
        Ok(())
    }

    async fn execution(&self, id: &str) -> StoreResult<Option<Execution>> {
        executions::by_id(&self.reader, id).await
    }

    async fn task_runs(&self, execution_id: &str) -> StoreResult<Vec<TaskRun>> {
        task_runs::of_execution(&self.reader, execution_id).await
    }

    async fn task_run(&self, id: &str) -> StoreResult<Option<TaskRun>> {
        task_runs::by_id(&self.reader, id).await
    }

    async fn search_executions(
        &self,
        filter: &ExecutionFilter,
        page: Page,
    ) -> StoreResult<Vec<Execution>> {
        executions::search(&self.reader, filter, page).await
    }

    async fn count_executions(&self, filter: &ExecutionFilter) -> StoreResult<i64> {
        executions::count(&self.reader, filter).await
    }

    async fn count_executions_capped(
        &self,
        filter: &ExecutionFilter,
        cap: i64,
    ) -> StoreResult<i64> {
        executions::count_capped(&self.reader, filter, cap).await
    }

    async fn executions_to_drive(&self) -> StoreResult<Vec<String>> {
        executions::to_drive(&self.reader).await
    }

    async fn count_by_state(&self, since: DateTime<Utc>) -> StoreResult<Vec<(State, i64)>> {
        executions::count_by_state(&self.reader, since).await
    }

    async fn claim_task_runs(
        &self,
        worker_id: &str,
        group: Option<&str>,
        limit: i64,
        lease: Duration,
    ) -> StoreResult<Vec<TaskRun>> {
        queue::claim(&self.writer, worker_id, group, limit, lease).await
    }

    async fn renew_leases(
        &self,
        worker_id: &str,
        ids: &[String],
        lease: Duration,
    ) -> StoreResult<Vec<String>> {
        queue::renew(&self.writer, worker_id, ids, lease).await
    }

    async fn complete_task_run(&self, worker_id: &str, task_run: &TaskRun) -> StoreResult<bool> {
        let completed = queue::complete(&self.writer, worker_id, task_run).await?;
        if completed {
            self.hub.publish(Channel::ExecutionsChanged);
        }
        Ok(completed)
    }

    async fn expired_leases(&self, now: DateTime<Utc>) -> StoreResult<Vec<TaskRun>> {
        queue::expired(&self.reader, now).await
    }

    async fn task_run_lease(&self, id: &str) -> StoreResult<Option<TaskRunLease>> {
        queue::lease(&self.reader, id).await
    }

    async fn append_logs(&self, logs: &[NewLog]) -> StoreResult<()> {
        logs::append(&self.writer, logs).await
    }

    async fn logs(&self, execution_id: &str, filter: &LogFilter) -> StoreResult<Vec<LogEntry>> {
        logs::read(&self.reader, execution_id, filter).await
    }

    async fn kv_get(&self, namespace: &str, key: &str) -> StoreResult<Option<Value>> {
        kv::get(&self.reader, namespace, key).await
    }

    async fn kv_set(
        &self,
        namespace: &str,
        key: &str,
        value: &Value,
        ttl: Option<Duration>,
    ) -> StoreResult<()> {
        kv::set(&self.writer, namespace, key, value, ttl).await
    }

    async fn kv_delete(&self, namespace: &str, key: &str) -> StoreResult<bool> {
        kv::delete(&self.writer, namespace, key).await
    }

    async fn kv_list(&self, namespace: &str) -> StoreResult<Vec<KvEntry>> {
        kv::list(&self.reader, namespace).await
    }

    async fn record_tick(&self, trigger_key: &str, tick: DateTime<Utc>) -> StoreResult<bool> {
        triggers::record_tick(&self.writer, trigger_key, tick).await
    }

    async fn trigger_state_get(&self, trigger_key: &str) -> StoreResult<Option<Value>> {
        triggers::state_get(&self.reader, trigger_key).await
    }

    async fn trigger_state_set(&self, trigger_key: &str, state: &Value) -> StoreResult<()> {
        triggers::state_set(&self.writer, trigger_key, state).await
    }

    async fn acquire_slot(
        &self,
        namespace: &str,
        flow_id: &str,
        limit: i64,
        execution_id: &str,
    ) -> StoreResult<bool> {
        slots::acquire(&self.writer, namespace, flow_id, limit, execution_id).await
    }

    async fn release_slot(&self, execution_id: &str) -> StoreResult<bool> {
        let mut conn = self.writer.acquire().await?;
        let released = slots::release(&mut conn, execution_id).await?;
        if released {
            self.hub.publish(Channel::ExecutionsChanged);
        }
        Ok(released)
    }

    async fn slot_count(&self, namespace: &str, flow_id: &str) -> StoreResult<i64> {
        slots::count(&self.reader, namespace, flow_id).await
    }

    async fn put_sync_status(&self, status: &SyncStatus) -> StoreResult<()> {
        status::put_repo(&self.writer, status).await
    }

    async fn sync_status(&self, repo: &str) -> StoreResult<Option<SyncStatus>> {
        status::repo(&self.reader, repo).await
    }

    async fn put_flow_sync_status(&self, status: &FlowSyncStatus) -> StoreResult<()> {
        status::put_flow(&self.writer, status).await
    }

    async fn delete_flow_sync_status(&self, namespace: &str, flow_id: &str) -> StoreResult<bool> {
        status::delete_flow(&self.writer, namespace, flow_id).await
    }

    async fn flow_sync_statuses(&self) -> StoreResult<Vec<FlowSyncStatus>> {
        status::flows(&self.reader).await
    }

    async fn register_worker(&self, worker: &WorkerInfo) -> StoreResult<()> {
        workers::register(&self.writer, worker).await
    }

    async fn worker_heartbeat(&self, id: &str, running: i64) -> StoreResult<()> {
        workers::heartbeat(&self.writer, id, running).await
    }

    async fn workers(&self) -> StoreResult<Vec<WorkerInfo>> {
        workers::list(&self.reader).await
    }

    async fn subscribe(&self, channel: Channel) -> StoreResult<Subscription> {
        Ok(self.hub.subscribe(channel))
    }

    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> StoreResult<Option<i64>> {
        leases::try_acquire(&self.writer, name, holder, ttl).await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<bool> {
        leases::release(&self.writer, name, holder).await
    }

    async fn lease_holder(&self, name: &str) -> StoreResult<Option<Lease>> {
        leases::holder(&self.reader, name).await
    }

    async fn purge_executions_before(&self, before: DateTime<Utc>, batch: i64) -> StoreResult<i64> {
        retention::purge(&self.writer, before, batch).await
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.writer).await?;
        Ok(())
    }
}

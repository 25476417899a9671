//! Rows back as model values, written once for both backends.
//!
//! The backends store the same columns with different codecs (SQLite: JSON as TEXT, times as
//! INTEGER microseconds; Postgres: JSONB, TIMESTAMPTZ). Each backend implements `Columns` for
//! its row type with its own codecs (in its `codec.rs`); the decoders here say which column
//! goes to which field, so a new column is mapped in one place.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use crate::store::error::{StoreError, StoreResult};
use crate::store::model::{
    Dispatch, Execution, FlowRevision, FlowSyncStatus, KvEntry, Lease, Level, LogEntry, State,
    SyncStatus, TaskRun, TaskRunLease, WorkerInfo, WorkerLease,
};

/// One result row, read column by column with the backend's codecs. Methods that can find a
/// stored value malformed take the table, so that the error names table and column.
pub(crate) trait Columns {
    /// A TEXT column.
    fn text(&self, column: &'static str) -> StoreResult<String>;
    /// A nullable TEXT column.
    fn text_opt(&self, column: &'static str) -> StoreResult<Option<String>>;
    /// A 64-bit integer column.
    fn int(&self, column: &'static str) -> StoreResult<i64>;
    /// A nullable 64-bit integer column.
    fn int_opt(&self, column: &'static str) -> StoreResult<Option<i64>>;
    /// A nullable 32-bit integer column.
    fn int32_opt(&self, column: &'static str) -> StoreResult<Option<i32>>;
    /// A small integer column (an enum's number), widened.
    fn small_int(&self, column: &'static str) -> StoreResult<i64>;
    /// A boolean column.
    fn flag(&self, column: &'static str) -> StoreResult<bool>;
    /// A JSON column back as a value.
    fn json<T: DeserializeOwned>(
        &self,
        table: &'static str,
        column: &'static str,
    ) -> StoreResult<T>;
    /// A nullable JSON column back as a value.
    fn json_opt<T: DeserializeOwned>(
        &self,
        table: &'static str,
        column: &'static str,
    ) -> StoreResult<Option<T>>;
    /// A time column.
    fn time(&self, table: &'static str, column: &'static str) -> StoreResult<DateTime<Utc>>;
    /// A nullable time column.
    fn time_opt(
        &self,
        table: &'static str,
        column: &'static str,
    ) -> StoreResult<Option<DateTime<Utc>>>;

    /// The `state` column, stored as the state's upper-case name.
    fn state(&self, table: &'static str) -> StoreResult<State> {
        let text = self.text("state")?;
        parse_state(table, &text)
    }
}

/// A stored state name back as a `State`.
pub(crate) fn parse_state(table: &'static str, text: &str) -> StoreResult<State> {
    text.parse()
        .map_err(|e: crate::store::model::UnknownState| StoreError::Corrupt {
            table,
            column: "state",
            detail: e.to_string(),
        })
}

/// An `executions` row.
pub(crate) fn execution<R: Columns>(row: &R) -> StoreResult<Execution> {
    const T: &str = "executions";
    Ok(Execution {
        id: row.text("id")?,
        namespace: row.text("namespace")?,
        flow_id: row.text("flow_id")?,
        flow_revision: row.int("flow_revision")?,
        commit: row.text_opt("commit_sha")?,
        state: row.state(T)?,
        history: row.json(T, "history")?,
        inputs: row.json(T, "inputs")?,
        outputs: row.json(T, "outputs")?,
        labels: row.json(T, "labels")?,
        variables: row.json(T, "variables")?,
        trigger: row.json_opt(T, "trigger_info")?,
        parent: row.json_opt(T, "parent")?,
        original_id: row.text_opt("original_id")?,
        created: row.time(T, "created")?,
        started: row.time_opt(T, "started")?,
        ended: row.time_opt(T, "ended")?,
        error: row.text_opt("error")?,
        version: row.int("version")?,
    })
}

/// A `task_runs` row.
pub(crate) fn task_run<R: Columns>(row: &R) -> StoreResult<TaskRun> {
    const T: &str = "task_runs";
    let dispatch = row.text("dispatch")?;
    Ok(TaskRun {
        id: row.text("id")?,
        execution_id: row.text("execution_id")?,
        task_id: row.text("task_id")?,
        parent_task_run_id: row.text_opt("parent_task_run_id")?,
        value: row.text_opt("iteration_value")?,
        iteration: row.int_opt("iteration")?,
        state: row.state(T)?,
        history: row.json(T, "history")?,
        attempts: row.json(T, "attempts")?,
        outputs: row.json(T, "outputs")?,
        dispatch: Dispatch::parse(&dispatch).ok_or_else(|| StoreError::Corrupt {
            table: T,
            column: "dispatch",
            detail: format!("unknown dispatch `{dispatch}`"),
        })?,
        worker_group: row.text_opt("worker_group")?,
        created: row.time(T, "created")?,
        ended: row.time_opt(T, "ended")?,
        error: row.text_opt("error")?,
        payload: row.json_opt(T, "payload")?,
    })
}

/// A `flow_revisions` row.
pub(crate) fn flow_revision<R: Columns>(row: &R) -> StoreResult<FlowRevision> {
    Ok(FlowRevision {
        namespace: row.text("namespace")?,
        id: row.text("flow_id")?,
        revision: row.int("revision")?,
        source: row.text("source")?,
        commit: row.text_opt("commit_sha")?,
        path: row.text_opt("path")?,
        author: row.text_opt("author")?,
        deployed_at: row.time("flow_revisions", "deployed_at")?,
        deleted: row.flag("deleted")?,
    })
}

/// A `logs` row.
pub(crate) fn log_entry<R: Columns>(row: &R) -> StoreResult<LogEntry> {
    const T: &str = "logs";
    let severity = row.small_int("level")?;
    Ok(LogEntry {
        id: row.int("id")?,
        execution_id: row.text("execution_id")?,
        task_run_id: row.text_opt("task_run_id")?,
        task_id: row.text_opt("task_id")?,
        attempt: row.int32_opt("attempt")?,
        level: Level::from_severity(severity).ok_or_else(|| StoreError::Corrupt {
            table: T,
            column: "level",
            detail: format!("unknown severity {severity}"),
        })?,
        message: row.text("message")?,
        timestamp: row.time(T, "timestamp")?,
    })
}

/// A `sync_status` row.
pub(crate) fn sync_status<R: Columns>(row: &R) -> StoreResult<SyncStatus> {
    const T: &str = "sync_status";
    Ok(SyncStatus {
        repo: row.text("repo")?,
        last_applied_revision: row.text_opt("last_applied_revision")?,
        last_attempted_revision: row.text_opt("last_attempted_revision")?,
        condition: row.text("status_condition")?,
        reason: row.text("reason")?,
        message: row.text("message")?,
        updated_at: row.time(T, "updated_at")?,
        last_applied_commit: row.json_opt(T, "applied_commit")?,
        last_attempted_commit: row.json_opt(T, "attempted_commit")?,
    })
}

/// A `flow_sync_status` row.
pub(crate) fn flow_sync_status<R: Columns>(row: &R) -> StoreResult<FlowSyncStatus> {
    const T: &str = "flow_sync_status";
    Ok(FlowSyncStatus {
        namespace: row.text("namespace")?,
        flow_id: row.text("flow_id")?,
        path: row.text("path")?,
        last_applied_revision: row.text_opt("last_applied_revision")?,
        last_attempted_revision: row.text_opt("last_attempted_revision")?,
        condition: row.text("status_condition")?,
        reason: row.text("reason")?,
        message: row.text("message")?,
        diagnostics: row.json(T, "diagnostics")?,
        updated_at: row.time(T, "updated_at")?,
    })
}

/// A `workers` row.
pub(crate) fn worker<R: Columns>(row: &R) -> StoreResult<WorkerInfo> {
    const T: &str = "workers";
    Ok(WorkerInfo {
        id: row.text("id")?,
        host: row.text("host")?,
        version: row.text("version")?,
        group: row.text_opt("worker_group")?,
        started: row.time(T, "started")?,
        last_heartbeat: row.time(T, "last_heartbeat")?,
        running: row.int("running")?,
    })
}

/// A `kv` row (`key`, `value`, `expires`, `updated`).
pub(crate) fn kv_entry<R: Columns>(row: &R) -> StoreResult<KvEntry> {
    const T: &str = "kv";
    Ok(KvEntry {
        key: row.text("key")?,
        value: row.json(T, "value")?,
        expires: row.time_opt(T, "expires")?,
        updated: row.time(T, "updated")?,
    })
}

/// A `leader_leases` row.
pub(crate) fn lease<R: Columns>(row: &R) -> StoreResult<Lease> {
    Ok(Lease {
        name: row.text("name")?,
        holder: row.text("holder")?,
        term: row.int("term")?,
        expires: row.time("leader_leases", "expires")?,
    })
}

/// A task run's state and worker lease, from `SELECT state, lease_owner, lease_expires`.
pub(crate) fn task_run_lease<R: Columns>(row: &R) -> StoreResult<TaskRunLease> {
    const T: &str = "task_runs";
    let owner = row.text_opt("lease_owner")?;
    let expires = row.time_opt(T, "lease_expires")?;
    Ok(TaskRunLease {
        state: row.state(T)?,
        holder: owner
            .zip(expires)
            .map(|(worker_id, expires)| WorkerLease { worker_id, expires }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_states_are_corrupt_rows() {
        assert_eq!(
            parse_state("task_runs", "KILLED").expect("known"),
            State::Killed
        );
        assert!(matches!(
            parse_state("task_runs", "DONE"),
            Err(StoreError::Corrupt {
                table: "task_runs",
                column: "state",
                ..
            })
        ));
    }
}

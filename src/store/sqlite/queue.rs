//! The work queue in SQLite: claiming worker task runs under a lease, renewing, completing,
//! finding expired leases.
//!
//! SQLite serializes writers, so one `UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING`
//! is an atomic claim. (Postgres does the same with `FOR UPDATE SKIP LOCKED` in the subquery.)

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::codec::{micros, micros_after, micros_opt, now, state_list, to_json};
use super::task_runs::COLUMNS;
use crate::store::error::StoreResult;
use crate::store::model::{Attempt, State, StateChange, TaskRun, TaskRunLease};
use crate::store::rows;

/// Claims up to `limit` queued worker task runs of `group` for `worker_id`.
pub(super) async fn claim(
    writer: &SqlitePool,
    worker_id: &str,
    group: Option<&str>,
    limit: i64,
    lease: Duration,
) -> StoreResult<Vec<TaskRun>> {
    let now = now();
    let change = to_json(&StateChange {
        state: State::Running,
        date: now,
    })?;
    let attempt = to_json(&Attempt {
        state: State::Running,
        started: now,
        ended: None,
        message: None,
        worker_id: Some(worker_id.to_string()),
    })?;
    let sql = format!(
        "UPDATE task_runs SET state = 'RUNNING', \
         history = json_insert(history, '$[#]', json(?)), \
         attempts = json_insert(attempts, '$[#]', json(?)), \
         lease_owner = ?, lease_expires = ? \
         WHERE id IN (SELECT id FROM task_runs \
             WHERE state = 'CREATED' AND dispatch = 'WORKER' AND worker_group IS ? \
             AND (lease_expires IS NULL OR lease_expires < ?) \
             ORDER BY created, id LIMIT ?) \
         RETURNING {COLUMNS}"
    );
    let rows = sqlx::query(&sql)
        .bind(change)
        .bind(attempt)
        .bind(worker_id)
        .bind(micros_after(now, lease))
        .bind(group)
        .bind(micros(now))
        .bind(limit.max(0))
        .fetch_all(writer)
        .await?;
    let mut claimed = rows
        .iter()
        .map(rows::task_run)
        .collect::<StoreResult<Vec<_>>>()?;
    // RETURNING has no defined order.
    claimed.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
    Ok(claimed)
}

/// Extends the unexpired leases `worker_id` holds among `ids`; returns the renewed ids.
pub(super) async fn renew(
    writer: &SqlitePool,
    worker_id: &str,
    ids: &[String],
    lease: Duration,
) -> StoreResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let now = now();
    let mut query = QueryBuilder::<Sqlite>::new("UPDATE task_runs SET lease_expires = ");
    query.push_bind(micros_after(now, lease));
    query.push(" WHERE lease_owner = ").push_bind(worker_id);
    query.push(" AND lease_expires >= ").push_bind(micros(now));
    query.push(" AND id IN (");
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id.as_str());
    }
    query.push(") RETURNING id");
    Ok(query.build_query_scalar().fetch_all(writer).await?)
}

/// Stores a worker's result if it still holds an unexpired lease; false otherwise.
pub(super) async fn complete(
    writer: &SqlitePool,
    worker_id: &str,
    run: &TaskRun,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE task_runs SET state = ?, history = ?, attempts = ?, outputs = ?, ended = ?, \
         error = ?, lease_owner = NULL, lease_expires = NULL \
         WHERE id = ? AND lease_owner = ? AND lease_expires >= ?",
    )
    .bind(run.state.as_str())
    .bind(to_json(&run.history)?)
    .bind(to_json(&run.attempts)?)
    .bind(to_json(&run.outputs)?)
    .bind(micros_opt(run.ended))
    .bind(run.error.as_deref())
    .bind(run.id.as_str())
    .bind(worker_id)
    .bind(micros(now()))
    .execute(writer)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Worker task runs in progress whose lease expired before `now`.
pub(super) async fn expired(reader: &SqlitePool, now: DateTime<Utc>) -> StoreResult<Vec<TaskRun>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM task_runs \
         WHERE state IN ({}) AND dispatch = 'WORKER' AND lease_expires < ? \
         ORDER BY lease_expires, id",
        state_list([State::Running, State::Killing])
    );
    let rows = sqlx::query(&sql)
        .bind(micros(now))
        .fetch_all(reader)
        .await?;
    rows.iter().map(rows::task_run).collect()
}

/// A task run's state and lease; `None` if there is no such task run.
pub(super) async fn lease(reader: &SqlitePool, id: &str) -> StoreResult<Option<TaskRunLease>> {
    let row = sqlx::query("SELECT state, lease_owner, lease_expires FROM task_runs WHERE id = ?")
        .bind(id)
        .fetch_optional(reader)
        .await?;
    row.as_ref().map(rows::task_run_lease).transpose()
}

//! The work queue in Postgres: claiming worker task runs under a lease with
//! `FOR UPDATE SKIP LOCKED`, renewing, completing, finding expired leases.
//!
//! Concurrent claimers each lock a disjoint set of claimable rows (a row another claimer has
//! locked is skipped, not waited for), so no task run is handed out twice and claimers do not
//! queue behind each other. The rows are picked in a CTE: Postgres never inlines a CTE with
//! `FOR UPDATE`, so the pick runs exactly once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::codec::{after, now, state_names, to_json};
use super::task_runs::COLUMNS;
use crate::store::error::StoreResult;
use crate::store::model::{Attempt, State, StateChange, TaskRun, TaskRunLease};
use crate::store::rows;

/// Claims up to `limit` queued worker task runs of `group` for `worker_id`.
pub(super) async fn claim(
    pool: &PgPool,
    worker_id: &str,
    group: Option<&str>,
    limit: i64,
    lease: Duration,
) -> StoreResult<Vec<TaskRun>> {
    let now = now();
    let change = to_json(&[StateChange {
        state: State::Running,
        date: now,
    }])?;
    let attempt = to_json(&[Attempt {
        state: State::Running,
        started: now,
        ended: None,
        message: None,
        worker_id: Some(worker_id.to_string()),
    }])?;
    let returning: String = COLUMNS
        .split(", ")
        .map(|c| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "WITH picked AS ( \
             SELECT id FROM task_runs \
             WHERE state = 'CREATED' AND dispatch = 'WORKER' \
             AND worker_group IS NOT DISTINCT FROM $1 \
             AND (lease_expires IS NULL OR lease_expires < $2) \
             ORDER BY created, id LIMIT $3 \
             FOR UPDATE SKIP LOCKED) \
         UPDATE task_runs t SET state = 'RUNNING', history = t.history || $4, \
             attempts = t.attempts || $5, lease_owner = $6, lease_expires = $7 \
         FROM picked WHERE t.id = picked.id \
         RETURNING {returning}"
    );
    let rows = sqlx::query(&sql)
        .bind(group)
        .bind(now)
        .bind(limit.max(0))
        .bind(change)
        .bind(attempt)
        .bind(worker_id)
        .bind(after(now, lease))
        .fetch_all(pool)
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
    pool: &PgPool,
    worker_id: &str,
    ids: &[String],
    lease: Duration,
) -> StoreResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let now = now();
    let mut renewed: Vec<String> = sqlx::query_scalar(
        "UPDATE task_runs SET lease_expires = $1 \
         WHERE lease_owner = $2 AND lease_expires >= $3 AND id = ANY($4) RETURNING id",
    )
    .bind(after(now, lease))
    .bind(worker_id)
    .bind(now)
    .bind(ids)
    .fetch_all(pool)
    .await?;
    // In the caller's order, like the ids it passed.
    renewed.sort_by_key(|id| ids.iter().position(|i| i == id));
    Ok(renewed)
}

/// Stores a worker's result if it still holds an unexpired lease; false otherwise.
pub(super) async fn complete(
    conn: &mut sqlx::PgConnection,
    worker_id: &str,
    run: &TaskRun,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE task_runs SET state = $1, history = $2, attempts = $3, outputs = $4, \
         ended = $5, error = $6, lease_owner = NULL, lease_expires = NULL \
         WHERE id = $7 AND lease_owner = $8 AND lease_expires >= $9",
    )
    .bind(run.state.as_str())
    .bind(to_json(&run.history)?)
    .bind(to_json(&run.attempts)?)
    .bind(&run.outputs)
    .bind(run.ended)
    .bind(run.error.as_deref())
    .bind(run.id.as_str())
    .bind(worker_id)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Worker task runs in progress whose lease expired before `now`.
pub(super) async fn expired(pool: &PgPool, now: DateTime<Utc>) -> StoreResult<Vec<TaskRun>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM task_runs \
         WHERE state = ANY($1) AND dispatch = 'WORKER' AND lease_expires < $2 \
         ORDER BY lease_expires, id"
    );
    let rows = sqlx::query(&sql)
        .bind(state_names([State::Running, State::Killing]))
        .bind(now)
        .fetch_all(pool)
        .await?;
    rows.iter().map(rows::task_run).collect()
}

/// A task run's state and lease; `None` if there is no such task run.
pub(super) async fn lease(pool: &PgPool, id: &str) -> StoreResult<Option<TaskRunLease>> {
    let row = sqlx::query("SELECT state, lease_owner, lease_expires FROM task_runs WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(rows::task_run_lease).transpose()
}

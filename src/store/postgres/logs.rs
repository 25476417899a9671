//! Log lines in Postgres: one `INSERT ... SELECT FROM UNNEST` per call, filtered and
//! cursor-paged reads.
//!
//! Identity values are not handed out in commit order, so a reader paging with `after_id`
//! could skip a line committed late with a lower id. Inserts therefore take a per-execution
//! advisory lock held to commit: within an execution, ids become visible in order.

use std::collections::BTreeSet;

use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::codec::without_nul;
use super::locks::{LockClass, lock};
use crate::store::error::StoreResult;
use crate::store::filter::LogFilter;
use crate::store::model::{LogEntry, NewLog};
use crate::store::rows;

/// Takes the log locks of the executions `logs` belong to, until the transaction ends.
/// Idempotent within a transaction; `apply` calls it first thing, so that a transaction
/// creating an execution never waits for a log lock while holding the new row (which a
/// concurrent log insert's foreign-key check would be waiting for).
pub(super) async fn lock_executions(conn: &mut PgConnection, logs: &[NewLog]) -> StoreResult<()> {
    // Sorted, so two transactions lock shared executions in the same order (no deadlock).
    let executions: BTreeSet<&str> = logs.iter().map(|l| l.execution_id.as_str()).collect();
    for execution_id in executions {
        lock(&mut *conn, LockClass::Logs, execution_id, "").await?;
    }
    Ok(())
}

/// Inserts log lines in one statement, whatever their number.
pub(super) async fn insert(conn: &mut PgConnection, logs: &[NewLog]) -> StoreResult<()> {
    if logs.is_empty() {
        return Ok(());
    }
    lock_executions(&mut *conn, logs).await?;
    let mut columns = Columns::default();
    for log in logs {
        columns.push(log);
    }
    sqlx::query(
        "INSERT INTO logs (execution_id, task_run_id, task_id, attempt, level, message, \
         timestamp) \
         SELECT execution_id, task_run_id, task_id, attempt, level, message, timestamp \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int4[], $5::int2[], $6::text[], \
                     $7::timestamptz[]) WITH ORDINALITY \
              AS l (execution_id, task_run_id, task_id, attempt, level, message, timestamp, n) \
         ORDER BY n",
    )
    .bind(columns.execution_id)
    .bind(columns.task_run_id)
    .bind(columns.task_id)
    .bind(columns.attempt)
    .bind(columns.level)
    .bind(columns.message)
    .bind(columns.timestamp)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Log lines as one array per column, for `UNNEST`.
#[derive(Default)]
struct Columns {
    execution_id: Vec<String>,
    task_run_id: Vec<Option<String>>,
    task_id: Vec<Option<String>>,
    attempt: Vec<Option<i32>>,
    level: Vec<i16>,
    message: Vec<String>,
    timestamp: Vec<chrono::DateTime<chrono::Utc>>,
}

impl Columns {
    fn push(&mut self, log: &NewLog) {
        self.execution_id.push(log.execution_id.clone());
        self.task_run_id.push(log.task_run_id.clone());
        self.task_id.push(log.task_id.clone());
        self.attempt.push(log.attempt);
        // Severity is 0..=4.
        self.level.push(log.level.severity() as i16);
        self.message.push(without_nul(&log.message).into_owned());
        self.timestamp.push(log.timestamp);
    }
}

/// Appends log lines in one transaction.
pub(super) async fn append(pool: &PgPool, logs: &[NewLog]) -> StoreResult<()> {
    if logs.is_empty() {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    insert(&mut tx, logs).await?;
    tx.commit().await?;
    Ok(())
}

/// Log lines of an execution, oldest first.
pub(super) async fn read(
    pool: &PgPool,
    execution_id: &str,
    filter: &LogFilter,
) -> StoreResult<Vec<LogEntry>> {
    let mut query = QueryBuilder::<Postgres>::new(
        "SELECT id, execution_id, task_run_id, task_id, attempt, level, message, timestamp \
         FROM logs WHERE execution_id = ",
    );
    query.push_bind(execution_id);
    if let Some(task_run_id) = &filter.task_run_id {
        query
            .push(" AND task_run_id = ")
            .push_bind(task_run_id.as_str());
    }
    if let Some(task_id) = &filter.task_id {
        query.push(" AND task_id = ").push_bind(task_id.as_str());
    }
    if let Some(level) = filter.min_level {
        query
            .push(" AND level >= ")
            .push_bind(level.severity() as i16);
    }
    if let Some(after) = filter.after_id {
        query.push(" AND id > ").push_bind(after);
    }
    query.push(" ORDER BY id");
    if let Some(limit) = filter.limit {
        query.push(" LIMIT ").push_bind(limit.max(0));
    }
    let rows = query.build().fetch_all(pool).await?;
    rows.iter().map(rows::log_entry).collect()
}

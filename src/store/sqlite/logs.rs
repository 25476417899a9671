//! Log lines in SQLite: batched inserts and filtered, cursor-paged reads.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::codec::micros;
use crate::store::error::StoreResult;
use crate::store::filter::LogFilter;
use crate::store::model::{LogEntry, NewLog};
use crate::store::rows;

/// 7 parameters a row.
const ROWS_PER_STATEMENT: usize = 500;

/// Inserts log lines, one statement per 500 rows.
pub(super) async fn insert(conn: &mut SqliteConnection, logs: &[NewLog]) -> StoreResult<()> {
    for chunk in logs.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO logs (execution_id, task_run_id, task_id, attempt, level, message, \
             timestamp) ",
        );
        query.push_values(chunk, |mut row, log| {
            row.push_bind(log.execution_id.as_str())
                .push_bind(log.task_run_id.as_deref())
                .push_bind(log.task_id.as_deref())
                .push_bind(log.attempt)
                .push_bind(log.level.severity())
                .push_bind(log.message.as_str())
                .push_bind(micros(log.timestamp));
        });
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Appends log lines in one transaction.
pub(super) async fn append(writer: &SqlitePool, logs: &[NewLog]) -> StoreResult<()> {
    if logs.is_empty() {
        return Ok(());
    }
    let mut tx = writer.begin().await?;
    insert(&mut tx, logs).await?;
    tx.commit().await?;
    Ok(())
}

/// Log lines of an execution, oldest first.
pub(super) async fn read(
    reader: &SqlitePool,
    execution_id: &str,
    filter: &LogFilter,
) -> StoreResult<Vec<LogEntry>> {
    let mut query = QueryBuilder::<Sqlite>::new(
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
        query.push(" AND level >= ").push_bind(level.severity());
    }
    if let Some(after) = filter.after_id {
        query.push(" AND id > ").push_bind(after);
    }
    query.push(" ORDER BY id");
    if let Some(limit) = filter.limit {
        query.push(" LIMIT ").push_bind(limit.max(0));
    }
    let rows = query.build().fetch_all(reader).await?;
    rows.iter().map(rows::log_entry).collect()
}

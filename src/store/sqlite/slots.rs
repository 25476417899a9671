//! Flow concurrency slots in SQLite: count-and-insert in one write transaction.

use sqlx::{SqliteConnection, SqlitePool};

use super::codec::{micros, now};
use crate::store::error::StoreResult;

/// Takes a slot if fewer than `limit` are taken; idempotent per execution.
pub(super) async fn acquire(
    writer: &SqlitePool,
    namespace: &str,
    flow_id: &str,
    limit: i64,
    execution_id: &str,
) -> StoreResult<bool> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    let held: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM concurrency_slots WHERE execution_id = ?")
            .bind(execution_id)
            .fetch_optional(&mut *tx)
            .await?;
    if held.is_some() {
        return Ok(true);
    }
    let taken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM concurrency_slots WHERE namespace = ? AND flow_id = ?",
    )
    .bind(namespace)
    .bind(flow_id)
    .fetch_one(&mut *tx)
    .await?;
    if taken >= limit {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO concurrency_slots (execution_id, namespace, flow_id, acquired) \
         VALUES (?, ?, ?, ?)",
    )
    .bind(execution_id)
    .bind(namespace)
    .bind(flow_id)
    .bind(micros(now()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Releases an execution's slot; true if it held one.
pub(super) async fn release(conn: &mut SqliteConnection, execution_id: &str) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM concurrency_slots WHERE execution_id = ?")
        .bind(execution_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// How many slots of a flow are taken.
pub(super) async fn count(reader: &SqlitePool, namespace: &str, flow_id: &str) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM concurrency_slots WHERE namespace = ? AND flow_id = ?",
    )
    .bind(namespace)
    .bind(flow_id)
    .fetch_one(reader)
    .await?)
}

//! Flow concurrency slots in Postgres: count-and-insert under a per-flow advisory lock, so two
//! daemons can never both take a flow's last slot.

use sqlx::{PgConnection, PgPool};

use super::codec::now;
use super::locks::{LockClass, lock};
use crate::store::error::StoreResult;

/// Takes a slot if fewer than `limit` are taken; idempotent per execution.
pub(super) async fn acquire(
    pool: &PgPool,
    namespace: &str,
    flow_id: &str,
    limit: i64,
    execution_id: &str,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
    lock(&mut tx, LockClass::Slots, namespace, flow_id).await?;
    let held: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM concurrency_slots WHERE execution_id = $1")
            .bind(execution_id)
            .fetch_optional(&mut *tx)
            .await?;
    if held.is_some() {
        return Ok(true);
    }
    let taken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM concurrency_slots WHERE namespace = $1 AND flow_id = $2",
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
         VALUES ($1, $2, $3, $4)",
    )
    .bind(execution_id)
    .bind(namespace)
    .bind(flow_id)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Releases an execution's slot; true if it held one.
pub(super) async fn release(conn: &mut PgConnection, execution_id: &str) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM concurrency_slots WHERE execution_id = $1")
        .bind(execution_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// How many slots of a flow are taken.
pub(super) async fn count(pool: &PgPool, namespace: &str, flow_id: &str) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM concurrency_slots WHERE namespace = $1 AND flow_id = $2",
    )
    .bind(namespace)
    .bind(flow_id)
    .fetch_one(pool)
    .await?)
}

//! Retention in Postgres: purging old terminal executions (task runs and logs cascade), old
//! trigger ticks and expired keys, one batch per call and per transaction.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::codec::{now, state_names};
use crate::store::error::StoreResult;
use crate::store::model::ALL_STATES;

/// Deletes up to `batch` terminal executions that ended before `before`; returns how many.
pub(super) async fn purge(pool: &PgPool, before: DateTime<Utc>, batch: i64) -> StoreResult<i64> {
    let mut tx = pool.begin().await?;
    // SKIP LOCKED: a concurrent purge (another daemon) takes other rows instead of waiting.
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM executions WHERE state = ANY($1) AND COALESCE(ended, created) < $2 \
         ORDER BY created LIMIT $3 FOR UPDATE SKIP LOCKED",
    )
    .bind(state_names(
        ALL_STATES.into_iter().filter(|s| s.is_terminal()),
    ))
    .bind(before)
    .bind(batch.max(0))
    .fetch_all(&mut *tx)
    .await?;
    // Task runs and logs go with their execution (ON DELETE CASCADE); slots have no key to it.
    sqlx::query("DELETE FROM concurrency_slots WHERE execution_id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM executions WHERE id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM trigger_ticks WHERE tick < $1")
        .bind(before)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM kv WHERE expires IS NOT NULL AND expires <= $1")
        .bind(now())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(ids.len() as i64)
}

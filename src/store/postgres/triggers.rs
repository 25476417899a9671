//! Trigger bookkeeping in Postgres: fired ticks (unique per trigger and tick) and saved state.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;

use super::codec::now;
use crate::store::error::StoreResult;

/// Records a tick; true only for the first caller (the primary key decides).
pub(super) async fn record_tick(
    pool: &PgPool,
    trigger_key: &str,
    tick: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO trigger_ticks (trigger_key, tick, recorded) VALUES ($1, $2, $3) \
         ON CONFLICT (trigger_key, tick) DO NOTHING",
    )
    .bind(trigger_key)
    .bind(tick)
    .bind(now())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A trigger's saved state.
pub(super) async fn state_get(pool: &PgPool, trigger_key: &str) -> StoreResult<Option<Value>> {
    Ok(
        sqlx::query_scalar("SELECT state FROM trigger_states WHERE trigger_key = $1")
            .bind(trigger_key)
            .fetch_optional(pool)
            .await?,
    )
}

/// Saves a trigger's state.
pub(super) async fn state_set(pool: &PgPool, trigger_key: &str, state: &Value) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO trigger_states (trigger_key, state, updated) VALUES ($1, $2, $3) \
         ON CONFLICT (trigger_key) DO UPDATE SET state = excluded.state, \
         updated = excluded.updated",
    )
    .bind(trigger_key)
    .bind(state)
    .bind(now())
    .execute(pool)
    .await?;
    Ok(())
}

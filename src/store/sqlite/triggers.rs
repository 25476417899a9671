//! Trigger bookkeeping in SQLite: fired ticks (unique per trigger and tick) and saved state.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::SqlitePool;

use super::codec::{from_json, micros, now, to_json};
use crate::store::error::StoreResult;

/// Records a tick; true only for the first caller.
pub(super) async fn record_tick(
    writer: &SqlitePool,
    trigger_key: &str,
    tick: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO trigger_ticks (trigger_key, tick, recorded) VALUES (?, ?, ?) \
         ON CONFLICT (trigger_key, tick) DO NOTHING",
    )
    .bind(trigger_key)
    .bind(micros(tick))
    .bind(micros(now()))
    .execute(writer)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A trigger's saved state.
pub(super) async fn state_get(
    reader: &SqlitePool,
    trigger_key: &str,
) -> StoreResult<Option<Value>> {
    let text: Option<String> =
        sqlx::query_scalar("SELECT state FROM trigger_states WHERE trigger_key = ?")
            .bind(trigger_key)
            .fetch_optional(reader)
            .await?;
    text.map(|t| from_json("trigger_states", "state", &t))
        .transpose()
}

/// Saves a trigger's state.
pub(super) async fn state_set(
    writer: &SqlitePool,
    trigger_key: &str,
    state: &Value,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO trigger_states (trigger_key, state, updated) VALUES (?, ?, ?) \
         ON CONFLICT (trigger_key) DO UPDATE SET state = excluded.state, \
         updated = excluded.updated",
    )
    .bind(trigger_key)
    .bind(to_json(state)?)
    .bind(micros(now()))
    .execute(writer)
    .await?;
    Ok(())
}

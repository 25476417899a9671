//! The namespace key-value store in SQLite; expired keys read as missing.

use std::time::Duration;

use serde_json::Value;
use sqlx::SqlitePool;

use super::codec::{from_json, micros, micros_after, now, to_json};
use crate::store::error::StoreResult;
use crate::store::model::KvEntry;
use crate::store::rows;

/// A key's value unless missing or expired.
pub(super) async fn get(
    reader: &SqlitePool,
    namespace: &str,
    key: &str,
) -> StoreResult<Option<Value>> {
    let text: Option<String> = sqlx::query_scalar(
        "SELECT value FROM kv WHERE namespace = ? AND key = ? \
         AND (expires IS NULL OR expires > ?)",
    )
    .bind(namespace)
    .bind(key)
    .bind(micros(now()))
    .fetch_optional(reader)
    .await?;
    text.map(|t| from_json("kv", "value", &t)).transpose()
}

/// Sets a key, with an optional time to live.
pub(super) async fn set(
    writer: &SqlitePool,
    namespace: &str,
    key: &str,
    value: &Value,
    ttl: Option<Duration>,
) -> StoreResult<()> {
    let now = now();
    sqlx::query(
        "INSERT INTO kv (namespace, key, value, expires, updated) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, \
         expires = excluded.expires, updated = excluded.updated",
    )
    .bind(namespace)
    .bind(key)
    .bind(to_json(value)?)
    .bind(ttl.map(|t| micros_after(now, t)))
    .bind(micros(now))
    .execute(writer)
    .await?;
    Ok(())
}

/// Deletes a key; true if it was there and unexpired.
pub(super) async fn delete(writer: &SqlitePool, namespace: &str, key: &str) -> StoreResult<bool> {
    let expires: Option<Option<i64>> =
        sqlx::query_scalar("DELETE FROM kv WHERE namespace = ? AND key = ? RETURNING expires")
            .bind(namespace)
            .bind(key)
            .fetch_optional(writer)
            .await?;
    let now = micros(now());
    Ok(matches!(expires, Some(e) if e.is_none_or(|at| at > now)))
}

/// The unexpired keys of a namespace, by key.
pub(super) async fn list(reader: &SqlitePool, namespace: &str) -> StoreResult<Vec<KvEntry>> {
    let rows = sqlx::query(
        "SELECT key, value, expires, updated FROM kv WHERE namespace = ? \
         AND (expires IS NULL OR expires > ?) ORDER BY key",
    )
    .bind(namespace)
    .bind(micros(now()))
    .fetch_all(reader)
    .await?;
    rows.iter().map(rows::kv_entry).collect()
}

//! The namespace key-value store in Postgres: JSONB values with an optional expiry.

use std::time::Duration;

use serde_json::Value;
use sqlx::PgPool;

use super::codec::{after, now};
use crate::store::error::StoreResult;
use crate::store::model::KvEntry;
use crate::store::rows;

/// A key's value unless missing or expired.
pub(super) async fn get(pool: &PgPool, namespace: &str, key: &str) -> StoreResult<Option<Value>> {
    Ok(sqlx::query_scalar(
        "SELECT value FROM kv WHERE namespace = $1 AND key = $2 \
         AND (expires IS NULL OR expires > $3)",
    )
    .bind(namespace)
    .bind(key)
    .bind(now())
    .fetch_optional(pool)
    .await?)
}

/// Sets a key, with an optional time to live.
pub(super) async fn set(
    pool: &PgPool,
    namespace: &str,
    key: &str,
    value: &Value,
    ttl: Option<Duration>,
) -> StoreResult<()> {
    let now = now();
    sqlx::query(
        "INSERT INTO kv (namespace, key, value, expires, updated) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, \
         expires = excluded.expires, updated = excluded.updated",
    )
    .bind(namespace)
    .bind(key)
    .bind(value)
    .bind(ttl.map(|t| after(now, t)))
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes a key; true if it was there and unexpired.
pub(super) async fn delete(pool: &PgPool, namespace: &str, key: &str) -> StoreResult<bool> {
    let live: Option<bool> = sqlx::query_scalar(
        "DELETE FROM kv WHERE namespace = $1 AND key = $2 \
         RETURNING (expires IS NULL OR expires > $3)",
    )
    .bind(namespace)
    .bind(key)
    .bind(now())
    .fetch_optional(pool)
    .await?;
    Ok(live == Some(true))
}

/// The unexpired keys of a namespace, by key.
pub(super) async fn list(pool: &PgPool, namespace: &str) -> StoreResult<Vec<KvEntry>> {
    let rows = sqlx::query(
        "SELECT key, value, expires, updated FROM kv WHERE namespace = $1 \
         AND (expires IS NULL OR expires > $2) ORDER BY key",
    )
    .bind(namespace)
    .bind(now())
    .fetch_all(pool)
    .await?;
    rows.iter().map(rows::kv_entry).collect()
}

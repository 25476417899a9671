//! Leader leases in SQLite: one upsert decides, since SQLite serializes writers.

use std::time::Duration;

use sqlx::SqlitePool;

use super::codec::{micros, micros_after, now};
use crate::store::error::StoreResult;
use crate::store::model::Lease;
use crate::store::rows;

/// Takes or renews a lease; the term grows unless `holder` renews its own live lease.
pub(super) async fn try_acquire(
    writer: &SqlitePool,
    name: &str,
    holder: &str,
    ttl: Duration,
) -> StoreResult<Option<i64>> {
    let now = now();
    let term: Option<i64> = sqlx::query_scalar(
        "INSERT INTO leader_leases (name, holder, term, acquired, expires) \
         VALUES (?1, ?2, 1, ?3, ?4) \
         ON CONFLICT (name) DO UPDATE SET \
         term = CASE WHEN holder = excluded.holder AND expires >= ?3 THEN term ELSE term + 1 END, \
         acquired = CASE WHEN holder = excluded.holder AND expires >= ?3 THEN acquired \
                    ELSE excluded.acquired END, \
         holder = excluded.holder, expires = excluded.expires \
         WHERE holder = excluded.holder OR expires < ?3 \
         RETURNING term",
    )
    .bind(name)
    .bind(holder)
    .bind(micros(now))
    .bind(micros_after(now, ttl))
    .fetch_optional(writer)
    .await?;
    Ok(term)
}

/// Releases a lease held by `holder` by expiring it now (its term is kept).
pub(super) async fn release(writer: &SqlitePool, name: &str, holder: &str) -> StoreResult<bool> {
    let now = micros(now());
    let done = sqlx::query(
        "UPDATE leader_leases SET expires = ? - 1 WHERE name = ? AND holder = ? AND expires >= ?",
    )
    .bind(now)
    .bind(name)
    .bind(holder)
    .bind(now)
    .execute(writer)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The live holder of a lease.
pub(super) async fn holder(reader: &SqlitePool, name: &str) -> StoreResult<Option<Lease>> {
    let row = sqlx::query(
        "SELECT name, holder, term, expires FROM leader_leases WHERE name = ? AND expires >= ?",
    )
    .bind(name)
    .bind(micros(now()))
    .fetch_optional(reader)
    .await?;
    row.as_ref().map(rows::lease).transpose()
}

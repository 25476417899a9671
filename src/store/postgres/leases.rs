//! Leader leases in Postgres, on the database clock (`clock_timestamp()`), so daemons on
//! machines with skewed clocks still agree on expiry.
//!
//! One `INSERT ... ON CONFLICT DO UPDATE ... WHERE` decides: it locks the row, so of two
//! contenders for a free lease exactly one gets it and the other sees the new holder.

use std::time::Duration;

use sqlx::PgPool;

use super::codec::micros;
use crate::store::error::StoreResult;
use crate::store::model::Lease;
use crate::store::rows;

/// Takes or renews a lease; the term grows unless `holder` renews its own live lease.
pub(super) async fn try_acquire(
    pool: &PgPool,
    name: &str,
    holder: &str,
    ttl: Duration,
) -> StoreResult<Option<i64>> {
    let term: Option<i64> = sqlx::query_scalar(
        "INSERT INTO leader_leases AS l (name, holder, term, acquired, expires) \
         VALUES ($1, $2, 1, clock_timestamp(), clock_timestamp() + $3 * interval '1 microsecond') \
         ON CONFLICT (name) DO UPDATE SET \
         term = CASE WHEN l.holder = excluded.holder AND l.expires >= clock_timestamp() \
                THEN l.term ELSE l.term + 1 END, \
         acquired = CASE WHEN l.holder = excluded.holder AND l.expires >= clock_timestamp() \
                    THEN l.acquired ELSE excluded.acquired END, \
         holder = excluded.holder, expires = excluded.expires \
         WHERE l.holder = excluded.holder OR l.expires < clock_timestamp() \
         RETURNING term",
    )
    .bind(name)
    .bind(holder)
    .bind(micros(ttl) as f64)
    .fetch_optional(pool)
    .await?;
    Ok(term)
}

/// Releases a lease held by `holder` by expiring it now (its term is kept).
pub(super) async fn release(pool: &PgPool, name: &str, holder: &str) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE leader_leases SET expires = clock_timestamp() - interval '1 microsecond' \
         WHERE name = $1 AND holder = $2 AND expires >= clock_timestamp()",
    )
    .bind(name)
    .bind(holder)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The live holder of a lease.
pub(super) async fn holder(pool: &PgPool, name: &str) -> StoreResult<Option<Lease>> {
    let row = sqlx::query(
        "SELECT name, holder, term, expires FROM leader_leases \
         WHERE name = $1 AND expires >= clock_timestamp()",
    )
    .bind(name)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(rows::lease).transpose()
}

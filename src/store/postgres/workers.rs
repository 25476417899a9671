//! Worker registrations and heartbeats in Postgres.

use sqlx::PgPool;

use super::codec::now;
use crate::store::error::{StoreError, StoreResult};
use crate::store::model::WorkerInfo;
use crate::store::rows;

/// Registers or re-registers a worker.
pub(super) async fn register(pool: &PgPool, w: &WorkerInfo) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO workers (id, host, version, worker_group, started, last_heartbeat, running) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET host = excluded.host, version = excluded.version, \
         worker_group = excluded.worker_group, started = excluded.started, \
         last_heartbeat = excluded.last_heartbeat, running = excluded.running",
    )
    .bind(&w.id)
    .bind(&w.host)
    .bind(&w.version)
    .bind(&w.group)
    .bind(w.started)
    .bind(w.last_heartbeat)
    .bind(w.running)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a heartbeat now.
pub(super) async fn heartbeat(pool: &PgPool, id: &str, running: i64) -> StoreResult<()> {
    let done = sqlx::query("UPDATE workers SET last_heartbeat = $1, running = $2 WHERE id = $3")
        .bind(now())
        .bind(running)
        .bind(id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound {
            what: "worker",
            id: id.to_string(),
        });
    }
    Ok(())
}

/// Every registered worker.
pub(super) async fn list(pool: &PgPool) -> StoreResult<Vec<WorkerInfo>> {
    let rows = sqlx::query("SELECT * FROM workers ORDER BY id")
        .fetch_all(pool)
        .await?;
    rows.iter().map(rows::worker).collect()
}

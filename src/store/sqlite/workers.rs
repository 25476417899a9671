//! Worker registrations and heartbeats in SQLite.

use sqlx::SqlitePool;

use super::codec::{micros, now};
use crate::store::error::{StoreError, StoreResult};
use crate::store::model::WorkerInfo;
use crate::store::rows;

/// Registers or re-registers a worker.
pub(super) async fn register(writer: &SqlitePool, w: &WorkerInfo) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO workers (id, host, version, worker_group, started, last_heartbeat, running) \
         VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET host = excluded.host, version = excluded.version, \
         worker_group = excluded.worker_group, started = excluded.started, \
         last_heartbeat = excluded.last_heartbeat, running = excluded.running",
    )
    .bind(&w.id)
    .bind(&w.host)
    .bind(&w.version)
    .bind(&w.group)
    .bind(micros(w.started))
    .bind(micros(w.last_heartbeat))
    .bind(w.running)
    .execute(writer)
    .await?;
    Ok(())
}

/// Records a heartbeat now.
pub(super) async fn heartbeat(writer: &SqlitePool, id: &str, running: i64) -> StoreResult<()> {
    let done = sqlx::query("UPDATE workers SET last_heartbeat = ?, running = ? WHERE id = ?")
        .bind(micros(now()))
        .bind(running)
        .bind(id)
        .execute(writer)
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
pub(super) async fn list(reader: &SqlitePool) -> StoreResult<Vec<WorkerInfo>> {
    let rows = sqlx::query("SELECT * FROM workers ORDER BY id")
        .fetch_all(reader)
        .await?;
    rows.iter().map(rows::worker).collect()
}

//! Sync status (per repository and per flow) in SQLite.

use sqlx::SqlitePool;

use super::codec::{micros, to_json};
use crate::store::error::StoreResult;
use crate::store::model::{FlowSyncStatus, SyncStatus};
use crate::store::rows;

/// Replaces a repository's status.
pub(super) async fn put_repo(writer: &SqlitePool, s: &SyncStatus) -> StoreResult<()> {
    sqlx::query(
        // An applied commit given without details keeps the ones stored when that sha was
        // applied or attempted before.
        "INSERT INTO sync_status (repo, last_applied_revision, last_attempted_revision, \
         status_condition, reason, message, updated_at, applied_commit, attempted_commit) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (repo) DO UPDATE SET \
         applied_commit = COALESCE(excluded.applied_commit, CASE \
           WHEN excluded.last_applied_revision = sync_status.last_applied_revision \
             THEN sync_status.applied_commit \
           WHEN excluded.last_applied_revision = sync_status.last_attempted_revision \
             THEN sync_status.attempted_commit END), \
         attempted_commit = excluded.attempted_commit, \
         last_applied_revision = excluded.last_applied_revision, \
         last_attempted_revision = excluded.last_attempted_revision, \
         status_condition = excluded.status_condition, reason = excluded.reason, \
         message = excluded.message, updated_at = excluded.updated_at",
    )
    .bind(&s.repo)
    .bind(&s.last_applied_revision)
    .bind(&s.last_attempted_revision)
    .bind(&s.condition)
    .bind(&s.reason)
    .bind(&s.message)
    .bind(micros(s.updated_at))
    .bind(s.last_applied_commit.as_ref().map(to_json).transpose()?)
    .bind(s.last_attempted_commit.as_ref().map(to_json).transpose()?)
    .execute(writer)
    .await?;
    Ok(())
}

/// A repository's status.
pub(super) async fn repo(reader: &SqlitePool, repo: &str) -> StoreResult<Option<SyncStatus>> {
    let row = sqlx::query("SELECT * FROM sync_status WHERE repo = ?")
        .bind(repo)
        .fetch_optional(reader)
        .await?;
    row.as_ref().map(rows::sync_status).transpose()
}

/// Replaces a flow's status.
pub(super) async fn put_flow(writer: &SqlitePool, s: &FlowSyncStatus) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO flow_sync_status (namespace, flow_id, path, last_applied_revision, \
         last_attempted_revision, status_condition, reason, message, diagnostics, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (namespace, flow_id) DO UPDATE SET path = excluded.path, \
         last_applied_revision = excluded.last_applied_revision, \
         last_attempted_revision = excluded.last_attempted_revision, \
         status_condition = excluded.status_condition, reason = excluded.reason, \
         message = excluded.message, diagnostics = excluded.diagnostics, \
         updated_at = excluded.updated_at",
    )
    .bind(&s.namespace)
    .bind(&s.flow_id)
    .bind(&s.path)
    .bind(&s.last_applied_revision)
    .bind(&s.last_attempted_revision)
    .bind(&s.condition)
    .bind(&s.reason)
    .bind(&s.message)
    .bind(to_json(&s.diagnostics)?)
    .bind(micros(s.updated_at))
    .execute(writer)
    .await?;
    Ok(())
}

/// Drops a flow's status; true if it existed.
pub(super) async fn delete_flow(
    writer: &SqlitePool,
    namespace: &str,
    flow_id: &str,
) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM flow_sync_status WHERE namespace = ? AND flow_id = ?")
        .bind(namespace)
        .bind(flow_id)
        .execute(writer)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Every flow's status.
pub(super) async fn flows(reader: &SqlitePool) -> StoreResult<Vec<FlowSyncStatus>> {
    let rows = sqlx::query("SELECT * FROM flow_sync_status ORDER BY namespace, flow_id")
        .fetch_all(reader)
        .await?;
    rows.iter().map(rows::flow_sync_status).collect()
}

//! Server-wide reads: `GET /sync/status` (the repository and every flow file) and `GET /workers`.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::context::WebContext;
use super::problem::Problem;
use crate::source::sanitize_url;
use crate::store::model::{FlowSyncStatus, LEADER_LEASE, Lease, SyncStatus, WorkerInfo};

/// The sync status document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// The repository URL, credentials removed.
    pub repo: Option<String>,
    /// The branch followed.
    pub branch: Option<String>,
    /// The repository's status (none before the first sync).
    pub status: Option<SyncStatus>,
    /// Each flow file's status.
    pub flows: Vec<FlowSyncStatus>,
    /// The revision the live registry of this process serves (none without a sync loop).
    pub live_revision: Option<String>,
    /// The daemon holding the leader lease (it runs the sync loop and the scheduler); none
    /// while no daemon leads.
    pub leader: Option<Lease>,
}

/// Reads the sync report from the store.
pub async fn sync_report(ctx: &WebContext) -> Result<SyncReport, Problem> {
    let status = match &ctx.repo {
        Some(repo) => ctx
            .store
            .sync_status(&repo.sync_key)
            .await
            .map_err(|e| Problem::store("sync status", &e))?,
        None => None,
    };
    let flows = ctx
        .store
        .flow_sync_statuses()
        .await
        .map_err(|e| Problem::store("flow sync statuses", &e))?;
    let leader = ctx
        .store
        .lease_holder(LEADER_LEASE)
        .await
        .map_err(|e| Problem::store("leader lease", &e))?;
    Ok(SyncReport {
        leader,
        repo: ctx.repo.as_ref().map(|r| sanitize_url(&r.url)),
        branch: ctx.repo.as_ref().map(|r| r.branch.clone()),
        status: status.map(|mut s| {
            s.repo = sanitize_url(&s.repo);
            s
        }),
        flows,
        live_revision: ctx
            .registry
            .as_ref()
            .and_then(|r| r.snapshot().revision().map(str::to_string)),
    })
}

/// `GET /api/v1/sync/status`.
pub async fn sync_status(State(ctx): State<WebContext>) -> Result<Json<SyncReport>, Problem> {
    Ok(Json(sync_report(&ctx).await?))
}

/// `GET /api/v1/workers`.
pub async fn workers(State(ctx): State<WebContext>) -> Result<Json<Vec<WorkerInfo>>, Problem> {
    let workers = ctx
        .store
        .workers()
        .await
        .map_err(|e| Problem::store("workers", &e))?;
    Ok(Json(workers))
}

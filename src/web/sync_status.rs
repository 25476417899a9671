//! `GET /api/v1/sync/status`: the repository's sync status and every flow's, Flux style.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::{ApiError, AppState};

/// `{repo, branch, status, liveRevision, leader, flows}`; `leader` is the daemon running the
/// sync loop and the scheduler (`null` while none does).
pub async fn status(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let repo = state.store.sync_status(&state.repo).await?;
    let flows = state.store.flow_sync_statuses().await?;
    let leader = state
        .store
        .lease_holder(crate::store::model::LEADER_LEASE)
        .await?;
    Ok(Json(json!({
        "repo": state.repo,
        "branch": state.branch,
        "status": repo,
        "liveRevision": state.registry.snapshot().revision(),
        "leader": leader.map(|l| json!({"holder": l.holder, "term": l.term, "expires": l.expires})),
        "flows": flows,
    })))
}

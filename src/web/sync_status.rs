//! `GET /api/v1/sync/status`: the repository's sync status and every flow's, Flux style.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::{ApiError, AppState};

/// `{repo, branch, status, flows}`.
pub async fn status(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let repo = state.store.sync_status(&state.repo).await?;
    let flows = state.store.flow_sync_statuses().await?;
    Ok(Json(json!({
        "repo": state.repo,
        "branch": state.branch,
        "status": repo,
        "liveRevision": state.registry.snapshot().revision(),
        "flows": flows,
    })))
}

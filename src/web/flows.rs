//! `GET /api/v1/flows/{namespace}/{id}`: the live revision of a flow (source, revision, commit,
//! path, author); 404 once pruned.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::store::model::FlowRevision;

use super::{ApiError, AppState};

/// The live revision as JSON.
pub async fn live_flow(
    State(state): State<AppState>,
    Path((namespace, id)): Path<(String, String)>,
) -> Result<Json<FlowRevision>, ApiError> {
    state
        .registry
        .get(&namespace, &id)
        .map(|live| Json(live.revision.clone()))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("flow {namespace}.{id} is not live"),
            )
        })
}

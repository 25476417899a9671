//! `/healthz` (the process answers) and `/readyz` (the store answers, the first sync is done and
//! the sync loop is not stalled).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;

/// Liveness: always 200 while the process serves.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness, with the reasons when not ready.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let store = state.store.ping().await.err().map(|e| e.to_string());
    let synced = state.health.first_sync_done();
    let stalled = state.health.last_error().filter(|_| state.health.stalled());
    let ready = store.is_none() && synced && stalled.is_none();
    let body = json!({
        "ready": ready,
        "store": store.unwrap_or_else(|| "ok".to_string()),
        "firstSyncDone": synced,
        "stalled": stalled,
        "flows": state.registry.snapshot().len(),
    });
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}

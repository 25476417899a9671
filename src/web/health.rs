//! `/healthz` (the process answers) and `/readyz` (the store answers, the first sync is done,
//! the sync loop is not stalled and a scheduler leader is known).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;

/// The name of the scheduler's leader lease in the store (`Store::lease_holder`).
pub const SCHEDULER_LEASE: &str = "scheduler";

/// Liveness: always 200 while the process serves.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Who schedules: the holder of a live scheduler lease, else this process when it runs the
/// scheduler itself (single node), else nobody. A store error counts as unknown.
async fn scheduler_leader(state: &AppState) -> Option<String> {
    match state.store.lease_holder(SCHEDULER_LEASE).await {
        Ok(Some(lease)) => Some(lease.holder),
        _ if state.runs_scheduler => Some("this process".to_string()),
        _ => None,
    }
}

/// Readiness, with the reasons when not ready.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let store = state.store.ping().await.err().map(|e| e.to_string());
    let synced = state.health.first_sync_done();
    let stalled = state.health.last_error().filter(|_| state.health.stalled());
    let leader = scheduler_leader(&state).await;
    let ready = store.is_none() && synced && stalled.is_none() && leader.is_some();
    let body = json!({
        "ready": ready,
        "store": store.unwrap_or_else(|| "ok".to_string()),
        "firstSyncDone": synced,
        "stalled": stalled,
        "schedulerLeader": leader,
        "flows": state.registry.snapshot().len(),
    });
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}

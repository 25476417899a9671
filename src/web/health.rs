//! `/healthz` (the process answers) and `/readyz` (the store answers, the first sync is done,
//! the sync loop is not stalled, and a scheduler leader is known).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;

/// How long readiness waits for the store.
const STORE_CHECK: std::time::Duration = std::time::Duration::from_secs(2);

/// Liveness: always 200 while the process serves.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness, with the reasons when not ready.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    // An unreachable database makes calls wait for a connection: answer not-ready in time.
    let store = match tokio::time::timeout(STORE_CHECK, state.store.ping()).await {
        Ok(result) => result.err().map(|e| e.to_string()),
        Err(_) => Some(format!("no answer within {STORE_CHECK:?}")),
    };
    let synced = state.health.first_sync_done();
    let stalled = state.health.last_error().filter(|_| state.health.stalled());
    // Some daemon (this one or another on the same database) must run the scheduler.
    let holder = state.store.lease_holder(crate::store::model::LEADER_LEASE);
    let leader = tokio::time::timeout(STORE_CHECK, holder)
        .await
        .ok()
        .and_then(Result::ok)
        .flatten()
        .map(|l| json!({"holder": l.holder, "term": l.term, "expires": l.expires}));
    let ready = store.is_none() && synced && stalled.is_none() && leader.is_some();
    let body = json!({
        "ready": ready,
        "store": store.unwrap_or_else(|| "ok".to_string()),
        "firstSyncDone": synced,
        "stalled": stalled,
        "flows": state.registry.snapshot().len(),
        "leader": leader,
    });
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}

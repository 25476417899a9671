//! `/healthz` (the process answers) and `/readyz` (the store answers, the first sync is done,
//! the sync loop is not stalled and a scheduler leader is known).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;

/// The name of the lease the leading daemon (sync loop and scheduler) holds in the store.
pub const SCHEDULER_LEASE: &str = crate::store::model::LEADER_LEASE;

/// How long readiness waits for the store.
const STORE_CHECK: std::time::Duration = std::time::Duration::from_secs(2);

/// Liveness: always 200 while the process serves.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Who schedules: the holder of a live leader lease (with its term), else nobody; every daemon,
/// a lone one too, schedules only while it holds the lease. A store error or a store not
/// answering in time counts as unknown.
async fn scheduler_leader(state: &AppState) -> Option<Value> {
    let holder = tokio::time::timeout(STORE_CHECK, state.store.lease_holder(SCHEDULER_LEASE));
    match holder.await {
        Ok(Ok(Some(l))) => Some(json!({"holder": l.holder, "term": l.term, "expires": l.expires})),
        _ => None,
    }
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
    let leader = scheduler_leader(&state).await;
    let ready = store.is_none() && synced && stalled.is_none() && leader.is_some();
    let body = json!({
        "ready": ready,
        "store": store.unwrap_or_else(|| "ok".to_string()),
        "firstSyncDone": synced,
        "stalled": stalled,
        "schedulerLeader": leader.as_ref().map(|l| l["holder"].clone()),
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

//! The axum router: health, execution webhooks and the git push webhook, merged with the JSON
//! API (`api`, one handler per route) and the status pages (`status`).
//!
//! Requests enter here and leave as reads of the live registry and the store; the only writes
//! are executions started by webhook triggers, and a push webhook only wakes the sync loop.

pub mod api;
mod error;
mod executions;
mod git_webhook;
mod health;
mod state;
pub mod status;

use axum::Router;
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;

pub use error::ApiError;
pub use health::SCHEDULER_LEASE;
pub use state::AppState;

/// The largest request body accepted by the webhooks (Kestra's default is 10 MiB).
pub const WEBHOOK_BODY_LIMIT: usize = 10 * 1024 * 1024;

/// Every route of the daemon.
pub fn router(state: AppState) -> Router {
    let webhooks = Router::new()
        .route(
            "/api/v1/executions/webhook/{namespace}/{flow_id}/{key}",
            get(executions::webhook)
                .post(executions::webhook)
                .put(executions::webhook),
        )
        .route("/api/v1/git/webhook", post(git_webhook::push))
        .layer(RequestBodyLimitLayer::new(WEBHOOK_BODY_LIMIT));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(webhooks)
        .with_state(state.clone())
        .merge(api::router(api::WebContext::from_app(&state)))
        .merge(status::router(api::WebContext::from_app(&state)))
}

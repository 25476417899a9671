//! The JSON API under `/api/v1` and `/metrics`: read endpoints behind the read policy, execution
//! actions behind the API token, errors as problem+json, a body limit, no CORS.
//!
//! `router(ctx)` returns a finished `Router` (state applied), merged into the server's app.

pub mod access;
pub mod actions;
pub mod context;
pub mod control;
pub mod engine_control;
pub mod executions;
pub mod extract;
pub mod flows;
pub mod logs;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod secrets;
pub mod system;
pub mod uploads;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

pub use access::{Access, ReadAccess};
pub use context::{RepoInfo, WebContext};
pub use control::{ControlError, ExecutionControl, StoreControl};
pub use problem::Problem;

/// Largest accepted request body (inputs of a start, resume).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

async fn no_such_route(uri: Uri) -> Problem {
    Problem::not_found(format!("no API route `{}`", uri.path()))
}

/// Read endpoints.
fn read_routes() -> Router<WebContext> {
    Router::new()
        .route("/flows", get(flows::list))
        .route("/flows/{namespace}/{id}", get(flows::one))
        .route("/sync/status", get(system::sync_status))
        .route("/flows/{namespace}/{id}/revisions", get(flows::revisions))
        .route("/executions", get(executions::search))
        .route("/executions/{id}", get(executions::one))
        .route("/executions/{id}/logs", get(logs::list))
        .route("/executions/{id}/logs/follow", get(logs::follow))
        .route("/workers", get(system::workers))
        .route("/openapi.json", get(openapi::serve))
}

fn write_routes(max_upload_bytes: usize) -> Router<WebContext> {
    // Starts carry uploaded files: a larger limit than other bodies (JSON inputs are still
    // read with `MAX_BODY_BYTES`).
    let start = post(actions::start).layer(DefaultBodyLimit::max(max_upload_bytes));
    Router::new()
        .route("/executions/{namespace}/{id}", start)
        .route("/executions/{id}/kill", post(actions::kill))
        .route("/executions/{id}/restart", post(actions::restart))
        .route("/executions/{id}/resume", post(actions::resume))
        .route("/executions/{id}/replay", post(actions::replay))
}

/// `/api/v1/...` and `/metrics`, with the access policy of `ctx`, to merge beside the daemon's
/// router (health and webhooks).
pub fn router(ctx: WebContext) -> Router {
    build(ctx, read_routes())
}

/// The same as `router`, for a server without the daemon's router (tests, `bench/web_serve.rs`).
pub fn standalone_router(ctx: WebContext) -> Router {
    router(ctx)
}

fn build(ctx: WebContext, read: Router<WebContext>) -> Router {
    let read = read.route_layer(from_fn_with_state(ctx.clone(), access::require_read));
    let write = write_routes(ctx.max_upload_bytes)
        .route_layer(from_fn_with_state(ctx.clone(), access::require_write));
    let api = read.merge(write).fallback(no_such_route);
    let metrics = Router::new()
        .route("/metrics", get(metrics::serve))
        .route_layer(from_fn_with_state(ctx.clone(), access::require_read));
    Router::new()
        .nest("/api/v1", api)
        .merge(metrics)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(ctx)
}

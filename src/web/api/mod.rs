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

/// Read endpoints the daemon's own router (`web::router`) also serves: added only by
/// `standalone_router`, since axum refuses two handlers for one route.
fn shared_routes() -> Router<WebContext> {
    Router::new()
        .route("/flows/{namespace}/{id}", get(flows::one))
        .route("/sync/status", get(system::sync_status))
}

/// Read endpoints.
fn read_routes() -> Router<WebContext> {
    Router::new()
        .route("/flows", get(flows::list))
        .route("/flows/{namespace}/{id}/revisions", get(flows::revisions))
        .route("/executions", get(executions::search))
        .route("/executions/{id}", get(executions::one))
        .route("/executions/{id}/logs", get(logs::list))
        .route("/executions/{id}/logs/follow", get(logs::follow))
        .route("/workers", get(system::workers))
        .route("/openapi.json", get(openapi::serve))
}

fn write_routes() -> Router<WebContext> {
    Router::new()
        .route("/executions/{namespace}/{id}", post(actions::start))
        .route("/executions/{id}/kill", post(actions::kill))
        .route("/executions/{id}/restart", post(actions::restart))
        .route("/executions/{id}/resume", post(actions::resume))
        .route("/executions/{id}/replay", post(actions::replay))
}

/// `/api/v1/...` and `/metrics`, with the access policy of `ctx`, to merge beside the daemon's
/// router (which serves `/api/v1/flows/{ns}/{id}` and `/api/v1/sync/status` itself).
pub fn router(ctx: WebContext) -> Router {
    build(ctx, read_routes())
}

/// `router` plus `/api/v1/flows/{ns}/{id}` and `/api/v1/sync/status`: the whole documented API,
/// for a server without the daemon's router (tests, `bench/web_serve.rs`).
pub fn standalone_router(ctx: WebContext) -> Router {
    build(ctx, read_routes().merge(shared_routes()))
}

fn build(ctx: WebContext, read: Router<WebContext>) -> Router {
    let read = read.route_layer(from_fn_with_state(ctx.clone(), access::require_read));
    let write = write_routes().route_layer(from_fn_with_state(ctx.clone(), access::require_write));
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

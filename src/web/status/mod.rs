//! The status pages: server-rendered HTML (no JavaScript build step, no CDN, one stylesheet
//! compiled into the binary), read-only. Overview, namespace tree, flow page with its topology,
//! executions list and execution page with its Gantt chart and live updates.
//!
//! `router(ctx)` returns a finished `Router` (state applied) behind the read access policy.

pub mod execution_page;
pub mod executions_list;
pub mod flow_facts;
pub mod flow_page;
pub mod gantt;
pub mod html;
pub mod namespaces;
pub mod overview;
pub mod topology;

use axum::Router;
use axum::http::header;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::web::api::access::require_read;
use crate::web::api::context::WebContext;

/// The stylesheet, light and dark.
pub const STYLE: &str = include_str!("style.css");

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
}

/// `/`, `/ui/...` and the stylesheet.
pub fn router(ctx: WebContext) -> Router {
    Router::new()
        .route("/", get(overview::show))
        .route("/ui/namespaces", get(namespaces::index))
        .route("/ui/namespaces/{namespace}", get(namespaces::show))
        .route("/ui/flows/{namespace}/{id}", get(flow_page::show))
        .route("/ui/executions", get(executions_list::show))
        .route("/ui/executions/{id}", get(execution_page::show))
        .route("/ui/executions/{id}/live", get(execution_page::live))
        .route_layer(from_fn_with_state(ctx.clone(), require_read))
        .route("/ui/style.css", get(style))
        .with_state(ctx)
}

//! The flow page `/ui/flows/{ns}/{id}[?revision=N]`: description, validation status, triggers,
//! the topology of its tasks, its YAML at the deployed (or chosen) revision, its revision
//! history with the commit of each, and recent executions.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::flow_facts::{executions_table, triggers, validation};
use super::html::{Section, error_page, esc, flow_href, respond, seg, sha, time};
use super::topology;
use crate::load::{Limits, parse_str};
use crate::store::model::FlowRevision;
use crate::store::{ExecutionFilter, Page};
use crate::web::api::context::WebContext;
use crate::web::api::control::parse_flow;

/// `?revision=N`.
#[derive(Debug, Default, Deserialize)]
pub struct RevisionQuery {
    /// Show this revision instead of the live one.
    pub revision: Option<i64>,
}

fn history(namespace: &str, id: &str, revisions: &[FlowRevision], shown: i64) -> String {
    let rows: String = revisions
        .iter()
        .rev()
        .map(|r| {
            let current = if r.revision == shown { " aria-current=\"true\"" } else { "" };
            format!(
                "<tr{current}><td><a href=\"{}?revision={}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                flow_href(namespace, id),
                r.revision,
                r.revision,
                sha(r.commit.as_deref()),
                esc(r.author.as_deref().unwrap_or("—")),
                time(r.deployed_at),
                if r.deleted { "deleted" } else { "" }
            )
        })
        .collect();
    format!(
        "<div class=\"scroll\"><table id=\"revisions\"><tr><th>Revision</th><th>Commit</th><th>Author</th><th>Deployed</th><th></th></tr>{rows}</table></div>"
    )
}

/// The description of a flow that does not parse on its own (namespace plugin defaults).
fn raw_description(source: &str) -> String {
    parse_str(source, &Limits::default())
        .ok()
        .and_then(|d| {
            d.value
                .get("description")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// `GET /ui/flows/{namespace}/{id}`.
pub async fn show(
    State(ctx): State<WebContext>,
    Path((namespace, id)): Path<(String, String)>,
    Query(query): Query<RevisionQuery>,
) -> Response {
    let filter = ExecutionFilter {
        namespace: Some(namespace.clone()),
        flow_id: Some(id.clone()),
        ..ExecutionFilter::default()
    };
    let loaded = tokio::try_join!(
        ctx.store.flow_revisions(&namespace, &id),
        ctx.store.flow_sync_statuses(),
        ctx.store.search_executions(&filter, Page::first(10)),
    );
    let (revisions, statuses, recent) = match loaded {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "flow page: store read failed");
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the store could not be read",
            );
        }
    };
    let live = revisions.iter().rev().find(|r| !r.deleted);
    let shown = match query.revision {
        Some(n) => revisions.iter().find(|r| r.revision == n),
        None => live,
    };
    let Some(shown) = shown else {
        return error_page(
            StatusCode::NOT_FOUND,
            &format!("flow `{namespace}.{id}` not found"),
        );
    };
    let status = statuses
        .iter()
        .find(|s| s.namespace == namespace && s.flow_id == id);
    let (description, trigger_list) = match parse_flow(&shown.source) {
        Ok(flow) => (
            flow.description.clone().unwrap_or_default(),
            triggers(&flow),
        ),
        Err(e) => (
            raw_description(&shown.source),
            format!("<span class=\"muted\">not shown: {}</span>", esc(&e)),
        ),
    };
    let topology = match parse_str(&shown.source, &Limits::default()) {
        Ok(doc) => topology::svg(&doc.value, &format!("{namespace}.{id}")),
        Err(e) => format!("<p class=\"error\">{}</p>", esc(&e.to_string())),
    };
    let note = if Some(shown.revision) != live.map(|l| l.revision) {
        "<p class=\"muted\">This is not the live revision.</p>"
    } else {
        ""
    };
    let body = format!(
        "<h1><a href=\"/ui/namespaces/{}\">{}</a>.{}</h1><p id=\"description\">{}</p>{note}\
<div class=\"grid\"><section class=\"card\"><dl><dt>Revision</dt><dd>{}</dd><dt>Commit</dt><dd>{}</dd>\
<dt>File</dt><dd>{}</dd><dt>Status</dt><dd>{}</dd><dt>Triggers</dt><dd>{trigger_list}</dd></dl></section></div>\
<h2>Topology</h2><div class=\"scroll\">{topology}</div>\
<h2>Source</h2><pre id=\"source\"><code>{}</code></pre>\
<h2>Revisions</h2>{}<h2>Recent executions</h2>{}\
<p><a href=\"/ui/executions?namespace={}&amp;flowId={}\">All executions of this flow</a></p>",
        seg(&namespace),
        esc(&namespace),
        esc(&id),
        esc(&description),
        shown.revision,
        sha(shown.commit.as_deref()),
        esc(shown.path.as_deref().unwrap_or("—")),
        validation(status),
        esc(&shown.source),
        history(&namespace, &id, &revisions, shown.revision),
        executions_table(&recent, false),
        seg(&namespace),
        seg(&id),
    );
    respond(&format!("{namespace}.{id}"), Section::Namespaces, &body)
}

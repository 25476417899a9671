//! `/ui/namespaces` (the namespace tree with its flows) and `/ui/namespaces/{ns}` (each flow of a
//! namespace with its revision, commit, validation status, triggers and recent executions).

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::flow_facts::{executions_table, triggers, validation};
use super::html::{Section, error_page, esc, flow_href, respond, seg, sha};
use crate::store::model::{FlowRevision, FlowSyncStatus};
use crate::store::{ExecutionFilter, Page};
use crate::web::api::context::WebContext;
use crate::web::api::control::parse_flow;
use crate::web::api::flows::in_namespace;

/// Recent executions shown per flow.
const RECENT: i64 = 5;

fn all_namespaces(flows: &[FlowRevision], statuses: &[FlowSyncStatus]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for ns in flows
        .iter()
        .map(|f| &f.namespace)
        .chain(statuses.iter().map(|s| &s.namespace))
    {
        // Every parent of a namespace is a node of the tree too.
        let mut prefix = String::new();
        for part in ns.split('.') {
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(part);
            out.insert(prefix.clone());
        }
    }
    out
}

fn tree(
    parent: Option<&str>,
    namespaces: &BTreeSet<String>,
    flows: &BTreeMap<&str, Vec<&FlowRevision>>,
) -> String {
    let children: Vec<&String> = namespaces
        .iter()
        .filter(|ns| match parent {
            None => !ns.contains('.'),
            Some(p) => ns
                .strip_prefix(p)
                .and_then(|r| r.strip_prefix('.'))
                .is_some_and(|r| !r.contains('.')),
        })
        .collect();
    if children.is_empty() {
        return String::new();
    }
    let items: String = children
        .iter()
        .map(|ns| {
            let leaf = ns.rsplit('.').next().unwrap_or(ns);
            let flow_items: String = flows
                .get(ns.as_str())
                .map(|list| {
                    list.iter()
                        .map(|f| format!("<li class=\"flow\"><a href=\"{}\">{}</a></li>", flow_href(&f.namespace, &f.id), esc(&f.id)))
                        .collect()
                })
                .unwrap_or_default();
            format!(
                "<li class=\"namespace\"><a href=\"/ui/namespaces/{}\"><b>{}</b></a><ul class=\"tree\">{flow_items}</ul>{}</li>",
                seg(ns),
                esc(leaf),
                tree(Some(ns), namespaces, flows)
            )
        })
        .collect();
    format!("<ul class=\"tree\">{items}</ul>")
}

async fn load(ctx: &WebContext) -> Result<(Vec<FlowRevision>, Vec<FlowSyncStatus>), Response> {
    tokio::try_join!(ctx.store.live_flows(), ctx.store.flow_sync_statuses()).map_err(|e| {
        tracing::error!(error = %e, "namespaces: store read failed");
        error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the store could not be read",
        )
    })
}

/// `GET /ui/namespaces`.
pub async fn index(State(ctx): State<WebContext>) -> Response {
    let (flows, statuses) = match load(&ctx).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let namespaces = all_namespaces(&flows, &statuses);
    let mut by_ns: BTreeMap<&str, Vec<&FlowRevision>> = BTreeMap::new();
    for f in &flows {
        by_ns.entry(f.namespace.as_str()).or_default().push(f);
    }
    let body = if namespaces.is_empty() {
        "<h1>Namespaces</h1><p class=\"muted\">No flow deployed.</p>".to_string()
    } else {
        format!(
            "<h1>Namespaces</h1><nav id=\"namespace-tree\">{}</nav>",
            tree(None, &namespaces, &by_ns)
        )
    };
    respond("Namespaces", Section::Namespaces, &body)
}

async fn flow_section(
    ctx: &WebContext,
    flow: &FlowRevision,
    status: Option<&FlowSyncStatus>,
) -> String {
    let filter = ExecutionFilter {
        namespace: Some(flow.namespace.clone()),
        flow_id: Some(flow.id.clone()),
        ..ExecutionFilter::default()
    };
    let recent = ctx
        .store
        .search_executions(&filter, Page::first(RECENT))
        .await
        .unwrap_or_default();
    let (description, trigger_list) = match parse_flow(&flow.source) {
        Ok(f) => (f.description.clone().unwrap_or_default(), triggers(&f)),
        Err(e) => (
            String::new(),
            format!("<span class=\"error\">{}</span>", esc(&e)),
        ),
    };
    format!(
        "<section class=\"card flow\" id=\"flow-{}\"><h2><a href=\"{}\">{}</a></h2><p>{}</p><dl>\
<dt>Revision</dt><dd>{}</dd><dt>Commit</dt><dd>{}</dd><dt>Status</dt><dd>{}</dd><dt>Triggers</dt><dd>{trigger_list}</dd></dl>\
<h3>Recent executions</h3>{}</section>",
        seg(&flow.id),
        flow_href(&flow.namespace, &flow.id),
        esc(&flow.id),
        esc(&description),
        flow.revision,
        sha(flow.commit.as_deref()),
        validation(status),
        executions_table(&recent, false)
    )
}

/// `GET /ui/namespaces/{namespace}`.
pub async fn show(State(ctx): State<WebContext>, Path(namespace): Path<String>) -> Response {
    let (flows, statuses) = match load(&ctx).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let known = all_namespaces(&flows, &statuses);
    if !known.contains(&namespace) {
        return error_page(
            StatusCode::NOT_FOUND,
            &format!("namespace `{namespace}` not found"),
        );
    }
    let children: String = known
        .iter()
        .filter(|ns| *ns != &namespace && in_namespace(ns, &namespace))
        .map(|ns| {
            format!(
                "<li><a href=\"/ui/namespaces/{}\">{}</a></li>",
                seg(ns),
                esc(ns)
            )
        })
        .collect();
    let mut body = format!("<h1>Namespace {}</h1>", esc(&namespace));
    if !children.is_empty() {
        body.push_str(&format!("<p>Child namespaces:</p><ul>{children}</ul>"));
    }
    for flow in flows.iter().filter(|f| f.namespace == namespace) {
        let status = statuses
            .iter()
            .find(|s| s.namespace == flow.namespace && s.flow_id == flow.id);
        body.push_str(&flow_section(&ctx, flow, status).await);
    }
    // Flows whose file is broken and never deployed still show, with their diagnostics.
    for status in statuses.iter().filter(|s| s.namespace == namespace) {
        if !flows
            .iter()
            .any(|f| f.namespace == status.namespace && f.id == status.flow_id)
        {
            body.push_str(&format!(
                "<section class=\"card flow\"><h2>{}</h2><p class=\"muted\">{}</p>{}</section>",
                esc(&status.flow_id),
                esc(&status.path),
                validation(Some(status))
            ));
        }
    }
    respond(
        &format!("Namespace {namespace}"),
        Section::Namespaces,
        &body,
    )
}

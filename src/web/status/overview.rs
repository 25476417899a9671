//! The overview page `/`: the synced repository and its last applied and attempted commits,
//! sync errors, flow counts per namespace, executions by state over 24 hours, workers.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::extract::State;
use axum::response::Response;
use chrono::{Duration as Span, Utc};

use super::html::{Section, badge, error_page, esc, respond, seg, sha, time};
use crate::store::model::{
    CommitDetails, FlowRevision, FlowSyncStatus, State as RunState, WorkerInfo,
};
use crate::web::api::context::WebContext;
use crate::web::api::system::{SyncReport, sync_report};

/// A commit: its sha, then message, author and time from the sync status, or else the author
/// and time found among the revisions it deployed.
fn commit_line(
    revision: Option<&str>,
    details: Option<&CommitDetails>,
    flows: &[FlowRevision],
) -> String {
    let Some(commit) = revision else {
        return "—".into();
    };
    if let Some(d) = details {
        return format!(
            "{} <span class=\"commit-message\">{}</span> <span class=\"muted\">by {} · {}</span>",
            sha(Some(commit)),
            esc(&d.message),
            esc(&d.author),
            time(d.time)
        );
    }
    let deployed = flows.iter().find(|f| f.commit.as_deref() == Some(commit));
    let detail = deployed
        .map(|f| {
            format!(
                " <span class=\"muted\">by {} · {}</span>",
                esc(f.author.as_deref().unwrap_or("unknown")),
                time(f.deployed_at)
            )
        })
        .unwrap_or_default();
    format!("{}{detail}", sha(Some(commit)))
}

fn repo_card(report: &SyncReport, flows: &[FlowRevision]) -> String {
    let Some(status) = &report.status else {
        let repo = report
            .repo
            .as_deref()
            .map_or("no repository configured".to_string(), esc);
        return format!(
            "<section class=\"card\" id=\"repo\"><h2>Repository</h2><p>{repo}</p><p class=\"muted\">No sync recorded yet.</p></section>"
        );
    };
    let cond = esc(&status.condition);
    let problem = if status.condition == "Ready" {
        String::new()
    } else {
        format!(
            "<p class=\"error\" id=\"sync-error\">{}: {}</p>",
            esc(&status.reason),
            esc(&status.message)
        )
    };
    format!(
        "<section class=\"card\" id=\"repo\"><h2>Repository</h2><dl>\
<dt>URL</dt><dd>{}</dd><dt>Branch</dt><dd>{}</dd>\
<dt>Condition</dt><dd class=\"cond-{}\">{cond}</dd>\
<dt>Applied</dt><dd id=\"applied-commit\">{}</dd><dt>Attempted</dt><dd id=\"attempted-commit\">{}</dd><dt>Updated</dt><dd>{}</dd></dl>{problem}</section>",
        esc(report.repo.as_deref().unwrap_or(&status.repo)),
        esc(report.branch.as_deref().unwrap_or("—")),
        cond.to_ascii_lowercase(),
        commit_line(
            status.last_applied_revision.as_deref(),
            status.last_applied_commit.as_ref(),
            flows
        ),
        commit_line(
            status.last_attempted_revision.as_deref(),
            status.last_attempted_commit.as_ref(),
            flows
        ),
        time(status.updated_at),
    )
}

fn flow_errors(statuses: &[FlowSyncStatus]) -> String {
    let broken: Vec<_> = statuses.iter().filter(|s| s.condition != "Ready").collect();
    if broken.is_empty() {
        return String::new();
    }
    let rows: String = broken
        .iter()
        .map(|s| {
            format!(
                "<tr><td><a href=\"/ui/namespaces/{}\">{}</a></td><td>{}</td><td class=\"error\">{}: {}</td></tr>",
                seg(&s.namespace),
                esc(&format!("{}.{}", s.namespace, s.flow_id)),
                esc(&s.path),
                esc(&s.reason),
                esc(&s.message)
            )
        })
        .collect();
    format!(
        "<h2>Sync errors</h2><div class=\"scroll\"><table id=\"sync-errors\"><tr><th>Flow</th><th>File</th><th>Problem</th></tr>{rows}</table></div>"
    )
}

fn namespaces_card(flows: &[FlowRevision]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in flows {
        *counts.entry(f.namespace.as_str()).or_default() += 1;
    }
    let rows: String = counts
        .iter()
        .map(|(ns, n)| {
            format!(
                "<tr><td><a href=\"/ui/namespaces/{}\">{}</a></td><td>{n}</td></tr>",
                seg(ns),
                esc(ns)
            )
        })
        .collect();
    format!(
        "<section class=\"card\" id=\"namespaces\"><h2>Flows per namespace</h2><table><tr><th>Namespace</th><th>Flows</th></tr>{rows}</table><p class=\"muted\">{} flows deployed</p></section>",
        flows.len()
    )
}

fn states_card(counts: &[(RunState, i64)]) -> String {
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    let bars: String = counts
        .iter()
        .map(|(s, n)| {
            let width = if total > 0 { *n as f64 * 100.0 / total as f64 } else { 0.0 };
            format!("<span class=\"badge s-{}\" style=\"width:{width:.2}%;border-radius:0\" title=\"{} {n}\"></span>", s.as_str().to_ascii_lowercase(), s.as_str())
        })
        .collect();
    let rows: String = counts
        .iter()
        .map(|(s, n)| {
            format!(
                "<tr><td><a href=\"/ui/executions?state={}\">{}</a></td><td>{n}</td></tr>",
                s.as_str(),
                badge(*s)
            )
        })
        .collect();
    format!(
        "<section class=\"card\" id=\"executions-24h\"><h2>Executions, last 24 h</h2><div class=\"bars\">{bars}</div><table><tr><th>State</th><th>Count</th></tr>{rows}</table><p class=\"muted\">{total} in total</p></section>"
    )
}

fn workers_card(workers: &[WorkerInfo]) -> String {
    let now = Utc::now();
    let rows: String = workers
        .iter()
        .map(|w| {
            let ago = (now - w.last_heartbeat).num_seconds();
            let class = if ago > 60 { " class=\"error\"" } else { "" };
            format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td{class}>{} ({ago} s ago)</td></tr>",
                esc(&w.id),
                esc(&w.host),
                esc(w.group.as_deref().unwrap_or("—")),
                w.running,
                time(w.last_heartbeat)
            )
        })
        .collect();
    let body = if workers.is_empty() {
        "<p class=\"muted\">No worker registered.</p>".to_string()
    } else {
        format!(
            "<div class=\"scroll\"><table><tr><th>Worker</th><th>Host</th><th>Group</th><th>Running</th><th>Last heartbeat</th></tr>{rows}</table></div>"
        )
    };
    format!("<section id=\"workers\"><h2>Workers</h2>{body}</section>")
}

/// `GET /`.
pub async fn show(State(ctx): State<WebContext>) -> Response {
    let since = Utc::now() - Span::hours(24);
    let loaded = tokio::try_join!(
        async { sync_report(&ctx).await.map_err(|p| p.detail) },
        async { ctx.store.live_flows().await.map_err(|e| e.to_string()) },
        async {
            ctx.store
                .count_by_state(since)
                .await
                .map_err(|e| e.to_string())
        },
        async { ctx.store.workers().await.map_err(|e| e.to_string()) },
    );
    let (report, flows, counts, workers) = match loaded {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "overview: store read failed");
            return error_page(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "the store could not be read",
            );
        }
    };
    let mut body = String::from("<h1>Overview</h1><div class=\"grid\">");
    body.push_str(&repo_card(&report, &flows));
    body.push_str(&namespaces_card(&flows));
    body.push_str(&states_card(&counts));
    body.push_str("</div>");
    body.push_str(&flow_errors(&report.flows));
    let _ = write!(body, "{}", workers_card(&workers));
    respond("Overview", Section::Overview, &body)
}

//! The execution page `/ui/executions/{id}`: state, inputs, outputs, labels, trigger, flow
//! revision and commit, the Gantt chart of task runs, logs filtered by task and level
//! (`?taskId=&minLevel=`). While the execution runs, a few lines of JavaScript re-fetch the live
//! part (`/ui/executions/{id}/live`) every two seconds and swap it in, without a full reload.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use super::gantt;
use super::html::{
    Section, badge, duration, error_page, esc, execution_href, flow_href, respond, sha, time,
    time_opt,
};
use crate::store::model::{ALL_LEVELS, Execution, LogEntry, TaskRun};
use crate::web::api::context::WebContext;
use crate::web::api::executions::load_execution;
use crate::web::api::logs::LogQuery;

/// Most log lines the page shows.
const MAX_LINES: i64 = 2000;

fn json_block(id: &str, value: &Value) -> String {
    let empty = value.is_null() || value.as_object().is_some_and(|m| m.is_empty());
    if empty {
        return format!("<p class=\"muted\" id=\"{id}\">none</p>");
    }
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    format!("<pre id=\"{id}\"><code>{}</code></pre>", esc(&text))
}

fn task_runs_table(runs: &[TaskRun]) -> String {
    let rows: String = runs
        .iter()
        .map(|r| {
            format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"error\">{}</td></tr>",
                esc(&r.task_id),
                esc(r.value.as_deref().unwrap_or("")),
                badge(r.state),
                r.attempts.len(),
                r.ended.map_or("—".into(), |e| duration(r.created, e)),
                esc(r.error.as_deref().unwrap_or(""))
            )
        })
        .collect();
    format!(
        "<div class=\"scroll\"><table id=\"task-runs\"><tr><th>Task</th><th>Value</th><th>State</th><th>Attempts</th><th>Duration</th><th>Error</th></tr>{rows}</table></div>"
    )
}

fn log_lines(lines: &[LogEntry]) -> String {
    if lines.is_empty() {
        return "<p class=\"muted\" id=\"logs\">No log line.</p>".into();
    }
    let rows: String = lines
        .iter()
        .map(|l| {
            format!(
                "<tr class=\"lv-{lv}\"><td class=\"muted\">{}</td><td>{lv}</td><td><code>{}</code></td><td class=\"log\">{}</td></tr>",
                l.timestamp.format("%H:%M:%S%.3f"),
                esc(l.task_id.as_deref().unwrap_or("")),
                esc(&l.message),
                lv = l.level.as_str()
            )
        })
        .collect();
    format!(
        "<div class=\"scroll\"><table id=\"logs\"><tr><th>Time</th><th>Level</th><th>Task</th><th>Message</th></tr>{rows}</table></div>"
    )
}

fn log_filter_form(id: &str, runs: &[TaskRun], query: &LogQuery) -> String {
    let mut tasks: Vec<&str> = runs.iter().map(|r| r.task_id.as_str()).collect();
    tasks.sort_unstable();
    tasks.dedup();
    let chosen_task = query.task_id.as_deref().unwrap_or("");
    let task_options: String = tasks
        .iter()
        .map(|t| {
            let sel = if *t == chosen_task { " selected" } else { "" };
            format!("<option value=\"{}\"{sel}>{}</option>", esc(t), esc(t))
        })
        .collect();
    let chosen_level = query
        .min_level
        .as_deref()
        .unwrap_or("")
        .to_ascii_uppercase();
    let level_options: String = ALL_LEVELS
        .iter()
        .map(|l| {
            let sel = if l.as_str() == chosen_level {
                " selected"
            } else {
                ""
            };
            format!("<option{sel}>{}</option>", l.as_str())
        })
        .collect();
    format!(
        "<form class=\"filters\" method=\"get\" action=\"{}\"><label>Task<select name=\"taskId\"><option value=\"\">all</option>{task_options}</select></label>\
<label>Minimum level<select name=\"minLevel\"><option value=\"\">all</option>{level_options}</select></label><button>Filter</button></form>",
        execution_href(id)
    )
}

/// The part of the page that changes while the execution runs.
async fn live_part(
    ctx: &WebContext,
    execution: &Execution,
    query: &LogQuery,
) -> Result<String, Response> {
    let bad = |detail: String| error_page(StatusCode::BAD_REQUEST, &detail);
    let mut filter = query.to_filter().map_err(|p| bad(p.detail))?;
    filter.limit = Some(MAX_LINES);
    let loaded = tokio::try_join!(
        ctx.store.task_runs(&execution.id),
        ctx.store.logs(&execution.id, &filter)
    );
    let (runs, lines) = loaded.map_err(|e| {
        tracing::error!(error = %e, "execution page: store read failed");
        error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the store could not be read",
        )
    })?;
    let took = match (execution.started, execution.ended) {
        (Some(s), Some(e)) => duration(s, e),
        (Some(s), None) => format!("{} so far", duration(s, chrono::Utc::now())),
        _ => "—".into(),
    };
    Ok(format!(
        "<div id=\"live\" data-terminal=\"{}\"><p>State {} · duration {took}{}</p>\
<h2>Gantt</h2><div class=\"scroll\">{}</div><h2>Task runs</h2>{}<h2>Outputs</h2>{}<h2>Logs</h2>{}{}</div>",
        execution.state.is_terminal(),
        badge(execution.state),
        execution
            .error
            .as_deref()
            .map(|e| format!(" · <span class=\"error\">{}</span>", esc(e)))
            .unwrap_or_default(),
        gantt::svg(execution, &runs),
        task_runs_table(&runs),
        json_block("outputs", &execution.outputs),
        log_filter_form(&execution.id, &runs, query),
        log_lines(&lines),
    ))
}

fn labels(execution: &Execution) -> String {
    if execution.labels.is_empty() {
        return "—".into();
    }
    execution
        .labels
        .iter()
        .map(|l| {
            format!(
                "<code class=\"label\">{}:{}</code> ",
                esc(&l.key),
                esc(&l.value)
            )
        })
        .collect()
}

/// Re-fetches `#live` every 2 s until the execution is terminal (query string kept).
const LIVE_SCRIPT: &str = "<script>(function(){var t=setInterval(function(){var l=document.getElementById('live');\
if(!l||l.dataset.terminal==='true'){clearInterval(t);return;}\
fetch(location.pathname+'/live'+location.search).then(function(r){return r.ok?r.text():null}).then(function(h){\
if(h){l.outerHTML=h;}})},2000);})();</script>";

async fn execution_or_404(ctx: &WebContext, id: &str) -> Result<Execution, Response> {
    load_execution(ctx, id).await.map_err(|p| {
        let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        error_page(status, &p.detail)
    })
}

/// `GET /ui/executions/{id}`.
pub async fn show(
    State(ctx): State<WebContext>,
    Path(id): Path<String>,
    Query(query): Query<LogQuery>,
) -> Response {
    let execution = match execution_or_404(&ctx, &id).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let live = match live_part(&ctx, &execution, &query).await {
        Ok(html) => html,
        Err(r) => return r,
    };
    let origin = execution
        .original_id
        .as_deref()
        .map(|o| {
            format!(
                "<dt>Replay of</dt><dd><a href=\"{}\">{}</a></dd>",
                execution_href(o),
                esc(o)
            )
        })
        .unwrap_or_default();
    let parent = execution
        .parent
        .as_ref()
        .map(|p| {
            format!(
                "<dt>Parent</dt><dd><a href=\"{}\">{}</a></dd>",
                execution_href(&p.execution_id),
                esc(&p.execution_id)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>Execution <code>{}</code></h1><div class=\"grid\"><section class=\"card\"><dl>\
<dt>Flow</dt><dd><a href=\"{}\">{}</a></dd><dt>Revision</dt><dd><a href=\"{}?revision={}\">{}</a> · {}</dd>\
<dt>Created</dt><dd>{}</dd><dt>Started</dt><dd>{}</dd><dt>Ended</dt><dd>{}</dd><dt>Labels</dt><dd>{}</dd>{origin}{parent}</dl></section>\
<section class=\"card\"><h2>Inputs</h2>{}<h2>Trigger</h2>{}</section></div>{live}{}",
        esc(&execution.id),
        flow_href(&execution.namespace, &execution.flow_id),
        esc(&format!("{}.{}", execution.namespace, execution.flow_id)),
        flow_href(&execution.namespace, &execution.flow_id),
        execution.flow_revision,
        execution.flow_revision,
        sha(execution.commit.as_deref()),
        time(execution.created),
        time_opt(execution.started),
        time_opt(execution.ended),
        labels(&execution),
        json_block("inputs", &execution.inputs),
        json_block(
            "trigger",
            execution.trigger.as_ref().unwrap_or(&Value::Null)
        ),
        if execution.state.is_terminal() {
            ""
        } else {
            LIVE_SCRIPT
        },
    );
    respond(
        &format!("Execution {}", execution.id),
        Section::Executions,
        &body,
    )
}

/// `GET /ui/executions/{id}/live`: the live fragment alone.
pub async fn live(
    State(ctx): State<WebContext>,
    Path(id): Path<String>,
    Query(query): Query<LogQuery>,
) -> Response {
    let execution = match execution_or_404(&ctx, &id).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match live_part(&ctx, &execution, &query).await {
        Ok(html) => Html(html).into_response(),
        Err(r) => r,
    }
}

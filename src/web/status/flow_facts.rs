//! What the namespace and flow pages show about one flow besides its tasks: validation status
//! with diagnostics (line numbers), triggers with their next fire time, recent executions.

use std::str::FromStr;

use chrono::Utc;
use serde_json::Value;

use super::html::{badge, esc, execution_href, time, time_opt};
use crate::spec::{Cron, Flow, TriggerKind};
use crate::store::model::{Execution, FlowSyncStatus};

/// The validation status: condition, message and each diagnostic with its line and column.
pub fn validation(status: Option<&FlowSyncStatus>) -> String {
    let Some(status) = status else {
        return "<span class=\"muted\">no sync status</span>".into();
    };
    let cond = format!(
        "<span class=\"cond-{}\">{}</span>",
        esc(&status.condition.to_ascii_lowercase()),
        esc(&status.condition)
    );
    if status.condition == "Ready" {
        return cond;
    }
    let items: String = match &status.diagnostics {
        Value::Array(list) => list.iter().map(diagnostic).collect(),
        _ => String::new(),
    };
    format!(
        "{cond} <span class=\"error\">{}: {}</span><ul class=\"diagnostics\">{items}</ul>",
        esc(&status.reason),
        esc(&status.message)
    )
}

fn diagnostic(d: &Value) -> String {
    let field = |k: &str| {
        d.get(k)
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .unwrap_or_default()
    };
    format!(
        "<li class=\"diagnostic\"><code>{}:{}:{}</code> <b>{}</b> {} <span class=\"muted\">{}</span></li>",
        esc(&field("file")),
        esc(&field("line")),
        esc(&field("column")),
        esc(&field("severity")),
        esc(&field("message")),
        esc(&field("code"))
    )
}

/// The triggers of a flow, schedules with their next fire time.
pub fn triggers(flow: &Flow) -> String {
    if flow.triggers.is_empty() {
        return "<span class=\"muted\">none</span>".into();
    }
    let items: String = flow
        .triggers
        .iter()
        .map(|t| {
            let kind = t.type_name.rsplit('.').next().unwrap_or(t.type_name);
            let detail = match &t.kind {
                TriggerKind::Schedule(s) => next_fire(&s.cron, s.timezone.as_deref(), t.disabled),
                _ => String::new(),
            };
            format!("<li><code>{}</code> {}{detail}</li>", esc(&t.id), esc(kind))
        })
        .collect();
    format!("<ul class=\"tree triggers\">{items}</ul>")
}

fn next_fire(cron: &str, timezone: Option<&str>, disabled: bool) -> String {
    if disabled {
        return format!(
            " <code>{}</code> <span class=\"muted\">disabled</span>",
            esc(cron)
        );
    }
    let Ok(parsed) = Cron::parse(cron) else {
        return format!(
            " <code>{}</code> <span class=\"error\">invalid cron</span>",
            esc(cron)
        );
    };
    let zone = timezone
        .and_then(|z| chrono_tz::Tz::from_str(z).ok())
        .unwrap_or(chrono_tz::UTC);
    let next = parsed
        .next_after(&Utc::now().with_timezone(&zone))
        .map(|t| t.with_timezone(&Utc));
    format!(
        " <code>{}</code> next: <span class=\"next-fire\">{}</span>",
        esc(cron),
        time_opt(next)
    )
}

/// A short table of executions.
pub fn executions_table(executions: &[Execution], with_flow: bool) -> String {
    if executions.is_empty() {
        return "<p class=\"muted\">No executions.</p>".into();
    }
    let head = if with_flow { "<th>Flow</th>" } else { "" };
    let rows: String = executions
        .iter()
        .map(|e| {
            let flow = if with_flow {
                format!(
                    "<td><a href=\"{}\">{}</a></td>",
                    super::html::flow_href(&e.namespace, &e.flow_id),
                    esc(&format!("{}.{}", e.namespace, e.flow_id))
                )
            } else {
                String::new()
            };
            let took = match (e.started, e.ended) {
                (Some(s), Some(t)) => super::html::duration(s, t),
                _ => "—".into(),
            };
            format!(
                "<tr><td><a href=\"{}\"><code>{}</code></a></td>{flow}<td>{}</td><td>{}</td><td>{took}</td></tr>",
                execution_href(&e.id),
                esc(&e.id),
                badge(e.state),
                time(e.created)
            )
        })
        .collect();
    format!(
        "<div class=\"scroll\"><table class=\"executions\"><tr><th>Execution</th>{head}<th>State</th><th>Created</th><th>Duration</th></tr>{rows}</table></div>"
    )
}

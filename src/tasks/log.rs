//! `Log` and the deprecated `Echo`: render messages into log lines.

use serde_json::Value;

use super::context::{LogLine, TaskContext, TaskError, TaskOutcome};
use crate::spec::kinds::core::{Echo, Log};

/// Logs one message or each message of a list.
pub fn log(ctx: &TaskContext<'_>, task: &Log) -> Result<TaskOutcome, TaskError> {
    let level = ctx.level(task.level.as_deref());
    let messages: Vec<&Value> = match &task.message {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut out = TaskOutcome::success();
    for m in messages {
        let message = match m {
            Value::String(s) => ctx.render_str("message", s)?,
            other => other.to_string(),
        };
        out.logs.push(LogLine {
            level: level.clone(),
            message,
            task_id: None,
            timestamp: None,
        });
    }
    Ok(out)
}

/// Logs `format`.
pub fn echo(ctx: &TaskContext<'_>, task: &Echo) -> Result<TaskOutcome, TaskError> {
    let message = ctx.render_str("format", &task.format)?;
    let mut out = TaskOutcome::success();
    out.logs.push(LogLine {
        level: ctx.level(task.level.as_deref()),
        message,
        task_id: None,
        timestamp: None,
    });
    Ok(out)
}

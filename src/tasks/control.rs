//! Tasks that steer the execution: `Sleep` (a timer kept by the engine), `Fail`, `Exit` and
//! `Labels`.

use serde_json::Value;

use super::context::{TaskContext, TaskError, TaskOutcome};
use crate::spec::kinds::core::{Exit, ExitState, Fail, Labels, Sleep};
use crate::spec::{Duration, Templated};

/// Resolves the duration; the engine waits it out without blocking.
pub fn sleep(ctx: &TaskContext<'_>, task: &Sleep) -> Result<TaskOutcome, TaskError> {
    let duration = duration(ctx, "duration", &task.duration)?;
    let mut out = TaskOutcome::success();
    // Kestra's Sleep logs the wait at INFO (log.Fetch counts it).
    out.logs.push(super::context::LogLine {
        level: "INFO".into(),
        message: format!("Sleeping for {}", Duration::from_std(duration)),
        task_id: None,
        timestamp: None,
    });
    out.sleep = Some(duration);
    Ok(out)
}

/// Renders a templated duration.
pub fn duration(
    ctx: &TaskContext<'_>,
    property: &str,
    value: &Templated<Duration>,
) -> Result<std::time::Duration, TaskError> {
    match value {
        Templated::Lit(d) => Ok(d.as_std()),
        Templated::Expr(e) => {
            let text = ctx.render_str(property, e)?;
            Duration::parse(text.trim())
                .map(|d| d.as_std())
                .map_err(|err| ctx.property_error(property, format!("`{text}`: {err}")))
        }
    }
}

/// True when a condition (absent = true) renders to something truthy.
fn holds(ctx: &TaskContext<'_>, condition: &Option<Value>) -> Result<bool, TaskError> {
    let Some(c) = condition else { return Ok(true) };
    let v = ctx.render_typed("condition", c)?;
    Ok(truthy(&v))
}

/// Kestra's truthiness of a rendered condition.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => {
            let t = s.trim();
            !(t.is_empty()
                || t.eq_ignore_ascii_case("false")
                || t == "0"
                || t.eq_ignore_ascii_case("null"))
        }
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Fails when its condition holds.
pub fn fail(ctx: &TaskContext<'_>, task: &Fail) -> Result<TaskOutcome, TaskError> {
    if !holds(ctx, &task.condition)? {
        return Ok(TaskOutcome::success());
    }
    let message = match &task.error_message {
        Some(m) => ctx.render_str("errorMessage", m)?,
        None => "Task failure".to_string(),
    };
    Ok(TaskOutcome::failed(message))
}

/// Ends the execution in `state` when its condition holds.
pub fn exit(ctx: &TaskContext<'_>, task: &Exit) -> Result<TaskOutcome, TaskError> {
    let mut out = TaskOutcome::success();
    if holds(ctx, &task.condition)? {
        out.exit = Some(match task.state.unwrap_or(ExitState::Success) {
            ExitState::Success => "SUCCESS",
            ExitState::Warning => "WARNING",
            ExitState::Killed => "KILLED",
            ExitState::Failed => "FAILED",
            ExitState::Canceled => "CANCELLED",
        });
    }
    Ok(out)
}

/// Adds labels to the execution.
pub fn labels(ctx: &TaskContext<'_>, task: &Labels) -> Result<TaskOutcome, TaskError> {
    let rendered = match &task.labels {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                out.insert(
                    ctx.render_str("labels", k)?,
                    ctx.render_typed(&format!("labels.{k}"), v)?,
                );
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.clone()),
        other => ctx.render_typed("labels", other)?,
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out = TaskOutcome::success();
    match rendered {
        Value::Object(map) => out.labels = map.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        Value::Array(items) => {
            for item in items {
                let (Some(k), Some(v)) = (item.get("key"), item.get("value")) else {
                    return Err(ctx.property_error("labels", "list items must be {key, value}"));
                };
                let v = ctx.render_typed("labels", v)?;
                out.labels
                    .push((text(&ctx.render_typed("labels", k)?), text(&v)));
            }
        }
        other => {
            return Err(
                ctx.property_error("labels", format!("must be a map or a list, got {other}"))
            );
        }
    }
    Ok(out)
}

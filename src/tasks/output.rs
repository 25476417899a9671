//! `Return` (a rendered `value`) and `OutputValues` (rendered `values`).

use serde_json::Value;

use super::context::{TaskContext, TaskError, TaskOutcome};
use crate::spec::kinds::core::{OutputValues, Return};

/// Renders `format` into the output `value`.
pub fn return_value(ctx: &TaskContext<'_>, task: &Return) -> Result<TaskOutcome, TaskError> {
    let mut out = TaskOutcome::success();
    let value = match &task.format {
        Some(f) => Value::String(ctx.render_str("format", f)?),
        None => Value::Null,
    };
    out.outputs.insert("value".into(), value);
    Ok(out)
}

/// Renders every value into the output `values`.
pub fn output_values(ctx: &TaskContext<'_>, task: &OutputValues) -> Result<TaskOutcome, TaskError> {
    let mut out = TaskOutcome::success();
    let mut values = serde_json::Map::new();
    for (k, v) in &task.values {
        // Kestra renders each string to a string ("{{ 1 + 1 }}" gives "2").
        values.insert(k.clone(), ctx.render_value(&format!("values.{k}"), v)?);
    }
    out.outputs.insert("values".into(), Value::Object(values));
    Ok(out)
}

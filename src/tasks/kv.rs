//! Key-value tasks (`kv.Set/Get/Delete`) and the legacy state store (`state.Set/Get/Delete`),
//! kept as one KV entry per state name (per flow, and per ForEach value unless disabled).

use serde_json::{Map, Value};

use super::context::{TaskContext, TaskError, TaskOutcome};
use super::control::{duration, truthy};
use crate::spec::Templated;
use crate::spec::kinds::core::{KvDelete, KvGet, KvSet, StateDelete, StateGet, StateSet};

fn namespace(ctx: &TaskContext<'_>, given: &Option<String>) -> Result<String, TaskError> {
    match given {
        Some(ns) => ctx.render_str("namespace", ns),
        None => Ok(ctx.namespace.to_string()),
    }
}

fn flag(
    ctx: &TaskContext<'_>,
    property: &str,
    value: &Option<Templated<bool>>,
    default: bool,
) -> Result<bool, TaskError> {
    match value {
        None => Ok(default),
        Some(Templated::Lit(b)) => Ok(*b),
        Some(Templated::Expr(e)) => Ok(truthy(&Value::String(ctx.render_str(property, e)?))),
    }
}

/// `kv.Set`.
pub async fn set(ctx: &TaskContext<'_>, task: &KvSet) -> Result<TaskOutcome, TaskError> {
    let ns = namespace(ctx, &task.namespace)?;
    let key = ctx.render_str("key", &task.key)?;
    let value = ctx.render_typed("value", &task.value)?;
    let ttl = match &task.ttl {
        Some(t) => Some(duration(ctx, "ttl", t)?),
        None => None,
    };
    if !flag(ctx, "overwrite", &task.overwrite, true)?
        && ctx
            .services
            .kv_get(&ns, &key)
            .await
            .map_err(|e| ctx.service_error(e))?
            .is_some()
    {
        return Ok(TaskOutcome::failed(format!(
            "key `{key}` already exists in namespace `{ns}` and overwrite is false"
        )));
    }
    ctx.services
        .kv_set(&ns, &key, &value, ttl)
        .await
        .map_err(|e| ctx.service_error(e))?;
    Ok(TaskOutcome::success())
}

/// `kv.Get`: output `value`.
pub async fn get(ctx: &TaskContext<'_>, task: &KvGet) -> Result<TaskOutcome, TaskError> {
    let ns = namespace(ctx, &task.namespace)?;
    let key = ctx.render_str("key", &task.key)?;
    let value = ctx
        .services
        .kv_get(&ns, &key)
        .await
        .map_err(|e| ctx.service_error(e))?;
    if value.is_none() && flag(ctx, "errorOnMissingKey", &task.error_on_missing_key, false)? {
        return Ok(TaskOutcome::failed(format!(
            "key `{key}` not found in namespace `{ns}`"
        )));
    }
    let mut out = TaskOutcome::success();
    out.outputs
        .insert("value".into(), value.unwrap_or(Value::Null));
    Ok(out)
}

/// `kv.Delete`: output `deleted`.
pub async fn delete(ctx: &TaskContext<'_>, task: &KvDelete) -> Result<TaskOutcome, TaskError> {
    let ns = namespace(ctx, &task.namespace)?;
    let key = ctx.render_str("key", &task.key)?;
    let deleted = ctx
        .services
        .kv_delete(&ns, &key)
        .await
        .map_err(|e| ctx.service_error(e))?;
    if !deleted && flag(ctx, "errorOnMissingKey", &task.error_on_missing_key, false)? {
        return Ok(TaskOutcome::failed(format!(
            "key `{key}` not found in namespace `{ns}`"
        )));
    }
    let mut out = TaskOutcome::success();
    out.outputs.insert("deleted".into(), Value::Bool(deleted));
    Ok(out)
}

/// The KV key of a state: per flow (unless namespace-wide), per ForEach value (unless not).
fn state_key(
    ctx: &TaskContext<'_>,
    name: &Option<String>,
    namespace_wide: Option<bool>,
    per_value: Option<bool>,
) -> Result<String, TaskError> {
    let name = match name {
        Some(n) => ctx.render_str("name", n)?,
        None => "default".to_string(),
    };
    let mut key = if namespace_wide.unwrap_or(false) {
        format!("states.{name}")
    } else {
        format!("states.{}.{name}", ctx.flow_id)
    };
    if per_value.unwrap_or(true)
        && let Some(v) = ctx.value
    {
        key.push('.');
        key.push_str(v);
    }
    Ok(key)
}

/// `state.Set`: merges `data` into the state; outputs `count` and `key`.
pub async fn state_set(ctx: &TaskContext<'_>, task: &StateSet) -> Result<TaskOutcome, TaskError> {
    let key = state_key(ctx, &task.name, task.namespace, task.taskrun_value)?;
    let stored = ctx
        .services
        .kv_get(ctx.namespace, &key)
        .await
        .map_err(|e| ctx.service_error(e))?;
    let mut data = match stored {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (k, v) in &task.data {
        data.insert(k.clone(), ctx.render_typed(&format!("data.{k}"), v)?);
    }
    let count = data.len();
    ctx.services
        .kv_set(ctx.namespace, &key, &Value::Object(data), None)
        .await
        .map_err(|e| ctx.service_error(e))?;
    let mut out = TaskOutcome::success();
    out.outputs.insert("count".into(), Value::from(count));
    out.outputs.insert("key".into(), Value::String(key));
    Ok(out)
}

/// `state.Get`: outputs `data` and `count`.
pub async fn state_get(ctx: &TaskContext<'_>, task: &StateGet) -> Result<TaskOutcome, TaskError> {
    let key = state_key(ctx, &task.name, task.namespace, task.taskrun_value)?;
    let stored = ctx
        .services
        .kv_get(ctx.namespace, &key)
        .await
        .map_err(|e| ctx.service_error(e))?;
    if stored.is_none() && task.error_on_missing.unwrap_or(false) {
        return Ok(TaskOutcome::failed(format!("state `{key}` not found")));
    }
    let data = match stored {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let mut out = TaskOutcome::success();
    out.outputs.insert("count".into(), Value::from(data.len()));
    out.outputs.insert("data".into(), Value::Object(data));
    Ok(out)
}

/// `state.Delete`: output `deleted`.
pub async fn state_delete(
    ctx: &TaskContext<'_>,
    task: &StateDelete,
) -> Result<TaskOutcome, TaskError> {
    let key = state_key(ctx, &task.name, task.namespace, task.taskrun_value)?;
    let deleted = ctx
        .services
        .kv_delete(ctx.namespace, &key)
        .await
        .map_err(|e| ctx.service_error(e))?;
    if !deleted && task.error_on_missing.unwrap_or(false) {
        return Ok(TaskOutcome::failed(format!("state `{key}` not found")));
    }
    let mut out = TaskOutcome::success();
    out.outputs.insert("deleted".into(), Value::Bool(deleted));
    Ok(out)
}

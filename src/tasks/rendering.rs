//! Rendering a worker task's properties with the context the engine stored, plus the values
//! only the worker knows (`workingDir`, `outputDir`). Renders run on the blocking pool because
//! template functions (`secret`, `kv`, `read`) may block.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::error::WorkerTaskError;
use crate::spec::Task;
use crate::template::{RenderContext, Renderer, TemplateServices};

/// A rendered value and the secret values its rendering revealed.
#[derive(Debug, Clone)]
pub(crate) struct Rendered<T> {
    /// The rendered value.
    pub value: T,
    /// Secrets to mask in logs and messages.
    pub secrets: BTreeSet<String>,
}

/// Renders every string of `value` with `vars`.
pub(crate) async fn render_value(
    renderer: &Renderer,
    services: &Arc<dyn TemplateServices>,
    vars: Value,
    value: Value,
    task_id: &str,
    property: &str,
) -> Result<Rendered<Value>, WorkerTaskError> {
    let renderer = renderer.clone();
    let services = Arc::clone(services);
    let joined = tokio::task::spawn_blocking(move || {
        let ctx = RenderContext::new(vars, services);
        let rendered = renderer.render_value(&value, &ctx);
        (rendered, ctx.secrets_used())
    })
    .await;
    let render_error = |reason: String| WorkerTaskError::Render {
        task_id: task_id.to_owned(),
        property: property.to_owned(),
        reason,
    };
    let (rendered, secrets) = joined.map_err(|error| render_error(error.to_string()))?;
    Ok(Rendered {
        value: rendered.map_err(|error| render_error(error.to_string()))?,
        secrets,
    })
}

/// Renders every property of a task (but its `id` and `type`) and reads it back as a task.
pub(crate) async fn render_task(
    renderer: &Renderer,
    services: &Arc<dyn TemplateServices>,
    vars: Value,
    task: &Map<String, Value>,
) -> Result<Rendered<Task>, WorkerTaskError> {
    let task_id = task
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut props = task.clone();
    let id = props.remove("id");
    let type_name = props.remove("type");
    let rendered = render_value(
        renderer,
        services,
        vars,
        Value::Object(props),
        &task_id,
        "task",
    )
    .await?;
    let mut map = match rendered.value {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    map.extend(id.map(|v| ("id".to_owned(), v)));
    map.extend(type_name.map(|v| ("type".to_owned(), v)));
    let task = Task::from_map(&map).map_err(|error| WorkerTaskError::Invalid {
        task_id: task_id.clone(),
        reason: format!("after rendering: {error}"),
    })?;
    Ok(Rendered {
        value: task,
        secrets: rendered.secrets,
    })
}

/// `vars` with extra top-level entries (e.g. `workingDir`, `outputDir`).
pub(crate) fn with_entries(vars: &Value, entries: &[(&str, &str)]) -> Value {
    let mut map = match vars {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    for (key, value) in entries {
        map.insert((*key).to_owned(), Value::String((*value).to_owned()));
    }
    Value::Object(map)
}

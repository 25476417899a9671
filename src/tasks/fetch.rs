//! `log.Fetch`: an execution's log lines (by task and level) written to a file under the data
//! directory; outputs `size` (lines) and `uri` (`kestra:///...`).

use serde_json::Value;

use super::context::{TaskContext, TaskError, TaskOutcome};
use crate::spec::kinds::core::LogFetch;

/// Writes the matching log lines to `<data dir>/executions/<id>/<task run>/logs.txt`.
pub async fn fetch(ctx: &TaskContext<'_>, task: &LogFetch) -> Result<TaskOutcome, TaskError> {
    let execution_id = match &task.execution_id {
        Some(id) => ctx.render_str("executionId", id)?,
        None => ctx.execution_id.to_string(),
    };
    let level = match &task.level {
        Some(l) => ctx.render_str("level", l)?,
        None => "INFO".to_string(),
    };
    let lines = ctx
        .services
        .execution_logs(&execution_id, &task.tasks_id, &level)
        .await
        .map_err(|e| ctx.service_error(e))?;
    let relative = format!(
        "executions/{}/{}/logs.txt",
        ctx.execution_id, ctx.task_run_id
    );
    let path = ctx.data_dir.join(&relative);
    let mut text = String::new();
    for l in &lines {
        text.push_str(&format!(
            "[{}] {} [{}] {}\n",
            l.timestamp.as_deref().unwrap_or(""),
            l.level,
            l.task_id.as_deref().unwrap_or(""),
            l.message
        ));
    }
    let write = async {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::write(&path, text).await
    };
    write
        .await
        .map_err(|e| ctx.service_error(format!("cannot write {}: {e}", path.display())))?;
    let mut out = TaskOutcome::success();
    out.outputs.insert("size".into(), Value::from(lines.len()));
    out.outputs
        .insert("uri".into(), Value::String(format!("kestra:///{relative}")));
    Ok(out)
}

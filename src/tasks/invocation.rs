//! One worker task to run: the task's JSON and template context as the engine stored them
//! (`Invocation`), what the worker lends it (`Facilities`), and `run`, which renders, dispatches
//! on the task type and never panics: every failure becomes a `TaskResult`.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::docker_engine::DockerEngine;
use super::error::WorkerTaskError;
use super::namespace_files::NamespaceFiles;
use super::result::TaskResult;
use super::{database, http, script};
use crate::files::{FileKey, FileStore};
use crate::runner::LogLine;
use crate::spec::{Task, TaskKind};
use crate::template::{Renderer, TemplateServices};

/// A task run as a worker receives it: nothing here refers to the engine's process.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The task's JSON object (after plugin defaults), not rendered yet.
    pub task: Map<String, Value>,
    /// The template context the engine built for this task run.
    pub vars: Value,
    /// Namespace, flow, execution, task and task run ids (where its files go).
    pub key: FileKey,
}

/// What a worker lends to the tasks it runs.
#[derive(Clone)]
pub struct Facilities {
    /// Where output files are stored and input files read.
    pub files: FileStore,
    /// Where `namespaceFiles` come from.
    pub namespace_files: Arc<dyn NamespaceFiles>,
    /// The template renderer.
    pub renderer: Renderer,
    /// Secrets, KV, files and clock for templates.
    pub services: Arc<dyn TemplateServices>,
    /// The Docker engine for `taskRunner: Docker` (connected on first use).
    pub docker: DockerEngine,
    /// Parent of every task run's working directory (`<data dir>/work`).
    pub work_root: PathBuf,
}

impl std::fmt::Debug for Facilities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Facilities")
            .field("files", &self.files)
            .field("work_root", &self.work_root)
            .finish_non_exhaustive()
    }
}

/// True when `type_name` (canonical or alias) is a task type a worker runs.
pub fn is_worker_task(type_name: &str) -> bool {
    crate::spec::catalogue::task_type(type_name).is_some_and(|entry| {
        matches!(
            entry.name,
            "io.kestra.plugin.scripts.shell.Commands"
                | "io.kestra.plugin.scripts.shell.Script"
                | "io.kestra.plugin.scripts.python.Script"
                | "io.kestra.plugin.scripts.python.Commands"
                | "io.kestra.plugin.scripts.node.Script"
                | "io.kestra.plugin.scripts.node.Commands"
                | "io.kestra.core.tasks.scripts.Python"
                | "io.kestra.plugin.core.http.Request"
                | "io.kestra.plugin.core.http.Download"
                | "io.kestra.plugin.jdbc.postgresql.Query"
                | "io.kestra.plugin.jdbc.postgresql.Queries"
                | "io.kestra.plugin.jdbc.postgresql.CopyIn"
                | "io.kestra.plugin.jdbc.postgresql.CopyOut"
                | "io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles"
        )
    })
}

/// Runs one worker task: renders it, runs it, and reports how it ended. Log lines (secrets
/// masked) go to `logs` while it runs; `cancel` stops it (ending `Killed`).
pub async fn run_worker_task(
    invocation: &Invocation,
    facilities: &Facilities,
    logs: mpsc::Sender<LogLine>,
    cancel: CancellationToken,
) -> TaskResult {
    match dispatch(invocation, facilities, logs, cancel).await {
        Ok(result) => result,
        Err(error) => TaskResult::failed(error.to_string()),
    }
}

async fn dispatch(
    invocation: &Invocation,
    facilities: &Facilities,
    logs: mpsc::Sender<LogLine>,
    cancel: CancellationToken,
) -> Result<TaskResult, WorkerTaskError> {
    let task = Task::from_map(&invocation.task).map_err(|error| WorkerTaskError::Invalid {
        task_id: invocation.key.task_id.clone(),
        reason: error.to_string(),
    })?;
    use TaskKind as K;
    match &task.kind {
        K::ShellCommands(_)
        | K::ShellScript(_)
        | K::PythonScript(_)
        | K::PythonCommands(_)
        | K::NodeScript(_)
        | K::NodeCommands(_)
        | K::LegacyPython(_) => script::run(invocation, facilities, logs, cancel).await,
        K::HttpRequest(_) | K::HttpDownload(_) => {
            bounded(&task, http::run(invocation, facilities, logs, cancel)).await
        }
        K::PurgeCurrentExecutionFiles(_) => {
            super::storage::purge_current_execution_files(invocation, facilities).await
        }
        kind if super::jdbc::handles(kind) => {
            bounded(&task, database::run(invocation, facilities, logs, cancel)).await
        }
        _ => Err(WorkerTaskError::NotWorkerTask {
            task_id: task.id.clone(),
            type_name: task.type_name.to_owned(),
        }),
    }
}

/// `work` bounded by the task's literal `timeout` (script runners apply their own).
async fn bounded(
    task: &Task,
    work: impl std::future::Future<Output = Result<TaskResult, WorkerTaskError>>,
) -> Result<TaskResult, WorkerTaskError> {
    match task.common.timeout.as_ref().and_then(|t| t.literal()) {
        Some(limit) => match tokio::time::timeout(limit.as_std(), work).await {
            Ok(result) => result,
            Err(_) => Ok(TaskResult::failed(format!("timed out after {limit}"))),
        },
        None => work.await,
    }
}

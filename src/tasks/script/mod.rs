//! Script tasks (`shell`, `python`, `node` Commands and Script, and the legacy
//! `scripts.Python`): pick the runner, render the task with `workingDir`/`outputDir`, gather the
//! input files, run the command spec, store the output files, and turn the outcome into
//! `exitCode`, `vars` and `outputFiles` outputs.
//!
//! Each task run gets its own working directory `<work root>/<task run id>`, removed afterwards.

mod input_files;
mod language;
mod node_env;
mod outcome;
mod python_env;
pub mod runner_choice;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use self::input_files::InputSources;
use self::language::Language;
use self::runner_choice::{RUNNER_PROPERTIES, RunnerChoice};
use super::error::WorkerTaskError;
use super::invocation::{Facilities, Invocation};
use super::masking::{masked, masked_logs};
use super::rendering::{render_task, render_value, with_entries};
use super::result::TaskResult;
use crate::runner::{
    CommandOutcome, CommandSpec, EXECUTION_LABEL, LogLine, RunnerConfig, RunnerError,
    TASKRUN_LABEL, work_paths,
};
use crate::spec::{Task, Templated};

/// Runs a script task to its result.
pub(crate) async fn run(
    invocation: &Invocation,
    facilities: &Facilities,
    logs: mpsc::Sender<LogLine>,
    cancel: CancellationToken,
) -> Result<TaskResult, WorkerTaskError> {
    let task_id = invocation.key.task_id.clone();
    let raw = Task::from_map(&invocation.task).map_err(|error| WorkerTaskError::Invalid {
        task_id: task_id.clone(),
        reason: error.to_string(),
    })?;
    let language = Language::of(&raw.kind).ok_or_else(|| WorkerTaskError::NotWorkerTask {
        task_id: task_id.clone(),
        type_name: raw.type_name.to_owned(),
    })?;
    let (choice, mut secrets) = choose_runner(invocation, facilities, language).await?;
    let work_dir = facilities.work_root.join(&invocation.key.task_run_id);
    let paths = work_paths(&choice.config, &work_dir);
    let vars = with_entries(
        &invocation.vars,
        &[
            ("workingDir", &paths.working_dir),
            ("outputDir", &paths.output_dir),
        ],
    );
    let rendered = render_task(
        &facilities.renderer,
        &facilities.services,
        vars,
        &invocation.task,
    )
    .await?;
    secrets.extend(rendered.secrets);
    let task = rendered.value;
    let spec = command_spec(&task, invocation, facilities, choice.config.clone()).await?;
    let (masked_sender, forwarder) = masked_logs(logs, secrets.clone());
    let outcome = execute(&spec, &choice, &work_dir, facilities, masked_sender, cancel)
        .await
        .map_err(|source| WorkerTaskError::Runner {
            task_id: task_id.clone(),
            source,
        });
    // Every line reaches the caller before the result does.
    let _ = forwarder.await;
    let result = match outcome {
        Ok(outcome) => outcome::result(&outcome, &spec, facilities, &invocation.key).await,
        Err(error) => Err(error),
    };
    remove_work_dir(&work_dir).await;
    result.map_err(|error| mask_error(error, &secrets))
}

/// Renders the runner properties alone and picks the runner from them.
async fn choose_runner(
    invocation: &Invocation,
    facilities: &Facilities,
    language: Language,
) -> Result<(RunnerChoice, BTreeSet<String>), WorkerTaskError> {
    let task_id = &invocation.key.task_id;
    let subset: Map<String, Value> = RUNNER_PROPERTIES
        .iter()
        .filter_map(|name| {
            invocation
                .task
                .get(*name)
                .map(|v| ((*name).to_owned(), v.clone()))
        })
        .collect();
    let rendered = render_value(
        &facilities.renderer,
        &facilities.services,
        invocation.vars.clone(),
        Value::Object(subset),
        task_id,
        "taskRunner",
    )
    .await?;
    let props = rendered.value.as_object().cloned().unwrap_or_default();
    let choice = runner_choice::choose(&props, language.default_image(), task_id)?;
    Ok((choice, rendered.secrets))
}

/// The command spec of a rendered script task.
async fn command_spec(
    task: &Task,
    invocation: &Invocation,
    facilities: &Facilities,
    mut runner: RunnerConfig,
) -> Result<CommandSpec, WorkerTaskError> {
    let key = &invocation.key;
    let script_name = format!("script_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let plan = language::plan(task, &script_name)?;
    let sources = InputSources {
        files: &facilities.files,
        namespace_files: facilities.namespace_files.as_ref(),
        namespace: &key.namespace,
        task_id: &key.task_id,
    };
    let mut input_files =
        input_files::resolve(&sources, &plan.namespace_files, &plan.input_files).await?;
    input_files.extend(plan.generated_files);
    if let RunnerConfig::Docker(options) = &mut runner {
        options
            .labels
            .insert(EXECUTION_LABEL.to_owned(), key.execution_id.clone());
        options
            .labels
            .insert(TASKRUN_LABEL.to_owned(), key.task_run_id.clone());
        options.labels.extend(facilities.docker.labels().clone());
    }
    Ok(CommandSpec {
        interpreter: plan.interpreter,
        commands: plan.commands,
        before_commands: plan.before_commands,
        fail_fast: plan.fail_fast,
        env: plan.env,
        input_files,
        output_files: plan.output_files,
        timeout: timeout(task)?,
        warning_on_stderr: plan.warning_on_stderr,
        runner,
    })
}

/// The task's `timeout`, rendered.
fn timeout(task: &Task) -> Result<Option<Duration>, WorkerTaskError> {
    match &task.common.timeout {
        None => Ok(None),
        Some(Templated::Lit(duration)) => Ok(Some(duration.as_std())),
        Some(Templated::Expr(text)) => crate::spec::Duration::parse(text)
            .map(|d| Some(d.as_std()))
            .map_err(|error| WorkerTaskError::Property {
                task_id: task.id.clone(),
                property: "timeout".to_owned(),
                reason: error.to_string(),
            }),
    }
}

/// Runs the spec on its runner (Docker through the worker's shared engine connection).
async fn execute(
    spec: &CommandSpec,
    choice: &RunnerChoice,
    work_dir: &Path,
    facilities: &Facilities,
    logs: mpsc::Sender<LogLine>,
    cancel: CancellationToken,
) -> Result<CommandOutcome, RunnerError> {
    match &spec.runner {
        RunnerConfig::Process => crate::runner::process::run(spec, work_dir, logs, cancel).await,
        RunnerConfig::Docker(options) => {
            let host = choice.host.as_deref().unwrap_or(facilities.docker.host());
            let docker = facilities.docker.client_for(Some(host)).await?;
            crate::runner::docker::run_with(&docker, host, spec, options, work_dir, logs, cancel)
                .await
        }
    }
}

async fn remove_work_dir(work_dir: &Path) {
    if let Err(error) = tokio::fs::remove_dir_all(work_dir).await
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %work_dir.display(), %error, "cannot remove a working directory");
    }
}

/// An error whose message cannot leak a secret.
fn mask_error(error: WorkerTaskError, secrets: &BTreeSet<String>) -> WorkerTaskError {
    if secrets.is_empty() {
        return error;
    }
    WorkerTaskError::Masked {
        message: masked(&error.to_string(), secrets),
    }
}

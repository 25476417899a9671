//! A finished command as a task result: output files copied into the file store, outputs
//! `exitCode`, `vars` and `outputFiles`, and the ending (non-zero exit or timeout: FAILED;
//! stderr output with `warningOnStdErr`: WARNING; cancelled: KILLED).

use serde_json::{Map, Value};

use crate::files::{FileKey, FileStore};
use crate::runner::{CommandOutcome, CommandSpec};
use crate::tasks::error::WorkerTaskError;
use crate::tasks::result::{Ending, TaskResult};

/// The task result of `outcome`, after storing its output files under `key`.
pub(crate) async fn result(
    outcome: &CommandOutcome,
    spec: &CommandSpec,
    files: &crate::tasks::Facilities,
    key: &FileKey,
) -> Result<TaskResult, WorkerTaskError> {
    let mut outputs = Map::new();
    outputs.insert("exitCode".to_owned(), Value::from(outcome.exit_code));
    outputs.insert("vars".to_owned(), Value::Object(outcome.vars.clone()));
    let stored = store_output_files(outcome, &files.files, key).await?;
    if !stored.is_empty() {
        outputs.insert("outputFiles".to_owned(), Value::Object(stored));
    }
    let (ending, message) = ending(outcome, spec);
    Ok(TaskResult {
        ending,
        outputs,
        message,
    })
}

/// How the command ended, and why when it did not succeed.
fn ending(outcome: &CommandOutcome, spec: &CommandSpec) -> (Ending, Option<String>) {
    if outcome.cancelled {
        return (Ending::Killed, Some("killed".to_owned()));
    }
    if outcome.timed_out {
        let limit = spec
            .timeout
            .map_or_else(String::new, |t| format!(" after {t:?}"));
        return (
            Ending::Failed,
            Some(format!("timed out{limit}: the command was terminated")),
        );
    }
    if outcome.exit_code != 0 {
        return (
            Ending::Failed,
            Some(format!(
                "command failed with exit code {}",
                outcome.exit_code
            )),
        );
    }
    if spec.warning_on_stderr && outcome.stderr_seen {
        return (
            Ending::Warning,
            Some("the command wrote to stderr (warningOnStdErr)".to_owned()),
        );
    }
    (Ending::Success, None)
}

/// Copies every collected output file into the store; name -> `kestra://` URI.
async fn store_output_files(
    outcome: &CommandOutcome,
    files: &FileStore,
    key: &FileKey,
) -> Result<Map<String, Value>, WorkerTaskError> {
    let mut stored = Map::new();
    for (name, path) in &outcome.output_files {
        let uri = files
            .put(key, name, path)
            .await
            .map_err(|source| WorkerTaskError::Files {
                task_id: key.task_id.clone(),
                source,
            })?;
        stored.insert(name.clone(), Value::String(uri));
    }
    Ok(stored)
}

//! One claimed task run, from its payload to its completion: the task runs with its log lines
//! flowing to the store, then its result is written only if the lease is still held.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;

use super::leases::RunHandle;
use super::log_sink::{self, Destination, LogOrigin};
use crate::files::{FileKey, FileStore};
use crate::runner::{Level, LogLine};
use crate::store::Store;
use crate::store::model::{Attempt, State, StateChange, TaskRun, WorkerPayload};
use crate::tasks::{Ending, Facilities, Invocation, TaskResult, run_worker_task};

/// Attempts at writing a result when the store errors (not when the lease is gone).
const COMPLETE_TRIES: u32 = 3;

/// What every task run of a worker shares.
pub(crate) struct Shared {
    /// The store.
    pub store: Arc<dyn Store>,
    /// What tasks get.
    pub facilities: Facilities,
    /// This worker's id.
    pub worker_id: String,
}

/// Runs a claimed task run and reports it (unless abandoned).
pub(crate) async fn run_claimed(shared: &Shared, claimed: TaskRun, handle: RunHandle) {
    let origin = LogOrigin {
        execution_id: claimed.execution_id.clone(),
        task_run_id: claimed.id.clone(),
        task_id: claimed.task_id.clone(),
        attempt: i32::try_from(claimed.attempts.len().saturating_sub(1)).unwrap_or(i32::MAX),
    };
    let invocation = invocation(&claimed);
    let log_file = invocation
        .as_ref()
        .ok()
        .and_then(|i| log_file(&shared.facilities.files, i, origin.attempt));
    let destination = log_file.as_ref().map_or(Destination::Store, |(_, path)| {
        Destination::File(path.clone())
    });
    let (logs, sink) = log_sink::start(Arc::clone(&shared.store), origin, destination);
    let mut result = match invocation {
        Ok(invocation) => {
            run_worker_task(
                &invocation,
                &shared.facilities,
                logs.clone(),
                handle.cancel.clone(),
            )
            .await
        }
        Err(message) => TaskResult::failed(message),
    };
    if let (Ending::Failed, Some(message)) = (result.ending, &result.message) {
        let _ = logs
            .send(LogLine {
                level: Level::Error,
                message: message.clone(),
                timestamp: Utc::now(),
            })
            .await;
    }
    drop(logs);
    let _ = sink.await;
    if let Some((uri, path)) = log_file
        && path.exists()
    {
        result.outputs.insert("logFile".into(), Value::String(uri));
    }
    if handle.is_abandoned() {
        tracing::warn!(task_run_id = %claimed.id, "result not reported: the task run was abandoned");
        return;
    }
    complete(shared, claimed, result).await;
}

/// With `logToFile`: the URI and path of the attempt's log file (named as the engine names
/// those of the tasks it runs itself, `attempt-<n>.log`).
fn log_file(files: &FileStore, invocation: &Invocation, attempt: i32) -> Option<(String, PathBuf)> {
    if invocation.task.get("logToFile").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let uri = files
        .uri(&invocation.key, &format!("attempt-{attempt}.log"))
        .ok()?;
    let path = files.root.join(uri.trim_start_matches("kestra:///"));
    Some((uri, path))
}

/// The task run's payload as an invocation.
fn invocation(run: &TaskRun) -> Result<Invocation, String> {
    let value = run.payload.as_ref().ok_or_else(|| {
        format!(
            "task run {} has no payload: it was created by an engine that does not hand tasks to workers",
            run.id
        )
    })?;
    let payload = WorkerPayload::from_value(value)
        .map_err(|e| format!("task run {}: invalid payload: {e}", run.id))?;
    Ok(Invocation {
        task: payload.task,
        vars: payload.vars,
        key: FileKey {
            namespace: payload.namespace,
            flow_id: payload.flow_id,
            execution_id: run.execution_id.clone(),
            task_id: run.task_id.clone(),
            task_run_id: run.id.clone(),
        },
    })
}

/// Writes the result, unless the lease is gone.
async fn complete(shared: &Shared, claimed: TaskRun, result: TaskResult) {
    // The engine may have changed the task run meanwhile (KILLING): build on the stored one.
    let base = match shared.store.task_run(&claimed.id).await {
        Ok(Some(stored)) => stored,
        _ => claimed,
    };
    let finished = finish(base, &result, &shared.worker_id);
    for attempt in 1..=COMPLETE_TRIES {
        match shared
            .store
            .complete_task_run(&shared.worker_id, &finished)
            .await
        {
            Ok(true) => return,
            Ok(false) => {
                tracing::warn!(task_run_id = %finished.id, "lease lost before completion: result dropped");
                return;
            }
            Err(error) if attempt < COMPLETE_TRIES => {
                tracing::warn!(task_run_id = %finished.id, %error, "cannot complete the task run, retrying");
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            Err(error) => {
                tracing::error!(task_run_id = %finished.id, %error, "cannot complete the task run");
            }
        }
    }
}

/// The task run in its final state.
fn finish(mut run: TaskRun, result: &TaskResult, worker_id: &str) -> TaskRun {
    let now = Utc::now();
    let state = match result.ending {
        Ending::Success => State::Success,
        Ending::Warning => State::Warning,
        Ending::Failed => State::Failed,
        Ending::Killed => State::Killed,
    };
    run.state = state;
    run.history.push(StateChange { state, date: now });
    match run.attempts.last_mut() {
        Some(attempt) => {
            attempt.state = state;
            attempt.ended = Some(now);
            attempt.message = result.message.clone();
        }
        None => run.attempts.push(Attempt {
            state,
            started: now,
            ended: Some(now),
            message: result.message.clone(),
            worker_id: Some(worker_id.to_owned()),
        }),
    }
    run.outputs = Value::Object(result.outputs.clone());
    run.ended = Some(now);
    run.error = match result.ending {
        Ending::Failed | Ending::Killed => result.message.clone(),
        Ending::Success | Ending::Warning => None,
    };
    run
}

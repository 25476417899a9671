//! One claimed task run, from its payload to its completion: the task runs with its log lines
//! flowing to the store, then its result is written only if the lease is still held.

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
    let attempt = claimed.attempts.len().saturating_sub(1);
    let destination = invocation.as_ref().ok().map_or(Destination::Store, |i| {
        destination(&shared.facilities.files, i, attempt)
    });
    let log_file = match &destination {
        Destination::File(file) => Some(file.clone()),
        _ => None,
    };
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
    if let Some(file) = log_file
        && tokio::task::spawn_blocking({
            let file = file.clone();
            move || file.written()
        })
        .await
        .unwrap_or(false)
    {
        result
            .outputs
            .insert("logFile".into(), Value::String(file.uri));
    }
    if handle.is_abandoned() {
        tracing::warn!(task_run_id = %claimed.id, "result not reported: the task run was abandoned");
        return;
    }
    complete(shared, claimed, result).await;
}

/// Where the task run's lines go: with `logToFile`, the attempt's log file (named as the
/// engine names those of the tasks it runs itself); the table otherwise, or with the reason
/// when the file cannot even be named.
fn destination(files: &FileStore, invocation: &Invocation, attempt: usize) -> Destination {
    if invocation.task.get("logToFile").and_then(Value::as_bool) != Some(true) {
        return Destination::Store;
    }
    match files.log_file(&invocation.key, attempt) {
        Ok(file) => Destination::File(file),
        Err(error) => {
            tracing::warn!(task_run_id = %invocation.key.task_run_id, %error,
                "no log file for a logToFile task: its lines go to the log table");
            Destination::Refused(error.to_string())
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Level as RunnerLevel;
    use crate::store::LogFilter;
    use crate::store::model::Execution;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lines_without_a_log_file_go_to_the_table_with_the_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("b.db").display());
        let store = crate::store::open_store(&url).await.expect("store");
        let execution = Execution::new("ns", "flow", 1, Utc::now());
        store.create_execution(&execution).await.expect("stored");
        let mut task = serde_json::Map::new();
        task.insert("logToFile".into(), Value::Bool(true));
        let invocation = Invocation {
            task,
            vars: Value::Null,
            key: FileKey {
                namespace: "ns".into(),
                flow_id: "flow".into(),
                execution_id: execution.id.clone(),
                task_id: "t".into(),
                // Not a file name: the log file cannot be named.
                task_run_id: "..".into(),
            },
        };
        let destination = destination(&FileStore::new(dir.path()), &invocation, 0);
        assert!(
            matches!(destination, Destination::Refused(_)),
            "{destination:?}"
        );
        let origin = LogOrigin {
            execution_id: execution.id.clone(),
            task_run_id: "tr".into(),
            task_id: "t".into(),
            attempt: 0,
        };
        let (lines, sink) = log_sink::start(Arc::clone(&store), origin, destination);
        let line = LogLine {
            level: RunnerLevel::Info,
            message: "hello".into(),
            timestamp: Utc::now(),
        };
        lines.send(line).await.expect("sent");
        drop(lines);
        sink.await.expect("sink ends");
        let logs = store
            .logs(&execution.id, &LogFilter::default())
            .await
            .expect("logs");
        assert_eq!(logs.len(), 1);
        assert!(
            logs[0]
                .message
                .starts_with("hello (not written to the log file: "),
            "{}",
            logs[0].message
        );
    }
}

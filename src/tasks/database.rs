//! JDBC (PostgreSQL) tasks on a worker: the task is rendered with the stored context, then run by
//! `tasks::jdbc` with the worker's file store, a log sink feeding the masked log channel, and the
//! task run's cancellation token.

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::error::WorkerTaskError;
use super::invocation::{Facilities, Invocation};
use super::jdbc::{self, JdbcContext, JdbcError};
use super::masking::masked_logs;
use super::rendering::render_task;
use super::result::{Ending, TaskResult};
use crate::runner::{Level, LogLine};

/// Runs a JDBC task to its result.
pub(crate) async fn run(
    invocation: &Invocation,
    facilities: &Facilities,
    logs: mpsc::Sender<LogLine>,
    cancel: CancellationToken,
) -> Result<TaskResult, WorkerTaskError> {
    let rendered = render_task(
        &facilities.renderer,
        &facilities.services,
        invocation.vars.clone(),
        &invocation.task,
    )
    .await?;
    let (masked, forwarder) = masked_logs(logs, rendered.secrets.clone());
    // The JDBC sink is a sync callback: lines cross an unbounded bridge, so none is dropped.
    let (bridge, mut lines) = mpsc::unbounded_channel::<LogLine>();
    let pump = tokio::spawn(async move {
        while let Some(line) = lines.recv().await {
            if masked.send(line).await.is_err() {
                break;
            }
        }
    });
    // `jdbc::execute`'s future is not `Send` (it holds a non-`Sync` callback across awaits), so
    // it runs to completion on a blocking thread of its own rather than on the worker's pool.
    let kind = rendered.value.kind.clone();
    let files = facilities.files.clone();
    let key = invocation.key.clone();
    let runtime = tokio::runtime::Handle::current();
    let joined = tokio::task::spawn_blocking(move || {
        let sink = move |level: tracing::Level, message: &str| {
            let _ = bridge.send(LogLine {
                level: level_of(level),
                message: message.to_owned(),
                timestamp: chrono::Utc::now(),
            });
        };
        let ctx = JdbcContext {
            files: &files,
            file_key: &key,
            log: &sink,
            cancel,
        };
        runtime.block_on(jdbc::execute(&kind, &ctx))
    })
    .await;
    let outcome = joined.unwrap_or_else(|error| {
        Err(JdbcError::Io {
            path: std::path::PathBuf::new(),
            source: std::io::Error::other(error),
        })
    });
    let _ = pump.await;
    let _ = forwarder.await;
    Ok(match outcome {
        Ok(outputs) => TaskResult {
            ending: Ending::Success,
            outputs: match outputs {
                Value::Object(map) => map,
                Value::Null => serde_json::Map::new(),
                other => [("value".to_owned(), other)].into_iter().collect(),
            },
            message: None,
        },
        Err(JdbcError::Cancelled) => TaskResult {
            ending: Ending::Killed,
            outputs: serde_json::Map::new(),
            message: Some("killed".to_owned()),
        },
        Err(error) => TaskResult::failed(crate::template::mask(
            &format!("task `{}`: {error}", invocation.key.task_id),
            &rendered.secrets,
        )),
    })
}

fn level_of(level: tracing::Level) -> Level {
    match level {
        tracing::Level::TRACE => Level::Trace,
        tracing::Level::DEBUG => Level::Debug,
        tracing::Level::INFO => Level::Info,
        tracing::Level::WARN => Level::Warn,
        tracing::Level::ERROR => Level::Error,
    }
}

//! A task run's log lines on their way to the store: gathered into batches (up to
//! `BATCH_LINES` lines or `BATCH_DELAY`), so a chatty script costs one insert per batch, not
//! one per line. The sink ends, after writing what it holds, when the channel closes.
//! With `logToFile` the batches are appended to a file of the file store instead (Kestra's
//! `outputs.logFile`); a batch the file refuses goes to the store, with the reason.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::files::{LogFile, LogFileLine};
use crate::runner::{Level as RunnerLevel, LogLine};
use crate::store::Store;
use crate::store::model::{Level, NewLog};

/// Most lines written in one insert.
const BATCH_LINES: usize = 500;
/// Longest a line waits before its batch is written.
const BATCH_DELAY: Duration = Duration::from_millis(100);
/// Lines buffered between the task and the sink.
const CHANNEL_LINES: usize = 4096;

/// Where a task run's lines are attributed.
#[derive(Debug, Clone)]
pub(crate) struct LogOrigin {
    /// The execution.
    pub execution_id: String,
    /// The task run.
    pub task_run_id: String,
    /// The task.
    pub task_id: String,
    /// The attempt number (0-based).
    pub attempt: i32,
}

/// Where a task run's lines are written.
#[derive(Debug, Clone)]
pub(crate) enum Destination {
    /// The log table.
    Store,
    /// Appended to this log file (`logToFile`).
    File(LogFile),
    /// The log table, each line saying why it is not in its log file (`logToFile` without
    /// a file).
    Refused(String),
}

/// Starts a sink writing to `destination` (lines that cannot go there go to `store`); returns
/// its sender and the handle to await at the end.
pub(crate) fn start(
    store: Arc<dyn Store>,
    origin: LogOrigin,
    destination: Destination,
) -> (mpsc::Sender<LogLine>, JoinHandle<()>) {
    let (sender, receiver) = mpsc::channel(CHANNEL_LINES);
    let sink = Sink {
        store,
        origin,
        destination,
    };
    (sender, tokio::spawn(drain(sink, receiver)))
}

struct Sink {
    store: Arc<dyn Store>,
    origin: LogOrigin,
    destination: Destination,
}

async fn drain(sink: Sink, mut receiver: mpsc::Receiver<LogLine>) {
    let mut batch: Vec<NewLog> = Vec::new();
    loop {
        let Some(first) = receiver.recv().await else {
            break;
        };
        batch.push(record(&sink.origin, first));
        let deadline = tokio::time::Instant::now() + BATCH_DELAY;
        while batch.len() < BATCH_LINES {
            match tokio::time::timeout_at(deadline, receiver.recv()).await {
                Ok(Some(line)) => batch.push(record(&sink.origin, line)),
                Ok(None) | Err(_) => break,
            }
        }
        sink.write(&mut batch).await;
    }
    sink.write(&mut batch).await;
}

impl Sink {
    async fn write(&self, batch: &mut Vec<NewLog>) {
        if batch.is_empty() {
            return;
        }
        match &self.destination {
            Destination::Store => {}
            Destination::File(file) => {
                let (file, lines) = (file.clone(), std::mem::take(batch));
                let appended = tokio::task::spawn_blocking(move || {
                    let written = file.append(lines.iter().map(|log| LogFileLine {
                        timestamp: log.timestamp,
                        level: log.level,
                        message: &log.message,
                    }));
                    written.map_err(|error| (error, lines))
                })
                .await;
                match appended {
                    Ok(Ok(())) => return,
                    Ok(Err((error, lines))) => {
                        *batch = lines;
                        not_in_file(batch, &error.to_string());
                    }
                    Err(error) => {
                        tracing::warn!(task_run_id = %self.origin.task_run_id, %error, "log file writer failed");
                        return;
                    }
                }
            }
            Destination::Refused(reason) => not_in_file(batch, reason),
        }
        write(&self.store, &self.origin, batch).await;
    }
}

/// Says in each line why it is in the table rather than in its log file.
fn not_in_file(batch: &mut [NewLog], reason: &str) {
    for log in batch {
        log.message = format!("{} (not written to the log file: {reason})", log.message);
    }
}

async fn write(store: &Arc<dyn Store>, origin: &LogOrigin, batch: &mut Vec<NewLog>) {
    if batch.is_empty() {
        return;
    }
    if let Err(error) = store.append_logs(batch).await {
        // Losing log lines must not fail the task run; say so where an operator looks.
        tracing::warn!(task_run_id = %origin.task_run_id, %error, lines = batch.len(),
            "cannot store task log lines");
    }
    batch.clear();
}

fn record(origin: &LogOrigin, line: LogLine) -> NewLog {
    NewLog {
        execution_id: origin.execution_id.clone(),
        task_run_id: Some(origin.task_run_id.clone()),
        task_id: Some(origin.task_id.clone()),
        attempt: Some(origin.attempt),
        level: match line.level {
            RunnerLevel::Trace => Level::Trace,
            RunnerLevel::Debug => Level::Debug,
            RunnerLevel::Info => Level::Info,
            RunnerLevel::Warn => Level::Warn,
            RunnerLevel::Error => Level::Error,
        },
        message: line.message,
        timestamp: line.timestamp,
    }
}

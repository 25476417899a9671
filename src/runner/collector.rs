//! Turns the raw lines of stdout and stderr into log lines, outputs and metrics. Both streams
//! feed one channel, so protocol lines from either are applied in the order they are read.

use chrono::Utc;
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::lines::LineSplitter;
use super::outcome::{Level, LogLine, Metric};
use super::protocol::{merge_outputs, parse_line};

/// The stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

/// What the lines of one run added up to.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub vars: Map<String, Value>,
    pub metrics: Vec<Metric>,
    pub stderr_seen: bool,
}

/// Lines waiting for the collector; bounded so a fast producer waits for a slow log consumer.
const LINE_QUEUE: usize = 1024;

/// Starts the collector task; returns the sender for raw lines and the task's handle.
pub(crate) fn start(
    logs: mpsc::Sender<LogLine>,
) -> (
    mpsc::Sender<(Stream, String)>,
    tokio::task::JoinHandle<Collected>,
) {
    let (sender, receiver) = mpsc::channel(LINE_QUEUE);
    (sender, tokio::spawn(collect(receiver, logs)))
}

async fn collect(
    mut lines: mpsc::Receiver<(Stream, String)>,
    logs: mpsc::Sender<LogLine>,
) -> Collected {
    let mut collected = Collected::default();
    while let Some((stream, line)) = lines.recv().await {
        let Some(message) = parse_line(&line) else {
            let level = match stream {
                Stream::Stdout => Level::Info,
                Stream::Stderr => {
                    collected.stderr_seen = true;
                    Level::Warn
                }
            };
            emit(&logs, level, line).await;
            continue;
        };
        if let Some(outputs) = message.outputs {
            merge_outputs(&mut collected.vars, outputs);
        }
        collected.metrics.extend(message.metrics);
        for (level, text) in message.logs {
            emit(&logs, level, text).await;
        }
    }
    collected
}

async fn emit(logs: &mpsc::Sender<LogLine>, level: Level, message: String) {
    // A caller that stopped listening must not stall the task: its lines are dropped.
    let _ = logs
        .send(LogLine {
            level,
            message,
            timestamp: Utc::now(),
        })
        .await;
}

/// Splits the chunks of one stream into lines and queues them for the collector.
#[derive(Debug)]
pub(crate) struct StreamLines {
    stream: Stream,
    splitter: LineSplitter,
    pending: Vec<String>,
}

impl StreamLines {
    /// Lines of `stream`.
    pub fn new(stream: Stream) -> Self {
        Self {
            stream,
            splitter: LineSplitter::default(),
            pending: Vec::new(),
        }
    }

    /// Feeds one chunk and queues the lines it completes.
    pub async fn push(&mut self, chunk: &[u8], sender: &mpsc::Sender<(Stream, String)>) {
        let pending = &mut self.pending;
        self.splitter.push(chunk, |line| pending.push(line));
        for line in self.pending.drain(..) {
            let _ = sender.send((self.stream, line)).await;
        }
    }

    /// Ends the stream and queues its unterminated last line.
    pub async fn finish(&mut self, sender: &mpsc::Sender<(Stream, String)>) {
        if let Some(line) = self.splitter.finish() {
            let _ = sender.send((self.stream, line)).await;
        }
    }
}

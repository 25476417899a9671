//! What a run gives back: log lines while it runs, and the outcome once it has ended.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// Finest detail.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal output (stdout).
    Info,
    /// Something to look at (stderr).
    Warn,
    /// A failure.
    Error,
}

impl Level {
    /// Parses Kestra's level names (`INFO`, `WARNING`, ...), case-insensitively.
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "TRACE" => Some(Self::Trace),
            "DEBUG" => Some(Self::Debug),
            "INFO" => Some(Self::Info),
            "WARN" | "WARNING" => Some(Self::Warn),
            "ERROR" | "CRITICAL" | "FATAL" => Some(Self::Error),
            _ => None,
        }
    }
}

/// One line of task output, as it is produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogLine {
    /// INFO for stdout, WARN for stderr, or what a `::{"logs":[...]}::` line says.
    pub level: Level,
    /// The line, without its line ending.
    pub message: String,
    /// When baton read the line.
    pub timestamp: DateTime<Utc>,
}

/// One metric reported through the output protocol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    /// Metric name.
    pub name: String,
    /// `counter`, `timer` or `gauge`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value (seconds for a timer).
    pub value: f64,
    /// Tags of the metric.
    pub tags: BTreeMap<String, String>,
}

/// How a run ended. A non-zero exit code is an outcome, not an error: the caller decides.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommandOutcome {
    /// Exit code of the command (128 + signal when killed by a signal, -1 when unknown).
    pub exit_code: i32,
    /// Outputs sent through `::{"outputs": ...}::`, deep-merged in order.
    pub vars: serde_json::Map<String, serde_json::Value>,
    /// Metrics sent through `::{"metrics": [...]}::`.
    pub metrics: Vec<Metric>,
    /// Collected files: glob matches keyed relative to the working directory, and every file of
    /// the output directory keyed relative to the output directory (Kestra's `outputDir`).
    pub output_files: BTreeMap<String, PathBuf>,
    /// The run hit its timeout and was killed.
    pub timed_out: bool,
    /// The run was cancelled through its token and was killed.
    pub cancelled: bool,
    /// The command wrote at least one non-protocol line to stderr.
    pub stderr_seen: bool,
}

impl CommandOutcome {
    /// True when the command exited with 0 and was neither killed nor cancelled.
    pub fn succeeded(&self) -> bool {
        self.exit_code == 0 && !self.timed_out && !self.cancelled
    }
}

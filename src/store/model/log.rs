//! Log lines of executions and task runs.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A log level, ordered from the most verbose (`TRACE`) to the most severe (`ERROR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    /// Trace.
    Trace,
    /// Debug.
    Debug,
    /// Info.
    Info,
    /// Warning.
    Warn,
    /// Error.
    Error,
}

/// Every level, from the most verbose.
pub const ALL_LEVELS: [Level; 5] = [
    Level::Trace,
    Level::Debug,
    Level::Info,
    Level::Warn,
    Level::Error,
];

impl Level {
    /// The upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }

    /// The severity as a number (TRACE = 0 .. ERROR = 4), as stored for range filters.
    pub fn severity(self) -> i64 {
        self as i64
    }

    /// The level of a stored severity number.
    pub fn from_severity(n: i64) -> Option<Level> {
        ALL_LEVELS.into_iter().find(|l| l.severity() == n)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the upper-case level names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown log level `{0}`")]
pub struct UnknownLevel(pub String);

impl FromStr for Level {
    type Err = UnknownLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_LEVELS
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownLevel(s.to_string()))
    }
}

/// A stored log line; `id` is assigned by the store and increases with insertion order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// Assigned by the store; use it as a cursor (`LogFilter::after_id`).
    pub id: i64,
    /// The execution it belongs to.
    pub execution_id: String,
    /// The task run that logged it, if any.
    pub task_run_id: Option<String>,
    /// The task that logged it, if any.
    pub task_id: Option<String>,
    /// The attempt number (0-based), if any.
    pub attempt: Option<i32>,
    /// Its level.
    pub level: Level,
    /// The text.
    pub message: String,
    /// When it was emitted.
    pub timestamp: DateTime<Utc>,
}

/// A log line to store (a `LogEntry` without its id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewLog {
    /// The execution it belongs to.
    pub execution_id: String,
    /// The task run that logged it, if any.
    pub task_run_id: Option<String>,
    /// The task that logged it, if any.
    pub task_id: Option<String>,
    /// The attempt number (0-based), if any.
    pub attempt: Option<i32>,
    /// Its level.
    pub level: Level,
    /// The text.
    pub message: String,
    /// When it was emitted.
    pub timestamp: DateTime<Utc>,
}

impl NewLog {
    /// An execution-level log line (no task run).
    pub fn new(
        execution_id: impl Into<String>,
        level: Level,
        message: impl Into<String>,
        timestamp: DateTime<Utc>,
    ) -> Self {
        NewLog {
            execution_id: execution_id.into(),
            task_run_id: None,
            task_id: None,
            attempt: None,
            level,
            message: message.into(),
            timestamp,
        }
    }
}

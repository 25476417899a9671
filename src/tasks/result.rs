//! What a worker task gives back: how it ended, its outputs, and why it failed.

use serde_json::{Map, Value};

/// How a worker task ended (the worker maps it onto the task run's state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// It did what it was asked.
    Success,
    /// It succeeded with something to look at (e.g. stderr output with `warningOnStdErr`).
    Warning,
    /// It failed (non-zero exit, timeout, HTTP error, bad property...).
    Failed,
    /// It was stopped through its cancellation token.
    Killed,
}

/// The outcome of one worker task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskResult {
    /// How it ended.
    pub ending: Ending,
    /// The task's outputs (`exitCode`, `vars`, `outputFiles`; `code`, `body`, ...).
    pub outputs: Map<String, Value>,
    /// Why it failed or was stopped, when it did.
    pub message: Option<String>,
}

impl TaskResult {
    /// A failure with no outputs.
    pub fn failed(message: impl Into<String>) -> Self {
        TaskResult {
            ending: Ending::Failed,
            outputs: Map::new(),
            message: Some(message.into()),
        }
    }
}

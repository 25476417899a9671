//! The entry point's types: what a task gets (`TaskContext`, `TaskServices`) and what it gives
//! back (`TaskOutcome`), and `TaskError`, which always names the task (and property).

use std::path::Path;

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::spec::Task;
use crate::template::{RenderContext, Renderer, TemplateError};

/// The outside world a task may touch, implemented by the engine (or a worker) over the store.
#[async_trait]
pub trait TaskServices: Send + Sync {
    /// A key's value in a namespace's key-value store.
    async fn kv_get(&self, namespace: &str, key: &str) -> Result<Option<Value>, String>;
    /// Sets a key, with an optional time to live.
    async fn kv_set(
        &self,
        namespace: &str,
        key: &str,
        value: &Value,
        ttl: Option<std::time::Duration>,
    ) -> Result<(), String>;
    /// Deletes a key; true if it existed.
    async fn kv_delete(&self, namespace: &str, key: &str) -> Result<bool, String>;
    /// Log lines of an execution at `min_level` or above, for the given task ids (all if empty).
    async fn execution_logs(
        &self,
        execution_id: &str,
        task_ids: &[String],
        min_level: &str,
    ) -> Result<Vec<LogLine>, String>;
}

/// One log line (emitted by a task, or read back by log.Fetch).
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// TRACE, DEBUG, INFO, WARN or ERROR.
    pub level: String,
    pub message: String,
    /// The task that logged it (read-back lines only).
    pub task_id: Option<String>,
    /// RFC 3339 time (read-back lines only).
    pub timestamp: Option<String>,
}

/// Everything one attempt of a task needs.
pub struct TaskContext<'a> {
    pub task: &'a Task,
    pub renderer: &'a Renderer,
    pub render: &'a RenderContext,
    pub services: &'a dyn TaskServices,
    pub namespace: &'a str,
    pub flow_id: &'a str,
    pub execution_id: &'a str,
    pub task_run_id: &'a str,
    /// The ForEach value of the task run, if any.
    pub value: Option<&'a str>,
    /// Where tasks write files (`kestra:///...` URIs map below it).
    pub data_dir: &'a Path,
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Success,
    Warning,
    Failed,
}

/// The result of one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskOutcome {
    pub verdict: Verdict,
    pub outputs: Map<String, Value>,
    pub logs: Vec<LogLine>,
    /// Why it failed (Fail task).
    pub error: Option<String>,
    /// Labels to add to (or override on) the execution.
    pub labels: Vec<(String, String)>,
    /// The execution must end in this state (Exit task): SUCCESS, WARNING, FAILED, KILLED or
    /// CANCELLED.
    pub exit: Option<&'static str>,
    /// The attempt lasts this long without blocking anyone (Sleep): the engine keeps a timer.
    pub sleep: Option<std::time::Duration>,
}

impl TaskOutcome {
    /// A successful outcome with no outputs.
    pub fn success() -> TaskOutcome {
        TaskOutcome {
            verdict: Verdict::Success,
            outputs: Map::new(),
            logs: Vec::new(),
            error: None,
            labels: Vec::new(),
            exit: None,
            sleep: None,
        }
    }

    /// A failed outcome with its message (also logged at ERROR).
    pub fn failed(message: String) -> TaskOutcome {
        let mut out = TaskOutcome::success();
        out.verdict = Verdict::Failed;
        out.logs.push(LogLine {
            level: "ERROR".into(),
            message: message.clone(),
            task_id: None,
            timestamp: None,
        });
        out.error = Some(message);
        out
    }
}

/// Why a task could not run; every variant names the task.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TaskError {
    #[error("task `{task}`: cannot render property `{property}`: {source}")]
    Render {
        task: String,
        property: String,
        #[source]
        source: TemplateError,
    },
    #[error("task `{task}`: invalid property `{property}`: {message}")]
    Property {
        task: String,
        property: String,
        message: String,
    },
    #[error("task `{task}`: {message}")]
    Service { task: String, message: String },
    #[error("task `{task}`: type `{type_name}` is not supported yet")]
    Unsupported { task: String, type_name: String },
}

impl TaskContext<'_> {
    /// Renders a string property.
    pub fn render_str(&self, property: &str, template: &str) -> Result<String, TaskError> {
        self.renderer
            .render_str(template, self.render)
            .map_err(|source| self.render_error(property, source))
    }

    /// Renders every string inside a JSON property.
    pub fn render_value(&self, property: &str, value: &Value) -> Result<Value, TaskError> {
        self.renderer
            .render_value(value, self.render)
            .map_err(|source| self.render_error(property, source))
    }

    /// Renders a property keeping the JSON type of a single expression.
    pub fn render_typed(&self, property: &str, value: &Value) -> Result<Value, TaskError> {
        match value {
            Value::String(s) => self
                .renderer
                .render_typed(s, self.render)
                .map_err(|source| self.render_error(property, source)),
            other => self.render_value(property, other),
        }
    }

    /// A property error naming this task.
    pub fn property_error(&self, property: &str, message: impl Into<String>) -> TaskError {
        TaskError::Property {
            task: self.task.id.clone(),
            property: property.into(),
            message: message.into(),
        }
    }

    /// A service error naming this task.
    pub fn service_error(&self, message: impl Into<String>) -> TaskError {
        TaskError::Service {
            task: self.task.id.clone(),
            message: message.into(),
        }
    }

    fn render_error(&self, property: &str, source: TemplateError) -> TaskError {
        TaskError::Render {
            task: self.task.id.clone(),
            property: property.into(),
            source,
        }
    }

    /// The log level the task logs at: its own `level`, else `logLevel`, else INFO.
    pub fn level(&self, own: Option<&str>) -> String {
        own.or(self.task.common.log_level.as_deref())
            .unwrap_or("INFO")
            .to_ascii_uppercase()
    }
}

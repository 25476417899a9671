//! Core runnable tasks: logging, outputs, sleeping, failing, labels, key-value and state.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::spec::duration::Duration;
use crate::spec::input::Input;
use crate::spec::templated::Templated;

/// `io.kestra.plugin.core.log.Log`: logs one message or a list of messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Log {
    /// A string or a list of strings.
    pub message: Value,
    #[serde(default)]
    pub level: Option<String>,
}

/// `io.kestra.plugin.core.debug.Echo` (deprecated): logs `format`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Echo {
    pub format: String,
    #[serde(default)]
    pub level: Option<String>,
}

/// `io.kestra.plugin.core.debug.Return`: renders `format` into the output `value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Return {
    #[serde(default)]
    pub format: Option<String>,
}

/// `io.kestra.plugin.core.flow.Sleep`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Sleep {
    pub duration: Templated<Duration>,
}

/// What a Pause does when its `timeout` elapses without a resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PauseBehavior {
    Resume,
    Warn,
    Cancel,
    Fail,
}

/// `io.kestra.plugin.core.flow.Pause`: waits for a duration or a manual resume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pause {
    /// Resume automatically after this duration (`delay` is the deprecated alias).
    #[serde(default, alias = "delay")]
    pub pause_duration: Option<Templated<Duration>>,
    #[serde(default)]
    pub behavior: Option<PauseBehavior>,
    /// Inputs accepted when resuming.
    #[serde(default)]
    pub on_resume: Vec<Input>,
    /// Deprecated: tasks run after the pause.
    #[serde(default)]
    pub tasks: Vec<crate::spec::Task>,
}

/// `io.kestra.plugin.core.execution.Fail`: fails the execution, optionally on a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Fail {
    #[serde(default)]
    pub condition: Option<Value>,
    #[serde(default)]
    pub error_message: Option<String>,
}

/// Final state chosen by an Exit task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExitState {
    Success,
    Warning,
    Killed,
    Failed,
    Canceled,
}

/// `io.kestra.plugin.core.execution.Exit`: ends the execution early.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Exit {
    #[serde(default)]
    pub condition: Option<Value>,
    #[serde(default)]
    pub state: Option<ExitState>,
}

/// `io.kestra.plugin.core.output.OutputValues`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutputValues {
    #[serde(default)]
    pub values: Map<String, Value>,
}

/// `io.kestra.plugin.core.execution.Labels`: adds labels to the running execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Labels {
    /// A map or a list of `{key, value}`.
    pub labels: Value,
}

/// `io.kestra.plugin.core.kv.Set`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KvSet {
    pub key: String,
    pub value: Value,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub overwrite: Option<Templated<bool>>,
    #[serde(default)]
    pub ttl: Option<Templated<Duration>>,
    #[serde(default)]
    pub kv_type: Option<String>,
}

/// `io.kestra.plugin.core.kv.Get`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KvGet {
    pub key: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub error_on_missing_key: Option<Templated<bool>>,
}

/// `io.kestra.plugin.core.kv.Delete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KvDelete {
    pub key: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub error_on_missing_key: Option<Templated<bool>>,
}

/// `io.kestra.plugin.core.state.Set` (deprecated state store, kept for old flows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StateSet {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<bool>,
    #[serde(default)]
    pub taskrun_value: Option<bool>,
    #[serde(default)]
    pub data: Map<String, Value>,
}

/// `io.kestra.plugin.core.state.Get`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StateGet {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<bool>,
    #[serde(default)]
    pub taskrun_value: Option<bool>,
    #[serde(default)]
    pub error_on_missing: Option<bool>,
}

/// `io.kestra.plugin.core.state.Delete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StateDelete {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<bool>,
    #[serde(default)]
    pub taskrun_value: Option<bool>,
    #[serde(default)]
    pub error_on_missing: Option<bool>,
}

/// `io.kestra.plugin.core.log.Fetch`: an execution's logs to a file output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogFetch {
    #[serde(default)]
    pub execution_id: Option<String>,
    #[serde(default)]
    pub tasks_id: Vec<String>,
    #[serde(default)]
    pub level: Option<String>,
}

/// `io.kestra.plugin.core.execution.Resume`: resumes a paused execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Resume {
    #[serde(default)]
    pub execution_id: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub flow_id: Option<String>,
    #[serde(default)]
    pub inputs: Map<String, Value>,
}

/// `io.kestra.plugin.core.trigger.Toggle`: enables or disables a trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Toggle {
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub flow_id: Option<String>,
    pub trigger: String,
    #[serde(default)]
    pub enabled: Option<Templated<bool>>,
}

/// `io.kestra.plugin.core.storage.LocalFiles` (deprecated): files into and out of a
/// WorkingDirectory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocalFiles {
    #[serde(default)]
    pub inputs: Value,
    #[serde(default)]
    pub outputs: Vec<String>,
}

/// `io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles`: deletes the files the running
/// execution produced so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PurgeCurrentExecutionFiles {}

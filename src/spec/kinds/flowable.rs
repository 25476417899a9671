//! Flowable tasks: they run no code themselves but decide which child task runs come next.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::spec::Task;
use crate::spec::duration::Duration;

/// `io.kestra.plugin.core.flow.Sequential`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Sequential {
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub errors: Vec<Task>,
    #[serde(default, rename = "finally")]
    pub finally_tasks: Vec<Task>,
}

/// `io.kestra.plugin.core.flow.Parallel`: children run at once, `concurrent` at most (0 = all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Parallel {
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub concurrent: u32,
    #[serde(default)]
    pub errors: Vec<Task>,
    #[serde(default, rename = "finally")]
    pub finally_tasks: Vec<Task>,
}

/// `io.kestra.plugin.core.flow.If`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct If {
    /// A boolean or an expression rendering to one.
    pub condition: Value,
    #[serde(default)]
    pub then: Vec<Task>,
    #[serde(default, rename = "else")]
    pub else_tasks: Vec<Task>,
    #[serde(default)]
    pub errors: Vec<Task>,
    #[serde(default, rename = "finally")]
    pub finally_tasks: Vec<Task>,
}

/// `io.kestra.plugin.core.flow.Switch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Switch {
    pub value: Value,
    #[serde(default)]
    pub cases: BTreeMap<String, Vec<Task>>,
    #[serde(default)]
    pub defaults: Vec<Task>,
    #[serde(default)]
    pub errors: Vec<Task>,
    #[serde(default, rename = "finally")]
    pub finally_tasks: Vec<Task>,
}

/// `io.kestra.plugin.core.flow.ForEach`: children once per value, `concurrencyLimit` at a
/// time (0 = unlimited, default 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForEach {
    /// A list, or a string holding a JSON list or an expression rendering to one.
    pub values: Value,
    #[serde(default = "one")]
    pub concurrency_limit: u32,
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub errors: Vec<Task>,
    #[serde(default, rename = "finally")]
    pub finally_tasks: Vec<Task>,
}

fn one() -> u32 {
    1
}

/// `io.kestra.plugin.core.flow.EachSequential` (deprecated ForEach with concurrency 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EachSequential {
    pub value: Value,
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub errors: Vec<Task>,
}

/// `io.kestra.plugin.core.flow.EachParallel` (deprecated ForEach, all at once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EachParallel {
    pub value: Value,
    #[serde(default)]
    pub concurrent: u32,
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub errors: Vec<Task>,
}

/// One node of a Dag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DagTask {
    pub task: Task,
    #[serde(default)]
    pub depends_on: Vec<String>,
}

/// `io.kestra.plugin.core.flow.Dag`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dag {
    pub tasks: Vec<DagTask>,
    #[serde(default)]
    pub concurrent: u32,
    #[serde(default)]
    pub errors: Vec<Task>,
    #[serde(default, rename = "finally")]
    pub finally_tasks: Vec<Task>,
}

/// `io.kestra.plugin.core.flow.Subflow`: starts an execution of another flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Subflow {
    pub namespace: String,
    pub flow_id: String,
    #[serde(default)]
    pub revision: Option<i64>,
    #[serde(default)]
    pub inputs: Map<String, Value>,
    #[serde(default)]
    pub labels: Value,
    #[serde(default = "yes")]
    pub wait: bool,
    #[serde(default = "yes")]
    pub transmit_failed: bool,
    #[serde(default)]
    pub inherit_labels: bool,
    /// Deprecated: outputs computed from the subflow's outputs.
    #[serde(default)]
    pub outputs: Map<String, Value>,
    #[serde(default)]
    pub schedule_date: Option<String>,
    #[serde(default)]
    pub restart_behavior: Option<String>,
}

fn yes() -> bool {
    true
}

/// `io.kestra.plugin.core.flow.AllowFailure`: children may fail without failing the flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AllowFailure {
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub errors: Vec<Task>,
    #[serde(default, rename = "finally")]
    pub finally_tasks: Vec<Task>,
}

/// How often a WaitFor re-runs its children, and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckFrequency {
    #[serde(default)]
    pub max_iterations: Option<u32>,
    #[serde(default)]
    pub max_duration: Option<Duration>,
    #[serde(default)]
    pub interval: Option<Duration>,
}

/// `io.kestra.plugin.core.flow.WaitFor`: runs children until `condition` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitFor {
    pub condition: Value,
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub check_frequency: Option<CheckFrequency>,
    #[serde(default)]
    pub fail_on_max_reached: bool,
    #[serde(default)]
    pub errors: Vec<Task>,
}

/// `io.kestra.plugin.core.flow.WorkingDirectory`: children share one working directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkingDirectory {
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub input_files: Value,
    #[serde(default)]
    pub output_files: Vec<String>,
    #[serde(default)]
    pub namespace_files: Value,
    #[serde(default)]
    pub cache: Value,
    #[serde(default)]
    pub errors: Vec<Task>,
    #[serde(default, rename = "finally")]
    pub finally_tasks: Vec<Task>,
}

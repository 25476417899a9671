//! `Flow`: the top of the model, with its labels, concurrency, plugin defaults, SLAs and
//! outputs; and `NamespaceConfig`, the per-namespace variables and defaults under `namespaces/`.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::duration::Duration;
use super::input::{Input, InputType};
use super::retry::Retry;
use super::task::Task;
use super::trigger::Trigger;

/// One flow, as declared in a YAML file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Flow {
    pub id: String,
    pub namespace: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<Input>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub variables: Map<String, Value>,
    #[serde(default)]
    pub tasks: Vec<Task>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Task>,
    #[serde(default, rename = "finally", skip_serializing_if = "Vec::is_empty")]
    pub finally_tasks: Vec<Task>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after_execution: Vec<Task>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<FlowOutput>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Concurrency>,
    /// Defaults merged into tasks by type (`taskDefaults` is the deprecated alias).
    #[serde(default, alias = "taskDefaults", skip_serializing_if = "Vec::is_empty")]
    pub plugin_defaults: Vec<PluginDefault>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sla: Vec<Sla>,
    /// Deprecated (replaced by Flow triggers); accepted so old flows load, must be empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listeners: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

impl Flow {
    /// `namespace.id`, the flow's unique name.
    pub fn uid(&self) -> String {
        format!("{}.{}", self.namespace, self.id)
    }

    /// Every task of the flow (main, errors, finally, afterExecution, and all descendants).
    pub fn all_tasks(&self) -> Vec<&Task> {
        self.tasks
            .iter()
            .chain(&self.errors)
            .chain(&self.finally_tasks)
            .chain(&self.after_execution)
            .flat_map(Task::walk)
            .collect()
    }

    /// Finds a task anywhere in the tree by id.
    pub fn find_task(&self, id: &str) -> Option<&Task> {
        self.all_tasks().into_iter().find(|t| t.id == id)
    }
}

/// Labels, written either as a map or as a list of `{key, value}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct Labels(pub Vec<Label>);

/// One label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Label {
    pub key: String,
    pub value: String,
}

impl Labels {
    /// True when there is no label.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let scalar = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match value {
            Value::Null => Ok(Labels::default()),
            Value::Object(map) => Ok(Labels(
                map.iter()
                    .map(|(k, v)| Label {
                        key: k.clone(),
                        value: scalar(v),
                    })
                    .collect(),
            )),
            Value::Array(items) => items
                .into_iter()
                .map(|item| serde_json::from_value::<Label>(item).map_err(serde::de::Error::custom))
                .collect::<Result<Vec<_>, _>>()
                .map(Labels),
            _ => Err(serde::de::Error::custom(
                "labels must be a map or a list of {key, value}",
            )),
        }
    }
}

/// What happens to an execution over the concurrency limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConcurrencyBehavior {
    Queue,
    Cancel,
    Fail,
}

/// At most `limit` running executions of the flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Concurrency {
    pub limit: u32,
    #[serde(default = "queue")]
    pub behavior: ConcurrencyBehavior,
}

fn queue() -> ConcurrencyBehavior {
    ConcurrencyBehavior::Queue
}

/// Default property values for tasks of a type (or of a package prefix).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PluginDefault {
    #[serde(rename = "type")]
    pub type_name: String,
    /// Forced values override what the task declares.
    #[serde(default)]
    pub forced: bool,
    #[serde(default)]
    pub values: Map<String, Value>,
}

/// SLA kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SlaKind {
    MaxDuration,
    ExecutionAssertion,
}

/// What a violated SLA does to the execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SlaBehavior {
    Fail,
    Cancel,
    None,
}

/// A service-level agreement on executions of the flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sla {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: SlaKind,
    pub behavior: SlaBehavior,
    #[serde(default)]
    pub duration: Option<Duration>,
    #[serde(default)]
    pub assert: Option<String>,
    #[serde(default)]
    pub labels: Option<Value>,
}

/// A flow output, computed when the execution ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowOutput {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: InputType,
    pub value: Value,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub required: Option<bool>,
}

/// `namespaces/<ns>/namespace.yaml`: variables and plugin defaults of a namespace, inherited by
/// its child namespaces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespaceConfig {
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub variables: Map<String, Value>,
    #[serde(default, alias = "taskDefaults")]
    pub plugin_defaults: Vec<PluginDefault>,
}

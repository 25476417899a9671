//! `Task`: one node of a flow's task tree. Its `type` is looked up in the catalogue, its common
//! properties (`retry`, `timeout`, ...) are typed in `TaskCommon`, its own properties are kept
//! twice: typed in `kind` (for validation and flowable structure) and raw in `props` (rendered
//! by the engine at run time, then parsed again).

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::catalogue::{self, Category, TaskKind};
use super::duration::Duration;
use super::retry::Retry;
use super::templated::Templated;

/// Properties every task has besides its id and type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskCommon {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    /// Maximum duration of one attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Templated<Duration>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    /// A failure of this task does not fail the execution (it ends in WARNING).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_failure: bool,
    /// A WARNING of this task counts as SUCCESS.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_warning: bool,
    /// The task runs only when this expression renders to true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_if: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub log_to_file: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_group: Option<WorkerGroup>,
}

/// Pins a task to workers started with `--group KEY`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkerGroup {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

/// One task of a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: String,
    /// The canonical type name (aliases are mapped).
    pub type_name: &'static str,
    pub common: TaskCommon,
    pub kind: TaskKind,
    /// The type's own properties as written (after plugin defaults).
    pub props: Map<String, Value>,
}

/// Why a task could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TaskError {
    #[error("missing type id property 'type'")]
    MissingType,
    #[error("Invalid type: {0}")]
    UnknownType(String),
    #[error("task without id")]
    MissingId,
    #[error("{0}")]
    Property(String),
}

impl Task {
    /// Reads a task from its JSON object.
    pub fn from_map(map: &Map<String, Value>) -> Result<Task, TaskError> {
        Task::from_owned_map(map.clone())
    }

    /// Reads a task from its JSON object, taking ownership (no copy of the subtree).
    pub fn from_owned_map(map: Map<String, Value>) -> Result<Task, TaskError> {
        let written = match map.get("type") {
            Some(Value::String(s)) => s.as_str(),
            Some(other) => return Err(TaskError::UnknownType(other.to_string())),
            None => return Err(TaskError::MissingType),
        };
        let entry = catalogue::task_type(written)
            .ok_or_else(|| TaskError::UnknownType(written.to_string()))?;
        let id = match map.get("id") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(TaskError::MissingId),
        };
        let (mut common_map, own) = catalogue::split_common(map);
        common_map.remove("id");
        common_map.remove("type");
        let common: TaskCommon = serde_json::from_value(Value::Object(common_map))
            .map_err(|e| TaskError::Property(e.to_string()))?;
        // Parsed from a borrow: the raw properties are kept too, without a copy.
        let kind = entry
            .parse_map(&own)
            .map_err(|e| TaskError::Property(e.to_string()))?;
        Ok(Task {
            id,
            type_name: entry.name,
            common,
            kind,
            props: own,
        })
    }

    /// Runnable or flowable.
    pub fn category(&self) -> Category {
        catalogue::task_type(self.type_name).map_or(Category::Runnable, |t| t.category)
    }

    /// The child task lists of a flowable, each with its property name.
    pub fn branches(&self) -> Vec<Branch<'_>> {
        use TaskKind as K;
        let mut out = Vec::new();
        let (errors, finally): (&[Task], &[Task]) = match &self.kind {
            K::Sequential(t) => {
                out.push(b("tasks", &t.tasks));
                (&t.errors, &t.finally_tasks)
            }
            K::Parallel(t) => {
                out.push(b("tasks", &t.tasks));
                (&t.errors, &t.finally_tasks)
            }
            K::If(t) => {
                out.push(b("then", &t.then));
                out.push(b("else", &t.else_tasks));
                (&t.errors, &t.finally_tasks)
            }
            K::Switch(t) => {
                for (case, tasks) in &t.cases {
                    out.push(b(&format!("cases/{case}"), tasks));
                }
                out.push(b("defaults", &t.defaults));
                (&t.errors, &t.finally_tasks)
            }
            K::ForEach(t) => {
                out.push(b("tasks", &t.tasks));
                (&t.errors, &t.finally_tasks)
            }
            K::EachSequential(t) => {
                out.push(b("tasks", &t.tasks));
                (&t.errors, &[])
            }
            K::EachParallel(t) => {
                out.push(b("tasks", &t.tasks));
                (&t.errors, &[])
            }
            K::Dag(t) => {
                out.push(Branch {
                    name: "tasks".into(),
                    tasks: t.tasks.iter().map(|d| &d.task).collect(),
                });
                (&t.errors, &t.finally_tasks)
            }
            K::AllowFailure(t) => {
                out.push(b("tasks", &t.tasks));
                (&t.errors, &t.finally_tasks)
            }
            K::WaitFor(t) => {
                out.push(b("tasks", &t.tasks));
                (&t.errors, &[])
            }
            K::WorkingDirectory(t) => {
                out.push(b("tasks", &t.tasks));
                (&t.errors, &t.finally_tasks)
            }
            K::Pause(t) => {
                out.push(b("tasks", &t.tasks));
                (&[], &[])
            }
            _ => (&[], &[]),
        };
        if !errors.is_empty() {
            out.push(b("errors", errors));
        }
        if !finally.is_empty() {
            out.push(b("finally", finally));
        }
        out
    }

    /// This task and every task below it, depth first.
    pub fn walk(&self) -> Vec<&Task> {
        let mut out = vec![self];
        let mut i = 0;
        while i < out.len() {
            let children: Vec<&Task> = out[i]
                .branches()
                .into_iter()
                .flat_map(|b| b.tasks)
                .collect();
            out.extend(children);
            i += 1;
        }
        out
    }

    /// The task as a JSON object, as it would be written.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("id".into(), Value::String(self.id.clone()));
        map.insert("type".into(), Value::String(self.type_name.into()));
        if let Ok(Value::Object(common)) = serde_json::to_value(&self.common) {
            map.extend(common);
        }
        map.extend(self.props.clone());
        map
    }
}

fn b<'a>(name: &str, tasks: &'a [Task]) -> Branch<'a> {
    Branch {
        name: name.to_string(),
        tasks: tasks.iter().collect(),
    }
}

/// A named list of child tasks (`tasks`, `then`, `else`, `cases/x`, `errors`, `finally`, ...).
#[derive(Debug, Clone)]
pub struct Branch<'a> {
    pub name: String,
    pub tasks: Vec<&'a Task>,
}

impl<'de> Deserialize<'de> for Task {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(d)?;
        Task::from_owned_map(map).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Task {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(s)
    }
}

impl JsonSchema for Task {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Task".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        super::schema::task_schema(generator)
    }
}

//! An execution: one run of one revision of a flow, with its inputs, outputs and state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::state::{State, StateChange};

/// One run of a flow revision; `version` guards concurrent updates (optimistic concurrency).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    /// A UUID v7 string, so ids sort by creation time.
    pub id: String,
    /// The flow's namespace.
    pub namespace: String,
    /// The flow's id.
    pub flow_id: String,
    /// The flow revision this execution runs.
    pub flow_revision: i64,
    /// The Git commit the revision came from, if any.
    pub commit: Option<String>,
    /// The current state.
    pub state: State,
    /// Every state it went through, oldest first.
    pub history: Vec<StateChange>,
    /// Resolved inputs.
    pub inputs: Value,
    /// Flow outputs, once computed.
    pub outputs: Value,
    /// Labels, in order.
    pub labels: Vec<Label>,
    /// Flow variables as rendered for this execution.
    pub variables: Value,
    /// What started it (trigger id, type and variables), if a trigger did.
    pub trigger: Option<Value>,
    /// The task run of a parent execution that started it (Subflow), if any.
    pub parent: Option<ParentRef>,
    /// For a replay or retry execution: the execution it replaces.
    pub original_id: Option<String>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// When it started running.
    pub started: Option<DateTime<Utc>>,
    /// When it reached a terminal state.
    pub ended: Option<DateTime<Utc>>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// Incremented by every write; the store accepts version `n` only over stored `n - 1`.
    pub version: i64,
}

/// A label `key: value` on an execution.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Label {
    /// The label's key.
    pub key: String,
    /// The label's value.
    pub value: String,
}

impl Label {
    /// A label from a key and a value.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Label {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// Where a subflow execution came from: the parent execution and its task run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParentRef {
    /// The parent execution.
    pub execution_id: String,
    /// The parent's Subflow task run.
    pub task_run_id: String,
    /// The parent flow's namespace.
    pub namespace: String,
    /// The parent flow's id.
    pub flow_id: String,
}

impl Execution {
    /// A new execution in state `CREATED`, version 1, with a fresh UUID v7 id and no data yet.
    pub fn new(
        namespace: impl Into<String>,
        flow_id: impl Into<String>,
        flow_revision: i64,
        now: DateTime<Utc>,
    ) -> Self {
        Execution {
            id: uuid::Uuid::now_v7().to_string(),
            namespace: namespace.into(),
            flow_id: flow_id.into(),
            flow_revision,
            commit: None,
            state: State::Created,
            history: vec![StateChange {
                state: State::Created,
                date: now,
            }],
            inputs: Value::Object(Default::default()),
            outputs: Value::Object(Default::default()),
            labels: Vec::new(),
            variables: Value::Object(Default::default()),
            trigger: None,
            parent: None,
            original_id: None,
            created: now,
            started: None,
            ended: None,
            error: None,
            version: 1,
        }
    }
}

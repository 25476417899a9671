//! A task run: one task of one execution (or one iteration of it), and its attempts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::state::{State, StateChange};

/// One run of one task inside an execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRun {
    /// A UUID v7 string.
    pub id: String,
    /// The execution it belongs to.
    pub execution_id: String,
    /// The task's id in the flow.
    pub task_id: String,
    /// The enclosing flowable task run (ForEach, Parallel...), if any.
    pub parent_task_run_id: Option<String>,
    /// The ForEach iteration value this run is for.
    pub value: Option<String>,
    /// The iteration number (ForEach index, or loop count).
    pub iteration: Option<i64>,
    /// The current state.
    pub state: State,
    /// Every state it went through, oldest first.
    pub history: Vec<StateChange>,
    /// One entry per try, oldest first.
    pub attempts: Vec<Attempt>,
    /// The task's outputs.
    pub outputs: Value,
    /// Who runs it: the engine itself or a worker.
    pub dispatch: Dispatch,
    /// The worker group it must run on (`None`: workers without a group).
    pub worker_group: Option<String>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// When it reached a terminal state.
    pub ended: Option<DateTime<Utc>>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// Who carries out a task run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Dispatch {
    /// The engine does it itself (flowable tasks, cheap tasks like Log or Return).
    Inline,
    /// Queued for a worker to claim.
    Worker,
}

impl Dispatch {
    /// The upper-case name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Dispatch::Inline => "INLINE",
            Dispatch::Worker => "WORKER",
        }
    }

    /// Parses the upper-case name.
    pub fn parse(s: &str) -> Option<Dispatch> {
        match s {
            "INLINE" => Some(Dispatch::Inline),
            "WORKER" => Some(Dispatch::Worker),
            _ => None,
        }
    }
}

/// One try of a task run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// The attempt's state.
    pub state: State,
    /// When it started.
    pub started: DateTime<Utc>,
    /// When it ended.
    pub ended: Option<DateTime<Utc>>,
    /// A short outcome message (error, exit code...).
    pub message: Option<String>,
    /// The worker that ran it, if a worker did.
    pub worker_id: Option<String>,
}

impl TaskRun {
    /// A new task run in state `CREATED` with a fresh UUID v7 id, no attempt and no outputs.
    pub fn new(
        execution_id: impl Into<String>,
        task_id: impl Into<String>,
        dispatch: Dispatch,
        now: DateTime<Utc>,
    ) -> Self {
        TaskRun {
            id: uuid::Uuid::now_v7().to_string(),
            execution_id: execution_id.into(),
            task_id: task_id.into(),
            parent_task_run_id: None,
            value: None,
            iteration: None,
            state: State::Created,
            history: vec![StateChange {
                state: State::Created,
                date: now,
            }],
            attempts: Vec::new(),
            outputs: Value::Object(Default::default()),
            dispatch,
            worker_group: None,
            created: now,
            ended: None,
            error: None,
        }
    }
}

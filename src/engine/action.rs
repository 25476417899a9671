//! `Action`: what the pure core decides should happen next; the driver persists and applies it.

use chrono::{DateTime, Utc};

use crate::store::model::State;

/// A task run to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTaskRun {
    pub task_id: String,
    pub parent_task_run_id: Option<String>,
    /// The ForEach value (inherited from the parent by non-iterating flowables).
    pub value: Option<String>,
    /// The ForEach iteration index (or WaitFor loop count).
    pub iteration: Option<i64>,
}

/// One decision of `core::next`.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Create a task run in `CREATED`.
    Create(NewTaskRun),
    /// Start a created, restarted or due-for-retry task run: a new attempt (runnable) or its
    /// decision (flowable: branch, values, subflow, pause).
    Start { task_run_id: String },
    /// End a task run in a terminal state (flowable from its children, Sleep elapsed, Pause
    /// delay elapsed, timeout).
    Complete {
        task_run_id: String,
        state: State,
        error: Option<String>,
    },
    /// A failed attempt gets another one at `at` (the task run goes `RETRYING`).
    Retry {
        task_run_id: String,
        at: DateTime<Utc>,
    },
    /// Stop a task run (kill, Exit, SLA): inline ones end `KILLED`, worker ones are asked to stop.
    Kill { task_run_id: String },
    /// A WaitFor's children of the current iteration all ended in `state` (SUCCESS or
    /// WARNING): the driver renders its `condition` and either completes it or schedules the
    /// next iteration.
    CheckLoop { task_run_id: String, state: State },
    /// Nothing to do before `at` (a timer), unless something else happens.
    WaitUntil(DateTime<Utc>),
    /// Move the execution to a non-terminal state (`RUNNING`, `PAUSED`).
    SetExecutionState(State),
    /// The execution reached its final state.
    End { state: State, error: Option<String> },
}

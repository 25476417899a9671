//! `Transition`: everything one engine step writes, committed in one database transaction.

use crate::store::model::{Execution, NewLog, TaskRun};

/// One atomic write: the execution (guarded by its version), task runs, logs and an optional
/// concurrency-slot release. Either all of it is stored or none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transition {
    /// Upserted if its `version` is 1 (insert) or the stored version is `version - 1`;
    /// otherwise the whole transition fails with `StoreError::Conflict`.
    pub execution: Option<Execution>,
    /// Upserted by id. Lease columns (owner, expiry) are left untouched.
    pub task_runs: Vec<TaskRun>,
    /// Appended.
    pub logs: Vec<NewLog>,
    /// The execution whose concurrency slot to release (typically on its terminal transition).
    pub release_slot: Option<String>,
}

impl Transition {
    /// A transition writing only this execution.
    pub fn execution(execution: Execution) -> Self {
        Transition {
            execution: Some(execution),
            ..Transition::default()
        }
    }
}

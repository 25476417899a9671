//! Retries with `behavior: CREATE_NEW_EXECUTION` (on a task, a flowable or the flow): the
//! failed task is not retried in place; the execution ends RETRIED once the retry delay has
//! passed and the driver creates a new execution of the same revision with the same inputs.
//! Attempts are counted over the chain of executions (`attemptNumber` in the execution's
//! bookkeeping, the first execution's creation for `maxDuration`).

use chrono::{DateTime, Utc};

use super::Core;
use crate::engine::view::INTERNAL;
use crate::spec::retry::RetryBehavior;
use crate::spec::{Category, Retry};
use crate::store::model::State;

/// True for a policy that retries the failed task in place (the default behaviour).
pub fn in_place(r: &&Retry) -> bool {
    r.behavior != Some(RetryBehavior::CreateNewExecution)
}

/// An execution's retry bookkeeping value `key` (under `$baton` in its variables).
pub fn retry_meta<'v>(
    e: &'v crate::store::model::Execution,
    key: &str,
) -> Option<&'v serde_json::Value> {
    e.variables.get(INTERNAL).and_then(|m| m.get(key))
}

impl<'a> Core<'a> {
    /// The policy creating new executions that applies to `task_id`, if any.
    fn new_execution_policy(&self, task_id: &str) -> Option<&'a Retry> {
        let task = self.tasks.get(task_id)?;
        if task.category() == Category::Flowable {
            return None;
        }
        task.common
            .retry
            .as_ref()
            .or_else(|| self.retries.get(task_id).copied())
            .or(self.flow.retry.as_ref())
            .filter(|r| !in_place(r))
    }

    /// When a FAILED execution is to be retried as a new execution: the time it is due.
    pub(super) fn new_execution_due(&self) -> Option<DateTime<Utc>> {
        let e = &self.view.execution;
        let attempt = retry_meta(e, "attemptNumber")
            .and_then(|v| v.as_u64())
            .unwrap_or(1) as u32;
        let first = retry_meta(e, "originalCreated")
            .and_then(|v| v.as_str())
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map_or(e.created, |d| d.with_timezone(&Utc));
        self.view
            .task_runs
            .iter()
            .filter(|tr| tr.state == State::Failed)
            .find_map(|tr| {
                let policy = self.new_execution_policy(&tr.task_id)?;
                let delay = policy.delay_before(attempt + 1, 0.5);
                let at = tr.ended.unwrap_or(self.now) + chrono::Duration::from_std(delay).ok()?;
                let elapsed = (at - first).to_std().unwrap_or_default();
                policy.allows_another(attempt, elapsed).then_some(at)
            })
    }
}

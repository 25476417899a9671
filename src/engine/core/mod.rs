//! The pure core: given an execution, all its task runs, the flow and the time, what happens
//! next (Kestra's "resolve nexts"). No database, clock or process: the driver calls `next`,
//! persists the result, and acts on it.
//!
//! `next` walks the flow's task tree against the existing task runs: a missing task run whose
//! turn has come is created, a created one is started, a flowable whose children are all settled
//! is completed with their merged state, a failed attempt with retries left is retried, a timer
//! that has not fired becomes a `WaitUntil`. Flowable rules live in `flowable`, timers and retries
//! in `timers`, state merging in `outcome`.

mod flowable;
mod new_execution;
mod outcome;
mod timers;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::engine::action::{Action, NewTaskRun};
use crate::engine::view::{ExecutionView, Index, internal};
use crate::spec::flow::{SlaBehavior, SlaKind};
use crate::spec::{Flow, Task};
use crate::store::model::{State, TaskRun};

pub use new_execution::retry_meta;
pub use outcome::{Outcome, effective_state, merge};
pub use timers::{inherited_retries, retry_pending, retry_policy};

/// Decides what happens next to an execution (see the module doc).
pub fn next(view: &ExecutionView, flow: &Flow, now: DateTime<Utc>) -> Vec<Action> {
    let tasks: HashMap<&str, &Task> = flow
        .all_tasks()
        .into_iter()
        .map(|t| (t.id.as_str(), t))
        .collect();
    let mut core = Core {
        view,
        flow,
        idx: Index::new(view),
        tasks,
        retries: timers::inherited_retries(flow),
        now,
        out: Vec::new(),
    };
    core.resolve();
    core.out
}

/// One evaluation of `next`.
pub(crate) struct Core<'a> {
    pub view: &'a ExecutionView,
    pub flow: &'a Flow,
    pub idx: Index<'a>,
    pub tasks: HashMap<&'a str, &'a Task>,
    pub retries: HashMap<&'a str, &'a crate::spec::Retry>,
    pub now: DateTime<Utc>,
    pub out: Vec<Action>,
}

impl<'a> Core<'a> {
    fn resolve(&mut self) {
        match self.view.execution.state {
            State::Created | State::Restarted | State::Retrying => {
                self.out.push(Action::SetExecutionState(State::Running));
            }
            State::Killing => self.stop_everything(State::Killed, None),
            State::Running | State::Paused => self.drive(),
            _ => {}
        }
    }

    fn drive(&mut self) {
        if let Some((state, error)) = self.forced_end() {
            self.stop_everything(state, error);
            return;
        }
        self.timers_and_starts();
        self.pause_state();
        let flow = self.flow;
        let main = self.block(
            &flow.tasks,
            &flow.errors,
            &flow.finally_tasks,
            None,
            None,
            None,
            flowable::Mode::Sequential,
        );
        let Outcome::Done(state) = main else { return };
        if !flow.after_execution.is_empty() {
            let after = self.list(
                &flow.after_execution,
                None,
                None,
                None,
                flowable::Mode::Sequential,
            );
            if after == Outcome::Running {
                return;
            }
        }
        if state == State::Failed
            && let Some(at) = self.new_execution_due()
        {
            if self.now < at {
                self.out.push(Action::WaitUntil(at));
            } else {
                self.out.push(Action::End {
                    state: State::Retried,
                    error: Some("failed; retried as a new execution".into()),
                });
            }
            return;
        }
        self.out.push(Action::End { state, error: None });
    }

    /// An Exit task that ran, or a violated SLA, ends the execution whatever else is running.
    fn forced_end(&self) -> Option<(State, Option<String>)> {
        for tr in &self.view.task_runs {
            if let Some(state) = internal(tr, "exit").and_then(|v| v.as_str()) {
                let state = state.parse().unwrap_or(State::Success);
                return Some((state, None));
            }
        }
        let started = self.view.execution.started?;
        for sla in &self.flow.sla {
            if sla.kind != SlaKind::MaxDuration || sla.behavior == SlaBehavior::None {
                continue;
            }
            let Some(limit) = &sla.duration else { continue };
            let Ok(limit) = chrono::Duration::from_std(limit.as_std()) else {
                continue;
            };
            if self.now >= started + limit {
                let state = match sla.behavior {
                    SlaBehavior::Cancel => State::Cancelled,
                    _ => State::Failed,
                };
                return Some((
                    state,
                    Some(format!(
                        "SLA `{}` violated: execution lasted more than {}",
                        sla.id, limit
                    )),
                ));
            }
        }
        None
    }

    /// Kills every unfinished task run; ends the execution once none is left.
    fn stop_everything(&mut self, state: State, error: Option<String>) {
        let mut pending = false;
        for tr in &self.view.task_runs {
            if tr.state.is_terminal() {
                continue;
            }
            pending = true;
            if tr.state != State::Killing {
                self.out.push(Action::Kill {
                    task_run_id: tr.id.clone(),
                });
            }
        }
        if !pending {
            self.out.push(Action::End { state, error });
        }
    }

    /// The execution is PAUSED while one of its task runs is.
    fn pause_state(&mut self) {
        let any_paused = self
            .view
            .task_runs
            .iter()
            .any(|tr| tr.state == State::Paused);
        match self.view.execution.state {
            State::Running if any_paused => self.out.push(Action::SetExecutionState(State::Paused)),
            State::Paused if !any_paused => {
                self.out.push(Action::SetExecutionState(State::Running))
            }
            _ => {}
        }
    }

    /// Creates the task run of `task` under `parent` unless it exists.
    pub(crate) fn create(
        &mut self,
        task: &Task,
        parent: Option<&TaskRun>,
        iteration: Option<i64>,
        value: Option<&str>,
    ) {
        self.out.push(Action::Create(NewTaskRun {
            task_id: task.id.clone(),
            parent_task_run_id: parent.map(|p| p.id.clone()),
            value: value.map(str::to_string),
            iteration,
        }));
    }

    /// The terminal state a task run counts as for its parent, or `None` while it is not settled
    /// (not terminal, or failed with a retry to come).
    pub(crate) fn settled(&self, tr: &TaskRun, task: &Task) -> Option<State> {
        if !tr.state.is_terminal() || retry_pending(tr, self.policy(task), self.now) {
            return None;
        }
        Some(effective_state(tr.state, task))
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
pub(crate) mod sim;
#[cfg(test)]
mod tests;

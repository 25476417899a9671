//! Per-task-run rules that do not depend on the tree: starting created task runs, retries and
//! their delays, and the timers kept in a task run's bookkeeping (Sleep end, Pause delay,
//! attempt timeout).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Core;
use crate::engine::action::Action;
use crate::engine::view::internal;
use crate::spec::{Category, Flow, Retry, Task};
use crate::store::model::{Dispatch, State, TaskRun};

/// The retry policy of a task: its own, else the flow's (unless the flow's creates new
/// executions instead). Flowables are not retried.
pub fn retry_policy<'a>(task: &'a Task, flow: &'a Flow) -> Option<&'a Retry> {
    if task.category() == Category::Flowable {
        return None;
    }
    task.common
        .retry
        .as_ref()
        .or(flow.retry.as_ref())
        .filter(super::new_execution::in_place)
}

/// Retry policies of runnable tasks without their own, inherited from the nearest flowable
/// ancestor that declares one (Kestra retries a flowable by retrying its failed children).
pub fn inherited_retries(flow: &Flow) -> HashMap<&str, &Retry> {
    let mut out = HashMap::new();
    let mut stack: Vec<(&Task, Option<&Retry>)> = flow
        .tasks
        .iter()
        .chain(&flow.errors)
        .chain(&flow.finally_tasks)
        .chain(&flow.after_execution)
        .map(|t| (t, None))
        .collect();
    while let Some((task, inherited)) = stack.pop() {
        if task.category() == Category::Flowable {
            let retry = task.common.retry.as_ref().or(inherited);
            for b in task.branches() {
                stack.extend(b.tasks.into_iter().map(|t| (t, retry)));
            }
        } else if task.common.retry.is_none()
            && let Some(r) = inherited
        {
            out.insert(task.id.as_str(), r);
        }
    }
    out
}

/// True when a FAILED task run will get another attempt under `policy`.
pub fn retry_pending(tr: &TaskRun, policy: Option<&Retry>, now: DateTime<Utc>) -> bool {
    if tr.state != State::Failed || tr.attempts.is_empty() {
        return false;
    }
    let Some(policy) = policy else {
        return false;
    };
    // Like Kestra, the bound applies to when the next attempt would start.
    let next_start = retry_at(tr, policy, tr.ended.unwrap_or(now));
    let elapsed = (next_start - tr.attempts[0].started)
        .to_std()
        .unwrap_or_default();
    policy.allows_another(tr.attempts.len() as u32, elapsed)
}

/// When the next attempt of `tr` is due, counted from `since`.
fn retry_at(tr: &TaskRun, policy: &Retry, since: DateTime<Utc>) -> DateTime<Utc> {
    let next_attempt = tr.attempts.len() as u32 + 1;
    // A stable pseudo-random draw, so `next` stays a pure function of its inputs.
    let seed = tr.id.bytes().fold(next_attempt as u64, |h, b| {
        h.wrapping_mul(31).wrapping_add(b as u64)
    });
    let unit = (seed % 1000) as f64 / 1000.0;
    let delay = policy.delay_before(next_attempt, unit);
    since + chrono::Duration::from_std(delay).unwrap_or_default()
}

/// Reads a time kept in a task run's bookkeeping.
pub(crate) fn internal_time(tr: &TaskRun, key: &str) -> Option<DateTime<Utc>> {
    internal(tr, key)
        .and_then(|v| v.as_str())
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

impl<'a> Core<'a> {
    /// The retry policy of a task: its own, a flowable ancestor's, or the flow's.
    pub(crate) fn policy(&self, task: &'a Task) -> Option<&'a Retry> {
        if task.category() == Category::Flowable {
            return None;
        }
        task.common
            .retry
            .as_ref()
            .or_else(|| self.retries.get(task.id.as_str()).copied())
            .or_else(|| retry_policy(task, self.flow))
            .filter(super::new_execution::in_place)
    }

    pub(super) fn timers_and_starts(&mut self) {
        let view = self.view;
        for tr in &view.task_runs {
            let Some(task) = self.tasks.get(tr.task_id.as_str()).copied() else {
                continue;
            };
            match tr.state {
                State::Created if tr.dispatch == Dispatch::Inline => self.start(tr),
                State::Restarted => self.start(tr),
                State::Retrying => self.retrying(tr, task),
                State::Running => self.running_timers(tr),
                State::Paused => self.pause_timer(tr),
                State::Failed if retry_pending(tr, self.policy(task), self.now) => {
                    if let Some(policy) = self.policy(task) {
                        let since = tr.ended.unwrap_or(self.now);
                        let at = retry_at(tr, policy, since);
                        self.out.push(Action::Retry {
                            task_run_id: tr.id.clone(),
                            at,
                        });
                    }
                }
                _ => {}
            }
        }
    }

    fn start(&mut self, tr: &TaskRun) {
        self.out.push(Action::Start {
            task_run_id: tr.id.clone(),
        });
    }

    fn retrying(&mut self, tr: &TaskRun, task: &Task) {
        let since = tr.history.last().map_or(self.now, |h| h.date);
        let at = self.policy(task).map_or(since, |p| retry_at(tr, p, since));
        if self.now >= at {
            self.start(tr);
        } else {
            self.out.push(Action::WaitUntil(at));
        }
    }

    fn running_timers(&mut self, tr: &TaskRun) {
        let until = internal_time(tr, "until");
        let deadline = internal_time(tr, "deadline");
        if let Some(deadline) = deadline
            && until.is_none_or(|u| deadline <= u)
        {
            if self.now >= deadline {
                let timeout = internal(tr, "timeout")
                    .and_then(|v| v.as_str())
                    .unwrap_or("its timeout");
                self.out.push(Action::Complete {
                    task_run_id: tr.id.clone(),
                    state: State::Failed,
                    error: Some(format!(
                        "Timeout: task `{}` exceeded its timeout of {timeout}",
                        tr.task_id
                    )),
                });
            } else {
                self.out.push(Action::WaitUntil(deadline));
            }
            return;
        }
        if let Some(until) = until {
            if self.now >= until {
                self.out.push(Action::Complete {
                    task_run_id: tr.id.clone(),
                    state: State::Success,
                    error: None,
                });
            } else {
                self.out.push(Action::WaitUntil(until));
            }
        }
    }

    fn pause_timer(&mut self, tr: &TaskRun) {
        let Some(until) = internal_time(tr, "until") else {
            return;
        };
        if self.now < until {
            self.out.push(Action::WaitUntil(until));
            return;
        }
        let state = internal(tr, "onTimeout")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse().ok())
            .unwrap_or(State::Success);
        let has_tasks = self.tasks.get(tr.task_id.as_str()).is_some_and(
            |t| matches!(&t.kind, crate::spec::TaskKind::Pause(p) if !p.tasks.is_empty()),
        );
        let state = if state == State::Success && has_tasks {
            State::Running
        } else {
            state
        };
        let error = (state == State::Failed).then(|| format!("Pause `{}` timed out", tr.task_id));
        self.out.push(Action::Complete {
            task_run_id: tr.id.clone(),
            state,
            error,
        });
    }
}

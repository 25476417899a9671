//! Flowable rules: how the children of Sequential, Parallel, If, Switch, ForEach (and the legacy
//! Each*), Dag, AllowFailure and WorkingDirectory are created, and when their parent is done.
//! A flowable's decision (branch, values) was recorded in its bookkeeping when it started.

use super::Core;
use super::outcome::{Outcome, is_blocking, merge};
use crate::engine::action::Action;
use crate::engine::view::internal;
use crate::spec::kinds::flowable::DagTask;
use crate::spec::{Category, Task, TaskKind};
use crate::store::model::{State, TaskRun};

/// How the tasks of a list run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One after the other; a failure stops the list.
    Sequential,
    /// All at once, at most this many at a time (0 = no limit).
    Parallel(u32),
}

impl<'a> Core<'a> {
    /// Runs `tasks`, then `errors` if they failed, then `finally`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn block(
        &mut self,
        tasks: &'a [Task],
        errors: &'a [Task],
        finally: &'a [Task],
        parent: Option<&'a TaskRun>,
        iteration: Option<i64>,
        value: Option<&'a str>,
        mode: Mode,
    ) -> Outcome {
        let main = self.list(tasks, parent, iteration, value, mode);
        self.after_main(main, errors, finally, parent, value)
    }

    /// `errors` (when `main` failed) then `finally`, once `main` is done.
    fn after_main(
        &mut self,
        main: Outcome,
        errors: &'a [Task],
        finally: &'a [Task],
        parent: Option<&'a TaskRun>,
        value: Option<&'a str>,
    ) -> Outcome {
        let Outcome::Done(mut state) = main else {
            return Outcome::Running;
        };
        if state == State::Failed && !errors.is_empty() {
            match self.list(errors, parent, None, value, Mode::Sequential) {
                Outcome::Running => return Outcome::Running,
                Outcome::Done(s) if s == State::Killed => state = s,
                Outcome::Done(_) => {}
            }
        }
        if !finally.is_empty() {
            match self.list(finally, parent, None, value, Mode::Sequential) {
                Outcome::Running => return Outcome::Running,
                Outcome::Done(s) => state = merge(state, s),
            }
        }
        Outcome::Done(state)
    }

    /// Creates what is due in a list of tasks and says where the list stands.
    pub(super) fn list(
        &mut self,
        tasks: &'a [Task],
        parent: Option<&'a TaskRun>,
        iteration: Option<i64>,
        value: Option<&'a str>,
        mode: Mode,
    ) -> Outcome {
        let parent_id = parent.map(|p| p.id.as_str());
        let mut worst = State::Success;
        let mut running = 0u32;
        let mut blocked = false;
        let mut missing: Vec<&'a Task> = Vec::new();
        for task in tasks.iter().filter(|t| !t.common.disabled) {
            let Some(tr) = self.idx.at(parent_id, &task.id, iteration) else {
                if mode == Mode::Sequential {
                    if blocked {
                        break;
                    }
                    self.create(task, parent, iteration, value);
                    return Outcome::Running;
                }
                missing.push(task);
                continue;
            };
            self.visit(tr, task);
            match self.settled(tr, task) {
                None if mode == Mode::Sequential => return Outcome::Running,
                None => running += 1,
                Some(s) => {
                    worst = merge(worst, s);
                    if is_blocking(s) {
                        blocked = true;
                        if mode == Mode::Sequential {
                            return Outcome::Done(worst);
                        }
                    }
                }
            }
        }
        if let Mode::Parallel(limit) = mode
            && !blocked
        {
            for task in &missing {
                if limit != 0 && running >= limit {
                    break;
                }
                self.create(task, parent, iteration, value);
                running += 1;
            }
            if !missing.is_empty() {
                return Outcome::Running;
            }
        }
        if running > 0 {
            Outcome::Running
        } else {
            Outcome::Done(worst)
        }
    }

    /// Drives a RUNNING flowable task run: completes it once its children are settled.
    pub(super) fn visit(&mut self, tr: &'a TaskRun, task: &'a Task) {
        if tr.state != State::Running || task.category() != Category::Flowable {
            return;
        }
        let value = tr.value.as_deref();
        let p = Some(tr);
        let outcome = match &task.kind {
            TaskKind::Sequential(s) => self.block(
                &s.tasks,
                &s.errors,
                &s.finally_tasks,
                p,
                None,
                value,
                Mode::Sequential,
            ),
            TaskKind::WorkingDirectory(s) => self.block(
                &s.tasks,
                &s.errors,
                &s.finally_tasks,
                p,
                None,
                value,
                Mode::Sequential,
            ),
            TaskKind::AllowFailure(s) => match self.block(
                &s.tasks,
                &s.errors,
                &s.finally_tasks,
                p,
                None,
                value,
                Mode::Sequential,
            ) {
                Outcome::Done(State::Failed) => Outcome::Done(State::Warning),
                other => other,
            },
            TaskKind::Parallel(s) => self.block(
                &s.tasks,
                &s.errors,
                &s.finally_tasks,
                p,
                None,
                value,
                Mode::Parallel(s.concurrent),
            ),
            TaskKind::If(s) => {
                let Some(branch) = internal(tr, "branch").and_then(|v| v.as_str()) else {
                    return;
                };
                let tasks = if branch == "then" {
                    &s.then
                } else {
                    &s.else_tasks
                };
                self.block(
                    tasks,
                    &s.errors,
                    &s.finally_tasks,
                    p,
                    None,
                    value,
                    Mode::Sequential,
                )
            }
            TaskKind::Switch(s) => {
                let Some(case) = internal(tr, "case") else {
                    return;
                };
                let tasks = case
                    .as_str()
                    .and_then(|c| s.cases.get(c))
                    .unwrap_or(&s.defaults);
                self.block(
                    tasks,
                    &s.errors,
                    &s.finally_tasks,
                    p,
                    None,
                    value,
                    Mode::Sequential,
                )
            }
            TaskKind::ForEach(s) => {
                let main = self.each(tr, &s.tasks, s.concurrency_limit, Mode::Sequential);
                self.after_main(main, &s.errors, &s.finally_tasks, p, value)
            }
            TaskKind::EachSequential(s) => {
                let main = self.each(tr, &s.tasks, 1, Mode::Sequential);
                self.after_main(main, &s.errors, &[], p, value)
            }
            TaskKind::EachParallel(s) => {
                let main = self.each(tr, &s.tasks, s.concurrent, Mode::Parallel(0));
                self.after_main(main, &s.errors, &[], p, value)
            }
            TaskKind::Dag(s) => {
                let main = self.dag(tr, &s.tasks, s.concurrent);
                self.after_main(main, &s.errors, &s.finally_tasks, p, value)
            }
            TaskKind::Pause(s) if !s.tasks.is_empty() => {
                self.block(&s.tasks, &[], &[], p, None, value, Mode::Sequential)
            }
            TaskKind::Pause(_) => Outcome::Done(State::Success),
            TaskKind::WaitFor(s) => match self.wait_for(tr, &s.tasks) {
                Outcome::Done(State::Failed) => {
                    self.after_main(Outcome::Done(State::Failed), &s.errors, &[], p, value)
                }
                other => other,
            },
            // Subflows are completed by the driver.
            _ => return,
        };
        if let Outcome::Done(state) = outcome {
            self.out.push(Action::Complete {
                task_run_id: tr.id.clone(),
                state,
                error: None,
            });
        }
    }

    /// The current iteration of a WaitFor (children at `iteration` = its loop count). Once they
    /// all succeeded, the driver checks the condition (`CheckLoop`); the next iteration starts
    /// when its `nextAt` time comes. Only a failure (or kill) ends it here.
    fn wait_for(&mut self, tr: &'a TaskRun, tasks: &'a [Task]) -> Outcome {
        let Some(n) = internal(tr, "loop").and_then(|v| v.as_i64()) else {
            return Outcome::Running;
        };
        if let Some(at) = super::timers::internal_time(tr, "nextAt")
            && self.now < at
        {
            self.out.push(Action::WaitUntil(at));
            return Outcome::Running;
        }
        match self.list(
            tasks,
            Some(tr),
            Some(n),
            tr.value.as_deref(),
            Mode::Sequential,
        ) {
            Outcome::Done(state @ (State::Success | State::Warning)) => {
                self.out.push(Action::CheckLoop {
                    task_run_id: tr.id.clone(),
                    state,
                });
                Outcome::Running
            }
            other => other,
        }
    }

    /// One group of children per value, `limit` groups at a time (0 = all).
    fn each(&mut self, tr: &'a TaskRun, tasks: &'a [Task], limit: u32, mode: Mode) -> Outcome {
        let Some(values) = internal(tr, "values").and_then(|v| v.as_array()) else {
            return Outcome::Running;
        };
        let mut worst = State::Success;
        let mut running = 0u32;
        let mut blocked = false;
        let mut pending = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let iteration = Some(i as i64);
            let started = tasks
                .iter()
                .any(|t| self.idx.at(Some(&tr.id), &t.id, iteration).is_some());
            if !started {
                pending.push((iteration, v.as_str()));
                continue;
            }
            match self.list(tasks, Some(tr), iteration, v.as_str(), mode) {
                Outcome::Running => running += 1,
                Outcome::Done(s) => {
                    worst = merge(worst, s);
                    blocked |= is_blocking(s);
                }
            }
        }
        if !blocked {
            for (iteration, value) in &pending {
                if limit != 0 && running >= limit {
                    break;
                }
                if self.list(tasks, Some(tr), *iteration, *value, mode) == Outcome::Running {
                    running += 1;
                }
            }
            if !pending.is_empty() && running > 0 {
                return Outcome::Running;
            }
        }
        if running > 0 {
            Outcome::Running
        } else {
            Outcome::Done(worst)
        }
    }

    /// Dag nodes start when every node they depend on succeeded.
    fn dag(&mut self, tr: &'a TaskRun, nodes: &'a [DagTask], limit: u32) -> Outcome {
        let mut worst = State::Success;
        let mut running = 0u32;
        let mut blocked = false;
        let mut done: Vec<&str> = Vec::new();
        let mut missing = Vec::new();
        for node in nodes {
            let task = &node.task;
            if task.common.disabled {
                done.push(&task.id);
                continue;
            }
            let Some(child) = self.idx.at(Some(&tr.id), &task.id, None) else {
                missing.push(node);
                continue;
            };
            self.visit(child, task);
            match self.settled(child, task) {
                None => running += 1,
                Some(s) => {
                    worst = merge(worst, s);
                    blocked |= is_blocking(s);
                    done.push(&task.id);
                }
            }
        }
        if !blocked {
            let mut waiting = false;
            for node in &missing {
                if node.depends_on.iter().all(|d| done.contains(&d.as_str())) {
                    if limit == 0 || running < limit {
                        self.create(&node.task, Some(tr), None, tr.value.as_deref());
                        running += 1;
                    } else {
                        waiting = true;
                    }
                } else {
                    waiting = true;
                }
            }
            if waiting && running == 0 {
                // Dependencies that can never be met (a cycle or an unknown id).
                return Outcome::Done(State::Failed);
            }
        }
        if running > 0 {
            Outcome::Running
        } else {
            Outcome::Done(worst)
        }
    }
}

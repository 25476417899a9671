//! One execution's owner: the loop that asks the core, persists the step, then acts.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::{Command, Inner, TaskRunEvent};
use crate::engine::core::next;
use crate::engine::error::EngineError;
use crate::engine::view::{ExecutionView, internal};
use crate::spec::{Category, Flow, Task, TaskKind};
use crate::store::model::{Dispatch, Level, NewLog, State, StateChange, TaskRun};
use crate::store::{StoreError, Transition};

/// Most task runs one step writes before it is persisted.
const MAX_STEP_TASK_RUNS: usize = 256;

/// Work to do once the step that decided it is persisted.
pub(super) enum Effect {
    /// Run an attempt of an inline task.
    RunInline(String),
    /// Create the child execution of a Subflow task run.
    CreateSubflow(String),
    /// Kill a subflow's child execution.
    KillChild(String),
    /// Create the new execution that retries this RETRIED one (CREATE_NEW_EXECUTION).
    RetryAsNew,
}

/// The in-memory state of a driven execution.
pub(super) struct Drive {
    pub inner: Arc<Inner>,
    pub view: ExecutionView,
    pub flow: Arc<Flow>,
    pub tasks: HashMap<String, Task>,
    pub positions: HashMap<String, usize>,
    pub dirty: HashSet<String>,
    pub execution_dirty: bool,
    pub logs: Vec<NewLog>,
    pub effects: Vec<Effect>,
    /// Started attempts of pure tasks, run before the step is persisted.
    pub pure: Vec<String>,
    pub wake_at: Option<DateTime<Utc>>,
    pub release_slot: bool,
    pub namespace_vars: Map<String, Value>,
    /// Tasks whose properties may read `outputs` (or `parent(s)`): only their renders pay for
    /// building the outputs tree. `None`: every render does (flow variables read outputs).
    pub needs_outputs: Option<HashSet<String>>,
    /// How many entries of the execution's state history were already announced as changes.
    pub announced: usize,
    /// Worker task runs whose lease expired (id, attempts when seen), failed after the next
    /// refresh so a result stored in the meantime wins.
    pub lost: Vec<(String, usize)>,
}

/// The tasks that may read other tasks' outputs, or `None` when any render may.
fn outputs_readers(flow: &Flow) -> Option<HashSet<String>> {
    let reads = |v: &str| v.contains("outputs") || v.contains("parent") || v.contains("render(");
    let vars = serde_json::to_string(&flow.variables).unwrap_or_default();
    if reads(&vars) {
        return None;
    }
    Some(
        flow.all_tasks()
            .into_iter()
            .filter(|t| reads(&serde_json::to_string(&t.to_map()).unwrap_or_default()))
            .map(|t| t.id.clone())
            .collect(),
    )
}

/// Owns execution `id` until it is terminal (or the engine stops).
pub(super) async fn own(
    inner: Arc<Inner>,
    id: String,
    mut rx: mpsc::UnboundedReceiver<Command>,
    fresh: Option<(crate::store::model::Execution, Arc<Flow>)>,
) {
    let result = async {
        let mut drive = match fresh {
            Some((execution, flow)) => Drive::new(Arc::clone(&inner), execution, Vec::new(), flow),
            None => Drive::load(Arc::clone(&inner), &id).await?,
        };
        drive.run(&mut rx).await
    }
    .await;
    if let Err(e) = result {
        tracing::error!(execution_id = %id, error = %e, "driving the execution stopped");
    }
    if let Ok(mut owners) = inner.owners.lock() {
        owners.remove(&id);
    }
    // Requests that arrived too late are answered rather than dropped silently.
    rx.close();
    while let Ok(cmd) = rx.try_recv() {
        if let Command::Resume(_, reply) = cmd {
            let _ = reply.send(Err(EngineError::WrongState {
                id: id.clone(),
                state: "not running".into(),
                action: "resume",
            }));
        }
    }
}

impl Drive {
    async fn load(inner: Arc<Inner>, id: &str) -> Result<Drive, EngineError> {
        let execution = inner
            .store
            .execution(id)
            .await?
            .ok_or_else(|| EngineError::ExecutionNotFound(id.into()))?;
        let task_runs = inner.store.task_runs(id).await?;
        let resolved = inner
            .flows
            .resolve(
                &execution.namespace,
                &execution.flow_id,
                Some(execution.flow_revision),
            )
            .await?;
        Ok(Drive::new(inner, execution, task_runs, resolved.flow))
    }

    fn new(
        inner: Arc<Inner>,
        execution: crate::store::model::Execution,
        task_runs: Vec<TaskRun>,
        flow: Arc<Flow>,
    ) -> Drive {
        let tasks = flow
            .all_tasks()
            .into_iter()
            .map(|t| (t.id.clone(), t.clone()))
            .collect();
        let positions = task_runs
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
        let namespace_vars = inner.flows.namespace_variables(&execution.namespace);
        let needs_outputs = outputs_readers(&flow);
        let announced = execution.history.len();
        Drive {
            inner,
            view: ExecutionView {
                execution,
                task_runs,
            },
            flow,
            tasks,
            positions,
            dirty: HashSet::new(),
            execution_dirty: false,
            logs: Vec::new(),
            effects: Vec::new(),
            pure: Vec::new(),
            wake_at: None,
            release_slot: false,
            namespace_vars,
            needs_outputs,
            announced,
            lost: Vec::new(),
        }
    }

    async fn run(&mut self, rx: &mut mpsc::UnboundedReceiver<Command>) -> Result<(), EngineError> {
        if self.view.execution.state.is_terminal() {
            return Ok(());
        }
        self.recover();
        loop {
            if self.view.execution.state == State::Queued {
                self.try_dequeue().await?;
            }
            self.resolve().await;
            self.persist().await?;
            if !self.effects.is_empty() {
                self.run_effects().await;
                continue;
            }
            if self.view.execution.state.is_terminal() {
                self.finished();
                return Ok(());
            }
            let idle = self.idle_time();
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    Some(cmd) => self.command(cmd).await,
                    None => return Ok(()),
                },
                _ = tokio::time::sleep(idle) => {}
                _ = self.inner.stopping.cancelled() => return Ok(()),
            }
            while let Ok(cmd) = rx.try_recv() {
                self.command(cmd).await;
            }
            self.refresh_external().await?;
            self.fail_lost(Utc::now());
        }
    }

    /// How long to sleep: until the next timer, or the poll interval while something outside
    /// (a worker, a child execution, a slot) may change, or a long safety poll.
    fn idle_time(&mut self) -> Duration {
        let poll = self.inner.config.poll_interval;
        let external = self.view.execution.state == State::Queued
            || self.view.task_runs.iter().any(|t| {
                !t.state.is_terminal()
                    && (t.dispatch == Dispatch::Worker || internal(t, "executionId").is_some())
            });
        let base = if external {
            poll
        } else {
            Duration::from_secs(5)
        };
        let until_timer = self
            .wake_at
            .take()
            .map(|at| (at - Utc::now()).to_std().unwrap_or_default());
        until_timer.map_or(base, |t| t.min(base))
    }

    /// Applies the core's actions until it has nothing more to say right now. Attempts of
    /// pure tasks (no effect outside the execution) run right here: if the process dies before
    /// the step is persisted, nothing of them is recorded and they simply run again.
    async fn resolve(&mut self) {
        for _ in 0..100_000 {
            let now = Utc::now();
            let actions = next(&self.view, &self.flow, now);
            let mut progressed = false;
            for action in actions {
                progressed |= self.apply(action, now);
            }
            let pure = std::mem::take(&mut self.pure);
            progressed |= !pure.is_empty();
            for id in pure {
                self.run_inline(&id).await;
            }
            // Long in-memory runs are persisted in slices, so progress is visible.
            if !progressed || self.dirty.len() >= MAX_STEP_TASK_RUNS {
                return;
            }
        }
        tracing::error!(execution_id = %self.view.execution.id, "the core did not settle");
    }

    /// Writes the step: the execution, changed task runs and new logs, in one transaction.
    async fn persist(&mut self) -> Result<(), EngineError> {
        if self.dirty.is_empty() && self.logs.is_empty() && !self.execution_dirty {
            return Ok(());
        }
        self.view.execution.version += 1;
        let task_runs: Vec<TaskRun> = self
            .dirty
            .iter()
            .filter_map(|id| self.positions.get(id))
            .map(|&i| self.view.task_runs[i].clone())
            .collect();
        let transition = Transition {
            execution: Some(self.view.execution.clone()),
            task_runs,
            logs: std::mem::take(&mut self.logs),
            release_slot: self.release_slot.then(|| self.view.execution.id.clone()),
        };
        match self.inner.store.apply(&transition).await {
            Ok(()) => {}
            Err(StoreError::Conflict { .. }) => {
                // Someone else wrote this execution (another engine, a restart): start over
                // from what is stored rather than overwrite it.
                let fresh = Drive::load(Arc::clone(&self.inner), &self.view.execution.id).await?;
                self.view = fresh.view;
                self.announced = fresh.announced;
                self.positions = fresh.positions;
                self.dirty.clear();
                self.execution_dirty = false;
                self.effects.clear();
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        self.announce_changes();
        if self.inner.events.receiver_count() > 0 {
            for tr in &transition.task_runs {
                let _ = self.inner.events.send(TaskRunEvent {
                    execution_id: tr.execution_id.clone(),
                    task_id: tr.task_id.clone(),
                    value: tr.value.clone(),
                    state: tr.state,
                    date: tr.history.last().map_or(tr.created, |h| h.date),
                });
            }
        }
        self.dirty.clear();
        self.execution_dirty = false;
        Ok(())
    }

    /// Sends each state change persisted since the last step, in order: one step may hold
    /// several (`RUNNING` then `PAUSED`), and a listener must see each of them.
    fn announce_changes(&mut self) {
        let history = &self.view.execution.history;
        if self.inner.changes.receiver_count() > 0 {
            for n in self.announced + 1..=history.len() {
                let mut e = self.view.execution.clone();
                e.history.truncate(n);
                e.state = e.history[n - 1].state;
                let _ = self.inner.changes.send(e);
            }
        }
        self.announced = history.len();
    }

    fn finished(&mut self) {
        let e = &self.view.execution;
        self.inner.announce(e);
        if let Some(parent) = &e.parent {
            self.inner.command(&parent.execution_id, Command::Wake);
        }
        if self.flow.concurrency.is_some() {
            // A slot was freed: queued executions of this flow may start.
            let owners: Vec<_> = self
                .inner
                .owners
                .lock()
                .map(|o| o.values().cloned().collect())
                .unwrap_or_default();
            for tx in owners {
                let _ = tx.send(Command::Wake);
            }
        }
    }

    async fn try_dequeue(&mut self) -> Result<(), EngineError> {
        let Some(c) = &self.flow.concurrency else {
            self.set_execution_state(State::Created, Utc::now());
            return Ok(());
        };
        let e = &self.view.execution;
        if self
            .inner
            .store
            .acquire_slot(&e.namespace, &e.flow_id, c.limit as i64, &e.id)
            .await?
        {
            self.set_execution_state(State::Created, Utc::now());
        }
        Ok(())
    }

    /// Task runs a dead engine left RUNNING inline: a Sleep resumes its timer (or sleeps
    /// again), anything else fails (and is retried if its policy allows).
    fn recover(&mut self) {
        let now = Utc::now();
        let stuck: Vec<String> = self
            .view
            .task_runs
            .iter()
            .filter(|t| t.state == State::Running && t.dispatch == Dispatch::Inline)
            .filter(|t| {
                self.tasks
                    .get(&t.task_id)
                    .is_some_and(|task| task.category() == Category::Runnable)
            })
            .map(|t| t.id.clone())
            .collect();
        for id in stuck {
            let Some(&i) = self.positions.get(&id) else {
                continue;
            };
            let tr = &self.view.task_runs[i];
            let is_sleep = self
                .tasks
                .get(&tr.task_id)
                .is_some_and(|t| matches!(t.kind, TaskKind::Sleep(_)));
            if is_sleep {
                if internal(tr, "until").is_none() {
                    self.effects.push(Effect::RunInline(id));
                }
                continue;
            }
            let message = format!(
                "engine restarted while the task `{}` was running",
                tr.task_id
            );
            self.log(&id, Level::Error, message.clone(), now);
            self.finish_task_run(&id, State::Failed, Some(message), now);
        }
    }

    /// Reloads what others may have changed: worker task runs and subflow children.
    async fn refresh_external(&mut self) -> Result<(), EngineError> {
        let waiting_worker = self
            .view
            .task_runs
            .iter()
            .any(|t| t.dispatch == Dispatch::Worker && !t.state.is_terminal());
        if waiting_worker {
            let stored = self.inner.store.task_runs(&self.view.execution.id).await?;
            for s in stored {
                if s.dispatch != Dispatch::Worker || self.dirty.contains(&s.id) {
                    continue;
                }
                if let Some(&i) = self.positions.get(&s.id)
                    && self.view.task_runs[i] != s
                {
                    self.view.task_runs[i] = s;
                }
            }
        }
        let children: Vec<(String, String)> = self
            .view
            .task_runs
            .iter()
            .filter(|t| t.state == State::Running)
            .filter_map(|t| {
                internal(t, "executionId")
                    .and_then(|v| v.as_str())
                    .map(|c| (t.id.clone(), c.to_string()))
            })
            .collect();
        for (tr_id, child_id) in children {
            let Some(child) = self.inner.store.execution(&child_id).await? else {
                continue;
            };
            if child.state.is_terminal() {
                self.subflow_ended(&tr_id, &child).await;
            }
        }
        Ok(())
    }

    async fn command(&mut self, cmd: Command) {
        let now = Utc::now();
        match cmd {
            Command::Wake => {}
            Command::WorkerLost {
                task_run_id,
                attempts,
            } => {
                self.lost.push((task_run_id, attempts));
            }
            Command::Kill => {
                if !self.view.execution.state.is_terminal()
                    && self.view.execution.state != State::Killing
                {
                    self.set_execution_state(State::Killing, now);
                }
            }
            Command::Resume(inputs, reply) => {
                let result = self.resume(inputs, now);
                let _ = reply.send(result);
            }
        }
    }

    /// Sets the execution's (non-terminal) state.
    pub fn set_execution_state(&mut self, state: State, now: DateTime<Utc>) {
        let e = &mut self.view.execution;
        e.state = state;
        e.history.push(StateChange { state, date: now });
        if state == State::Running && e.started.is_none() {
            e.started = Some(now);
        }
        self.execution_dirty = true;
    }

    /// Appends a log line of a task run.
    pub fn log(&mut self, task_run_id: &str, level: Level, message: String, now: DateTime<Utc>) {
        let Some(&i) = self.positions.get(task_run_id) else {
            return;
        };
        let to_file = self
            .tasks
            .get(&self.view.task_runs[i].task_id)
            .is_some_and(|t| t.common.log_to_file);
        if to_file {
            return self.log_to_file(task_run_id, level, &message, now);
        }
        let tr = &self.view.task_runs[i];
        self.logs.push(NewLog {
            execution_id: tr.execution_id.clone(),
            task_run_id: Some(tr.id.clone()),
            task_id: Some(tr.task_id.clone()),
            attempt: Some(tr.attempts.len().saturating_sub(1) as i32),
            level,
            message,
            timestamp: now,
        });
    }

    /// Moves a task run to a state; a terminal one ends its attempt too.
    pub fn finish_task_run(
        &mut self,
        id: &str,
        state: State,
        error: Option<String>,
        now: DateTime<Utc>,
    ) {
        let Some(&i) = self.positions.get(id) else {
            return;
        };
        let tr = &mut self.view.task_runs[i];
        tr.state = state;
        tr.history.push(StateChange { state, date: now });
        if state.is_terminal() {
            tr.ended = Some(now);
            if let Some(a) = tr.attempts.last_mut().filter(|a| a.ended.is_none()) {
                a.state = state;
                a.ended = Some(now);
                a.message = error.clone();
            }
        }
        if error.is_some() {
            tr.error = error;
        }
        self.dirty.insert(id.to_string());
    }
}

impl Drive {
    /// True when renders of this task must see the outputs tree.
    pub fn reads_outputs(&self, task_id: &str) -> bool {
        self.needs_outputs
            .as_ref()
            .is_none_or(|s| s.contains(task_id))
    }
}

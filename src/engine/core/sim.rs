//! A test-only simulator: applies the core's actions to a view the way the driver would, with
//! trivial leaves (Return succeeds, Fail fails, Sleep waits), so flows run without a database.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::next;
use crate::engine::action::Action;
use crate::engine::view::{ExecutionView, set_internal};
use crate::spec::{Category, Flow, TaskKind};
use crate::store::model::{Attempt, Dispatch, Execution, State, StateChange, TaskRun};

/// A simulated execution.
pub struct Sim {
    pub view: ExecutionView,
    pub flow: Flow,
    pub now: DateTime<Utc>,
    /// How many times each task run was started.
    pub starts: std::collections::HashMap<String, u32>,
}

pub fn flow(value: Value) -> Flow {
    Flow::from_value(value).expect("test flow parses")
}

impl Sim {
    pub fn new(flow: Flow) -> Sim {
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        let execution = Execution::new(&flow.namespace, &flow.id, 1, now);
        Sim {
            view: ExecutionView {
                execution,
                task_runs: Vec::new(),
            },
            flow,
            now,
            starts: Default::default(),
        }
    }

    /// Runs until the execution ends or `max_steps` pass; returns the final state.
    pub fn run(&mut self, max_steps: usize) -> State {
        for _ in 0..max_steps {
            if self.view.execution.state.is_terminal() {
                break;
            }
            let actions = next(&self.view, &self.flow, self.now);
            let mut wait: Option<DateTime<Utc>> = None;
            let mut acted = false;
            for a in actions {
                match a {
                    Action::WaitUntil(at) => wait = Some(wait.map_or(at, |w| w.min(at))),
                    other => {
                        acted = true;
                        self.apply(other);
                    }
                }
            }
            if !acted {
                match wait {
                    Some(at) => self.now = at.max(self.now),
                    None => break,
                }
            }
        }
        self.view.execution.state
    }

    pub fn task_run(&self, task_id: &str) -> &TaskRun {
        self.view
            .task_runs
            .iter()
            .find(|t| t.task_id == task_id)
            .expect("task run exists")
    }

    pub fn states(&self, task_id: &str) -> Vec<State> {
        self.view
            .task_runs
            .iter()
            .filter(|t| t.task_id == task_id)
            .map(|t| t.state)
            .collect()
    }

    fn set(&mut self, id: &str, state: State) {
        let now = self.now;
        if let Some(tr) = self.view.task_runs.iter_mut().find(|t| t.id == id) {
            tr.state = state;
            tr.history.push(StateChange { state, date: now });
            if state.is_terminal() {
                tr.ended = Some(now);
                if let Some(a) = tr.attempts.last_mut().filter(|a| a.ended.is_none()) {
                    a.state = state;
                    a.ended = Some(now);
                }
            }
        }
    }

    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Create(n) => {
                let mut tr = TaskRun::new(
                    &self.view.execution.id,
                    &n.task_id,
                    Dispatch::Inline,
                    self.now,
                );
                tr.parent_task_run_id = n.parent_task_run_id;
                tr.value = n.value;
                tr.iteration = n.iteration;
                self.view.task_runs.push(tr);
            }
            Action::Start { task_run_id } => self.start(&task_run_id),
            Action::Complete {
                task_run_id, state, ..
            } => self.set(&task_run_id, state),
            Action::Retry { task_run_id, .. } => self.set(&task_run_id, State::Retrying),
            Action::Kill { task_run_id } => self.set(&task_run_id, State::Killed),
            Action::CheckLoop { task_run_id, state } => self.check_loop(&task_run_id, state),
            Action::SetExecutionState(s) => {
                self.view.execution.state = s;
                if self.view.execution.started.is_none() {
                    self.view.execution.started = Some(self.now);
                }
            }
            Action::End { state, .. } => self.view.execution.state = state,
            Action::WaitUntil(_) => {}
        }
    }

    /// A literal `true` condition holds; any other never does, up to `maxIterations`.
    fn check_loop(&mut self, id: &str, state: State) {
        let Some(pos) = self.view.task_runs.iter().position(|t| t.id == id) else {
            return;
        };
        let task = self.flow.find_task(&self.view.task_runs[pos].task_id);
        let Some(TaskKind::WaitFor(w)) = task.map(|t| &t.kind) else {
            return;
        };
        let max = w
            .check_frequency
            .as_ref()
            .and_then(|f| f.max_iterations)
            .unwrap_or(100) as i64;
        let fail = w.fail_on_max_reached;
        let holds = w.condition == json!(true);
        let tr = &mut self.view.task_runs[pos];
        let n = crate::engine::view::internal(tr, "loop")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        if holds || n >= max {
            let end = if !holds && fail { State::Failed } else { state };
            return self.set(id, end);
        }
        set_internal(tr, "loop", json!(n + 1));
    }

    fn start(&mut self, id: &str) {
        *self.starts.entry(id.to_string()).or_default() += 1;
        let Some(pos) = self.view.task_runs.iter().position(|t| t.id == id) else {
            return;
        };
        let task = self
            .flow
            .find_task(&self.view.task_runs[pos].task_id)
            .expect("task")
            .clone();
        let now = self.now;
        let tr = &mut self.view.task_runs[pos];
        if task.category() == Category::Flowable {
            match &task.kind {
                TaskKind::If(s) => {
                    let yes = s.condition == json!(true) || s.condition == json!("true");
                    set_internal(tr, "branch", json!(if yes { "then" } else { "else" }));
                }
                TaskKind::Switch(s) => set_internal(tr, "case", s.value.clone()),
                TaskKind::ForEach(s) => set_internal(tr, "values", literal_values(&s.values)),
                TaskKind::EachSequential(s) => set_internal(tr, "values", literal_values(&s.value)),
                TaskKind::EachParallel(s) => set_internal(tr, "values", literal_values(&s.value)),
                TaskKind::WaitFor(_) => set_internal(tr, "loop", json!(1)),
                TaskKind::Pause(_) => {
                    let id = tr.id.clone();
                    self.set(&id, State::Paused);
                    return;
                }
                _ => {}
            }
            let id = tr.id.clone();
            self.set(&id, State::Running);
            return;
        }
        tr.attempts.push(Attempt {
            state: State::Running,
            started: now,
            ended: None,
            message: None,
            worker_id: None,
        });
        let id = tr.id.clone();
        self.set(&id, State::Running);
        match &task.kind {
            TaskKind::Fail(_) => self.set(&id, State::Failed),
            TaskKind::Sleep(s) => {
                let secs = s
                    .duration
                    .literal()
                    .map_or(1, |d| d.as_std().as_secs().max(1));
                let until = now + chrono::Duration::seconds(secs as i64);
                if let Some(tr) = self.view.task_runs.iter_mut().find(|t| t.id == id) {
                    set_internal(tr, "until", json!(until.to_rfc3339()));
                }
            }
            _ => self.set(&id, State::Success),
        }
    }
}

fn literal_values(v: &Value) -> Value {
    let items = match v {
        Value::Array(items) => items.clone(),
        Value::String(s) => serde_json::from_str::<Vec<Value>>(s).unwrap_or_default(),
        _ => Vec::new(),
    };
    Value::Array(
        items
            .into_iter()
            .map(|i| match i {
                Value::String(s) => Value::String(s),
                o => Value::String(o.to_string()),
            })
            .collect(),
    )
}

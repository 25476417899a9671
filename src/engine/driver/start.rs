//! Creating task runs (with `runIf`) and starting them: a runnable gets a new attempt (run
//! inline after the step is persisted, or left for a worker); a flowable records its decision
//! (branch, values, pause, subflow request) so the pure core can read it.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::drive::{Drive, Effect};
use crate::engine::action::NewTaskRun;
use crate::engine::context::ExecutionScope;
use crate::engine::view::set_internal;
use crate::spec::kinds::core::PauseBehavior;
use crate::spec::{Category, Duration, Task, TaskKind, Templated};
use crate::store::model::{Attempt, Dispatch, Level, State, TaskRun, WorkerPayload};
use crate::tasks::truthy_value;
use crate::template::RenderContext;

/// A failed render, already phrased with the task, property and expression.
type Failure = String;

impl Drive {
    pub(super) fn create(&mut self, new: NewTaskRun, now: DateTime<Utc>) {
        let dispatch = self.dispatch_of(&new.task_id);
        let mut tr = TaskRun::new(&self.view.execution.id, &new.task_id, dispatch, now);
        tr.parent_task_run_id = new.parent_task_run_id;
        tr.value = new.value;
        tr.iteration = new.iteration;
        let task = self.tasks.get(&new.task_id).cloned();
        tr.worker_group = task
            .as_ref()
            .and_then(|t| t.common.worker_group.as_ref())
            .map(|g| g.key.clone());
        if dispatch == Dispatch::Worker
            && let Some(task) = &task
        {
            // A worker, possibly in another process, runs it from this alone.
            let scope = ExecutionScope {
                view: &self.view,
                flow: &self.flow,
                namespace_vars: &self.namespace_vars,
                envs: &self.inner.envs,
                with_outputs: self.reads_outputs(&task.id),
            };
            let payload = WorkerPayload {
                task: task.to_map(),
                vars: scope.task_vars(&tr, task),
                namespace: self.view.execution.namespace.clone(),
                flow_id: self.view.execution.flow_id.clone(),
            };
            tr.payload = Some(payload.to_value());
        }
        let id = tr.id.clone();
        let run_if = task
            .as_ref()
            .and_then(|t| t.common.run_if.clone().map(|r| (t.clone(), r)));
        self.positions.insert(id.clone(), self.view.task_runs.len());
        self.view.task_runs.push(tr);
        self.dirty.insert(id.clone());
        if let Some((task, expr)) = run_if {
            match self.render_typed(&id, &task, "runIf", &Value::String(expr)) {
                Ok(v) if truthy_value(&v) => {}
                Ok(_) => self.finish_task_run(&id, State::Skipped, None, now),
                Err(message) => self.fail_start(&id, message, now),
            }
        }
    }

    fn fail_start(&mut self, id: &str, message: Failure, now: DateTime<Utc>) {
        self.log(id, Level::Error, message.clone(), now);
        self.finish_task_run(id, State::Failed, Some(message), now);
    }

    /// Renders a property of a task run's task, keeping a single expression's JSON type.
    pub(super) fn render_typed(
        &self,
        id: &str,
        task: &Task,
        property: &str,
        value: &Value,
    ) -> Result<Value, Failure> {
        let Some(&i) = self.positions.get(id) else {
            return Err(format!("task run `{id}` vanished"));
        };
        let scope = ExecutionScope {
            view: &self.view,
            flow: &self.flow,
            namespace_vars: &self.namespace_vars,
            envs: &self.inner.envs,
            with_outputs: self.reads_outputs(&task.id),
        };
        let ctx = RenderContext::new(
            scope.task_vars(&self.view.task_runs[i], task),
            self.inner.services.clone(),
        );
        let r = &self.inner.renderer;
        let rendered = match value {
            Value::String(s) => r.render_typed(s, &ctx),
            other => r.render_value(other, &ctx),
        };
        rendered.map_err(|e| {
            format!(
                "task `{}`: cannot render property `{property}`: {e}",
                task.id
            )
        })
    }

    fn render_duration(
        &self,
        id: &str,
        task: &Task,
        property: &str,
        d: &Templated<Duration>,
    ) -> Result<std::time::Duration, Failure> {
        match d {
            Templated::Lit(d) => Ok(d.as_std()),
            Templated::Expr(e) => {
                let v = self.render_typed(id, task, property, &Value::String(e.clone()))?;
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                Duration::parse(text.trim())
                    .map(|d| d.as_std())
                    .map_err(|e| {
                        format!("task `{}`: property `{property}`: `{text}`: {e}", task.id)
                    })
            }
        }
    }

    pub(super) fn start(&mut self, id: &str, now: DateTime<Utc>) {
        let Some(&i) = self.positions.get(id) else {
            return;
        };
        let Some(task) = self.tasks.get(&self.view.task_runs[i].task_id).cloned() else {
            self.fail_start(
                id,
                format!(
                    "task `{}` is not in the flow",
                    self.view.task_runs[i].task_id
                ),
                now,
            );
            return;
        };
        if task.category() == Category::Flowable {
            match self.decide(id, &task, now) {
                Ok(state) => self.finish_task_run(id, state, None, now),
                Err(message) => self.fail_start(id, message, now),
            }
            return;
        }
        if self.view.task_runs[i].dispatch == Dispatch::Worker {
            // A retry of a worker task: back in the queue, the worker adds the attempt.
            self.finish_task_run(id, State::Created, None, now);
            return;
        }
        let deadline = match &task.common.timeout {
            Some(t) => match self.render_duration(id, &task, "timeout", t) {
                Ok(d) => Some(d),
                Err(message) => return self.fail_start(id, message, now),
            },
            None => None,
        };
        let tr = &mut self.view.task_runs[i];
        tr.attempts.push(Attempt {
            state: State::Running,
            started: now,
            ended: None,
            message: None,
            worker_id: None,
        });
        if let Some(o) = tr.outputs.as_object_mut() {
            // A new attempt starts from clean bookkeeping (a previous Sleep end, for instance).
            o.remove(crate::engine::view::INTERNAL);
        }
        if let Some(d) = deadline {
            let at = now + chrono::Duration::from_std(d).unwrap_or_default();
            set_internal(tr, "deadline", json!(at.to_rfc3339()));
            set_internal(tr, "timeout", json!(Duration::from_std(d).to_string()));
        }
        self.finish_task_run(id, State::Running, None, now);
        if crate::tasks::is_pure(&task.kind) {
            self.pure.push(id.to_string());
        } else {
            self.effects.push(Effect::RunInline(id.to_string()));
        }
    }

    /// Records a flowable's decision; returns the state it starts in.
    fn decide(&mut self, id: &str, task: &Task, now: DateTime<Utc>) -> Result<State, Failure> {
        let decision: Vec<(&str, Value)> = match &task.kind {
            TaskKind::If(s) => {
                let v = self.render_typed(id, task, "condition", &s.condition)?;
                vec![(
                    "branch",
                    json!(if truthy_value(&v) { "then" } else { "else" }),
                )]
            }
            TaskKind::Switch(s) => {
                let v = self.render_typed(id, task, "value", &s.value)?;
                let key = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                let case = if s.cases.contains_key(&key) {
                    Value::String(key.clone())
                } else {
                    Value::Null
                };
                if let Some(&i) = self.positions.get(id)
                    && let Some(o) = self.view.task_runs[i].outputs.as_object_mut()
                {
                    o.insert("defaults".into(), Value::Bool(case.is_null()));
                    o.insert("value".into(), Value::String(key));
                }
                vec![("case", case)]
            }
            TaskKind::ForEach(s) => vec![("values", self.values(id, task, "values", &s.values)?)],
            TaskKind::EachSequential(s) => {
                vec![("values", self.values(id, task, "value", &s.value)?)]
            }
            TaskKind::EachParallel(s) => {
                vec![("values", self.values(id, task, "value", &s.value)?)]
            }
            TaskKind::Pause(p) => return self.pause(id, task, p, now),
            TaskKind::Subflow(s) => {
                let request = json!({
                    "namespace": self.render_typed(id, task, "namespace", &Value::String(s.namespace.clone()))?,
                    "flowId": self.render_typed(id, task, "flowId", &Value::String(s.flow_id.clone()))?,
                    "revision": s.revision,
                    "inputs": self.render_typed(id, task, "inputs", &Value::Object(s.inputs.clone()))?,
                    "labels": self.subflow_labels(id, task, s)?,
                    "wait": s.wait,
                });
                self.effects.push(Effect::CreateSubflow(id.to_string()));
                if let Some(&i) = self.positions.get(id) {
                    self.view.task_runs[i].attempts.push(Attempt {
                        state: State::Running,
                        started: now,
                        ended: None,
                        message: None,
                        worker_id: None,
                    });
                }
                vec![
                    ("executionId", json!(uuid::Uuid::now_v7().to_string())),
                    ("request", request),
                ]
            }
            TaskKind::WorkingDirectory(_) => {
                self.working_directory_starts(id, task)?;
                Vec::new()
            }
            TaskKind::WaitFor(_) => {
                // Kestra counts iterations from 1; children see it as `outputs.<id>.iterationCount`.
                if let Some(&i) = self.positions.get(id)
                    && let Some(o) = self.view.task_runs[i].outputs.as_object_mut()
                {
                    o.insert("iterationCount".into(), json!(1));
                }
                vec![("loop", json!(1))]
            }
            _ => Vec::new(),
        };
        let Some(&i) = self.positions.get(id) else {
            return Err(format!("task run `{id}` vanished"));
        };
        let tr = &mut self.view.task_runs[i];
        for (k, v) in decision {
            set_internal(tr, k, v);
        }
        Ok(State::Running)
    }

    fn subflow_labels(
        &self,
        id: &str,
        task: &Task,
        s: &crate::spec::kinds::flowable::Subflow,
    ) -> Result<Value, Failure> {
        let mut labels: Vec<Value> = Vec::new();
        if s.inherit_labels {
            labels.extend(
                self.view
                    .execution
                    .labels
                    .iter()
                    .map(|l| json!({"key": l.key, "value": l.value})),
            );
        }
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match self.render_typed(id, task, "labels", &s.labels)? {
            Value::Object(m) => {
                labels.extend(m.iter().map(|(k, v)| json!({"key": k, "value": text(v)})))
            }
            Value::Array(items) => labels.extend(items),
            _ => {}
        }
        Ok(Value::Array(labels))
    }

    /// A ForEach's values: a list, a JSON list in a string, or an expression rendering to one.
    fn values(&self, id: &str, task: &Task, property: &str, raw: &Value) -> Result<Value, Failure> {
        let rendered = self.render_typed(id, task, property, raw)?;
        let items = match rendered {
            Value::Array(items) => items,
            Value::String(s) => match serde_json::from_str::<Value>(&s) {
                Ok(Value::Array(items)) => items,
                _ => {
                    return Err(format!(
                        "task `{}`: property `{property}` must be a list, got `{s}`",
                        task.id
                    ));
                }
            },
            other => {
                return Err(format!(
                    "task `{}`: property `{property}` must be a list, got `{other}`",
                    task.id
                ));
            }
        };
        let nulls = items.iter().filter(|v| v.is_null()).count();
        if nulls > 0 {
            let shown: Vec<String> = items.iter().map(|v| v.to_string()).collect();
            return Err(format!(
                "Found '{nulls}' null values on Each, with values=[{}]",
                shown.join(", ")
            ));
        }
        Ok(Value::Array(
            items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Value::String(s),
                    other => Value::String(other.to_string()),
                })
                .collect(),
        ))
    }

    fn pause(
        &mut self,
        id: &str,
        task: &Task,
        p: &crate::spec::kinds::core::Pause,
        now: DateTime<Utc>,
    ) -> Result<State, Failure> {
        let Some(&i) = self.positions.get(id) else {
            return Err(format!("task run `{id}` vanished"));
        };
        let duration = match &p.pause_duration {
            Some(d) => Some(self.render_duration(id, task, "pauseDuration", d)?),
            None => None,
        };
        // A `timeout` without a duration: no resume in time fails the pause.
        let timeout = match (&duration, &task.common.timeout) {
            (None, Some(t)) => Some(self.render_duration(id, task, "timeout", t)?),
            _ => None,
        };
        let tr = &mut self.view.task_runs[i];
        if let Some(o) = tr.outputs.as_object_mut() {
            o.entry("onResume").or_insert_with(|| json!({}));
        }
        if let Some(d) = duration {
            let until = now + chrono::Duration::from_std(d).unwrap_or_default();
            set_internal(tr, "until", json!(until.to_rfc3339()));
            let on_timeout = match p.behavior.unwrap_or(PauseBehavior::Resume) {
                PauseBehavior::Resume => State::Success,
                PauseBehavior::Warn => State::Warning,
                PauseBehavior::Cancel => State::Cancelled,
                PauseBehavior::Fail => State::Failed,
            };
            set_internal(tr, "onTimeout", json!(on_timeout.as_str()));
        }
        if let Some(t) = timeout {
            let until = now + chrono::Duration::from_std(t).unwrap_or_default();
            set_internal(tr, "until", json!(until.to_rfc3339()));
            set_internal(tr, "onTimeout", json!(State::Failed.as_str()));
        }
        Ok(State::Paused)
    }
}

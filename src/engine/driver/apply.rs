//! Applying the core's actions to the in-memory execution, and the work done after a step is
//! persisted (inline task attempts, subflow children).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::drive::{Drive, Effect};
use crate::engine::action::Action;
use crate::engine::context::ExecutionScope;
use crate::engine::error::EngineError;
use crate::engine::inputs::{Inputs, resolve_inputs};
use crate::engine::view::{internal, set_internal};
use crate::spec::flow::{SlaBehavior, SlaKind};
use crate::spec::{Category, TaskKind};
use crate::store::model::{Dispatch, Execution, Label, Level, State, StateChange};
use crate::template::RenderContext;

impl Drive {
    /// Applies one action; false if it changed nothing.
    pub(super) fn apply(&mut self, action: Action, now: DateTime<Utc>) -> bool {
        match action {
            Action::Create(new) => self.create(new, now),
            Action::Start { task_run_id } => self.start(&task_run_id, now),
            Action::Complete {
                task_run_id,
                mut state,
                mut error,
            } => {
                if let Some(e) = self.working_directory_ends(&task_run_id) {
                    state = State::Failed;
                    error = Some(e);
                }
                if let Some(e) = &error {
                    self.log(&task_run_id, Level::Error, e.clone(), now);
                }
                self.finish_task_run(&task_run_id, state, error, now);
            }
            Action::Retry { task_run_id, .. } => {
                self.finish_task_run(&task_run_id, State::Retrying, None, now)
            }
            Action::Kill { task_run_id } => self.kill_task_run(&task_run_id, now),
            Action::CheckLoop { task_run_id, state } => self.check_loop(&task_run_id, state, now),
            Action::WaitUntil(at) => {
                self.wake_at = Some(self.wake_at.map_or(at, |w| w.min(at)));
                return false;
            }
            Action::SetExecutionState(state) => self.set_execution_state(state, now),
            Action::End { state, error } => self.end(state, error, now),
        }
        true
    }

    fn kill_task_run(&mut self, id: &str, now: DateTime<Utc>) {
        let Some(&i) = self.positions.get(id) else {
            return;
        };
        let tr = &self.view.task_runs[i];
        if let Some(child) = internal(tr, "executionId").and_then(|v| v.as_str()) {
            self.effects.push(Effect::KillChild(child.to_string()));
        }
        let state = if tr.dispatch == Dispatch::Worker && tr.state == State::Running {
            State::Killing
        } else {
            State::Killed
        };
        self.finish_task_run(id, state, None, now);
    }

    /// The final step: flow outputs and SLA assertions are rendered, then the state is set.
    fn end(&mut self, mut state: State, mut error: Option<String>, now: DateTime<Utc>) {
        let mut outputs = Map::new();
        if state.is_successful()
            && (!self.flow.outputs.is_empty()
                || self
                    .flow
                    .sla
                    .iter()
                    .any(|s| s.kind == SlaKind::ExecutionAssertion))
        {
            let scope = ExecutionScope {
                view: &self.view,
                flow: &self.flow,
                namespace_vars: &self.namespace_vars,
                envs: &self.inner.envs,
                with_outputs: true,
            };
            let vars = Value::Object(scope.execution_vars(Some(state)));
            let ctx = RenderContext::new(vars, self.inner.services.clone());
            for out in &self.flow.outputs {
                let rendered = match &out.value {
                    Value::String(s) => self.inner.renderer.render_typed(s, &ctx),
                    other => self.inner.renderer.render_value(other, &ctx),
                };
                match rendered {
                    Ok(v) => {
                        outputs.insert(out.id.clone(), v);
                    }
                    Err(e) => {
                        state = State::Failed;
                        error = Some(format!("flow output `{}`: {e}", out.id));
                        break;
                    }
                }
            }
            let mut violated_labels = Vec::new();
            for sla in self
                .flow
                .sla
                .iter()
                .filter(|s| s.kind == SlaKind::ExecutionAssertion)
            {
                let Some(assert) = &sla.assert else { continue };
                let holds = self
                    .inner
                    .renderer
                    .render_typed(assert, &ctx)
                    .map(|v| crate::tasks::truthy_value(&v));
                if matches!(holds, Ok(true)) {
                    continue;
                }
                if let Some(Value::Object(labels)) = &sla.labels {
                    violated_labels.extend(labels.iter().map(|(k, v)| {
                        (k.clone(), v.as_str().map_or(v.to_string(), str::to_string))
                    }));
                }
                if sla.behavior != SlaBehavior::None {
                    state = if sla.behavior == SlaBehavior::Cancel {
                        State::Cancelled
                    } else {
                        State::Failed
                    };
                    error = Some(format!(
                        "SLA `{}` violated: `{assert}` does not hold",
                        sla.id
                    ));
                }
            }
            for (k, v) in violated_labels {
                set_label(&mut self.view.execution.labels, &k, &v);
            }
        }
        let e = &mut self.view.execution;
        e.outputs = Value::Object(outputs);
        if state == State::Retried {
            // Stored with the RETRIED state, so a crash before the retry exists is recoverable.
            super::retries::record_retry_id(e);
        }
        e.state = state;
        e.history.push(StateChange { state, date: now });
        e.ended = Some(now);
        if e.started.is_none() {
            e.started = Some(now);
        }
        if error.is_some() {
            e.error = error;
        }
        self.execution_dirty = true;
        self.release_slot = true;
        if state == State::Retried {
            self.effects.push(Effect::RetryAsNew);
        }
    }

    /// Resumes the paused task runs with their `onResume` inputs.
    pub(super) fn resume(
        &mut self,
        inputs: Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let paused: Vec<String> = self
            .view
            .task_runs
            .iter()
            .filter(|t| t.state == State::Paused)
            .map(|t| t.id.clone())
            .collect();
        if paused.is_empty() {
            let e = &self.view.execution;
            return Err(EngineError::WrongState {
                id: e.id.clone(),
                state: e.state.to_string(),
                action: "resume",
            });
        }
        for id in paused {
            let Some(&i) = self.positions.get(&id) else {
                continue;
            };
            let task = self.tasks.get(&self.view.task_runs[i].task_id).cloned();
            let (declared, has_tasks) = match task.as_ref().map(|t| &t.kind) {
                Some(TaskKind::Pause(p)) => (p.on_resume.clone(), !p.tasks.is_empty()),
                _ => (Vec::new(), false),
            };
            let values = resolve_inputs(&declared, &inputs)?;
            let tr = &mut self.view.task_runs[i];
            if let Some(o) = tr.outputs.as_object_mut() {
                o.insert("onResume".into(), Value::Object(values));
            }
            let state = if has_tasks {
                State::Running
            } else {
                State::Success
            };
            self.finish_task_run(&id, state, None, now);
        }
        Ok(())
    }

    /// A subflow's child execution ended: its Subflow task run ends accordingly, with the
    /// child's outputs (and the deprecated `outputs` property rendered in the child's context).
    pub(super) async fn subflow_ended(&mut self, tr_id: &str, child: &Execution) {
        let Some(&i) = self.positions.get(tr_id) else {
            return;
        };
        let (transmit, legacy) = match self
            .tasks
            .get(&self.view.task_runs[i].task_id)
            .map(|t| &t.kind)
        {
            Some(TaskKind::Subflow(s)) => (s.transmit_failed, s.outputs.clone()),
            _ => (true, Map::new()),
        };
        let mut legacy_outputs = Map::new();
        let mut legacy_error = None;
        if !legacy.is_empty()
            && let Ok(runs) = self.inner.store.task_runs(&child.id).await
            && let Ok(resolved) = self
                .inner
                .flows
                .resolve(&child.namespace, &child.flow_id, Some(child.flow_revision))
                .await
        {
            let view = crate::engine::view::ExecutionView {
                execution: child.clone(),
                task_runs: runs,
            };
            let scope = ExecutionScope {
                view: &view,
                flow: &resolved.flow,
                namespace_vars: &self.namespace_vars,
                envs: &self.inner.envs,
                with_outputs: true,
            };
            let ctx = RenderContext::new(
                Value::Object(scope.execution_vars(None)),
                self.inner.services.clone(),
            );
            for (k, v) in &legacy {
                let rendered = match v {
                    Value::String(s) => self.inner.renderer.render_typed(s, &ctx),
                    other => self.inner.renderer.render_value(other, &ctx),
                };
                match rendered {
                    Ok(v) => {
                        legacy_outputs.insert(k.clone(), v);
                    }
                    Err(e) => {
                        legacy_error = Some(format!(
                            "task `{}`: cannot render property `outputs.{k}`: {e}",
                            self.view.task_runs[i].task_id
                        ))
                    }
                }
            }
        }
        let state = match child.state {
            State::Success => State::Success,
            State::Warning => State::Warning,
            State::Killed if transmit => State::Killed,
            _ if transmit => State::Failed,
            _ => State::Success,
        };
        let tr = &mut self.view.task_runs[i];
        if let Some(o) = tr.outputs.as_object_mut() {
            o.insert("executionId".into(), Value::String(child.id.clone()));
            o.insert("state".into(), Value::String(child.state.to_string()));
            let mut outputs = child.outputs.as_object().cloned().unwrap_or_default();
            outputs.extend(legacy_outputs);
            o.insert("outputs".into(), Value::Object(outputs));
        }
        let mut error = (state == State::Failed)
            .then(|| format!("subflow execution `{}` ended {}", child.id, child.state));
        let state = if legacy_error.is_some() {
            error = legacy_error;
            State::Failed
        } else {
            state
        };
        self.finish_task_run(tr_id, state, error, Utc::now());
    }

    /// Runs the effects decided by the persisted step.
    pub(super) async fn run_effects(&mut self) {
        let effects = std::mem::take(&mut self.effects);
        for effect in effects {
            match effect {
                Effect::RunInline(id) => self.run_inline(&id).await,
                Effect::CreateSubflow(id) => self.create_subflow(&id).await,
                Effect::RetryAsNew => {
                    let old = &self.view.execution;
                    if let Err(e) = super::commands::retry_as_new(&self.inner, old).await {
                        tracing::error!(execution_id = %old.id, "cannot create the retry execution: {e}");
                    }
                }
                Effect::KillChild(child) => {
                    let engine = super::Engine {
                        inner: self.inner.clone(),
                    };
                    let _ = engine.kill(&child).await;
                }
            }
        }
    }

    pub(super) async fn run_inline(&mut self, id: &str) {
        let now = Utc::now();
        let Some(&i) = self.positions.get(id) else {
            return;
        };
        let Some(task) = self.tasks.get(&self.view.task_runs[i].task_id).cloned() else {
            return;
        };
        if let Some(outcome) = self.engine_task(id, &task).await {
            return self.conclude(id, &task, outcome, &Default::default(), Utc::now());
        }
        let tr = &self.view.task_runs[i];
        let scope = ExecutionScope {
            view: &self.view,
            flow: &self.flow,
            namespace_vars: &self.namespace_vars,
            envs: &self.inner.envs,
            with_outputs: self.reads_outputs(&task.id),
        };
        let ctx = RenderContext::new(scope.task_vars(tr, &task), self.inner.services.clone());
        let e = &self.view.execution;
        let task_ctx = crate::tasks::TaskContext {
            task: &task,
            renderer: &self.inner.renderer,
            render: &ctx,
            services: self.inner.services.as_ref(),
            namespace: &e.namespace,
            flow_id: &e.flow_id,
            execution_id: &e.id,
            task_run_id: &tr.id,
            value: tr.value.as_deref(),
            data_dir: &self.inner.config.data_dir,
        };
        let result = crate::tasks::execute(&task_ctx).await;
        let secrets = ctx.secrets_used();
        let outcome = match result {
            Ok(o) => o,
            Err(err) => crate::tasks::TaskOutcome::failed(err.to_string()),
        };
        self.conclude(id, &task, outcome, &secrets, now);
    }

    /// Records an attempt's outcome: logs (secrets masked), labels, outputs, timer or state.
    fn conclude(
        &mut self,
        id: &str,
        task: &crate::spec::Task,
        outcome: crate::tasks::TaskOutcome,
        secrets: &std::collections::BTreeSet<String>,
        now: DateTime<Utc>,
    ) {
        let Some(&i) = self.positions.get(id) else {
            return;
        };
        for line in &outcome.logs {
            let level = line.level.parse().unwrap_or(Level::Info);
            self.log(
                id,
                level,
                crate::template::mask(&line.message, secrets),
                now,
            );
        }
        for (key, value) in &outcome.labels {
            set_label(&mut self.view.execution.labels, key, value);
            self.execution_dirty = true;
        }
        let tr = &mut self.view.task_runs[i];
        if let Some(o) = tr.outputs.as_object_mut() {
            o.extend(outcome.outputs.clone());
        }
        if let Some(d) = outcome.sleep {
            let started = tr.attempts.last().map_or(now, |a| a.started);
            let until = started + chrono::Duration::from_std(d).unwrap_or_default();
            set_internal(tr, "until", json!(until.to_rfc3339()));
            self.dirty.insert(id.to_string());
            return;
        }
        let mut state = match outcome.verdict {
            crate::tasks::Verdict::Success => State::Success,
            crate::tasks::Verdict::Warning => State::Warning,
            crate::tasks::Verdict::Failed => State::Failed,
        };
        if let Some(exit) = outcome.exit {
            set_internal(tr, "exit", json!(exit));
            state = match exit {
                "FAILED" => State::Failed,
                "WARNING" => State::Warning,
                "KILLED" => State::Killed,
                _ => State::Success,
            };
        }
        let retried = tr.attempts.len() > 1;
        let warn_on_retry =
            crate::engine::core::retry_policy(task, &self.flow).is_some_and(|r| r.warning_on_retry);
        if state == State::Success && retried && warn_on_retry {
            state = State::Warning;
        }
        self.finish_task_run(id, state, outcome.error, now);
    }

    async fn create_subflow(&mut self, id: &str) {
        let Some(&i) = self.positions.get(id) else {
            return;
        };
        let tr = self.view.task_runs[i].clone();
        let Some(child_id) = internal(&tr, "executionId")
            .and_then(|v| v.as_str())
            .map(str::to_string)
        else {
            return;
        };
        if matches!(self.inner.store.execution(&child_id).await, Ok(Some(_))) {
            return;
        }
        let request = internal(&tr, "request").cloned().unwrap_or(Value::Null);
        let text = |k: &str| {
            request
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let inputs = request
            .get("inputs")
            .and_then(|v| v.as_object())
            .cloned()
            .unwrap_or_default();
        let labels: Vec<Label> = request
            .get("labels")
            .and_then(|v| v.as_array())
            .map(|l| {
                l.iter()
                    .filter_map(|x| {
                        Some(Label::new(
                            x.get("key")?.as_str()?,
                            x.get("value")?.as_str()?,
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut labels = labels;
        if let Some(c) = self
            .view
            .execution
            .labels
            .iter()
            .find(|l| l.key == super::CORRELATION_ID)
            && !labels.iter().any(|l| l.key == super::CORRELATION_ID)
        {
            labels.push(c.clone());
        }
        let revision = request.get("revision").and_then(|v| v.as_i64());
        let e = &self.view.execution;
        let parent = crate::store::model::ParentRef {
            execution_id: e.id.clone(),
            task_run_id: tr.id.clone(),
            namespace: e.namespace.clone(),
            flow_id: e.flow_id.clone(),
        };
        let started = self
            .inner
            .start(
                &text("namespace"),
                &text("flowId"),
                revision,
                Inputs::Checked(inputs),
                labels,
                None,
                Some((child_id.clone(), parent)),
            )
            .await;
        let now = Utc::now();
        match started {
            Err(err) => {
                let message = format!("subflow `{}.{}`: {err}", text("namespace"), text("flowId"));
                self.log(id, Level::Error, message.clone(), now);
                self.finish_task_run(id, State::Failed, Some(message), now);
            }
            Ok(child)
                if !request
                    .get("wait")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(true) =>
            {
                let tr = &mut self.view.task_runs[i];
                if let Some(o) = tr.outputs.as_object_mut() {
                    o.insert("executionId".into(), Value::String(child.id.clone()));
                }
                if let Some(o) = tr
                    .outputs
                    .get_mut(crate::engine::view::INTERNAL)
                    .and_then(|v| v.as_object_mut())
                {
                    o.remove("executionId");
                }
                self.finish_task_run(id, State::Success, None, now);
            }
            Ok(child) if child.state.is_terminal() => self.subflow_ended(id, &child).await,
            Ok(_) => {}
        }
    }

    /// True for task types with no task run of their own kind (used by creation).
    pub(super) fn dispatch_of(&self, task_id: &str) -> Dispatch {
        match self.tasks.get(task_id) {
            Some(t) if t.category() == Category::Flowable || crate::tasks::is_inline(&t.kind) => {
                Dispatch::Inline
            }
            _ => Dispatch::Worker,
        }
    }
}

/// Adds a label or overrides its value.
pub(super) fn set_label(labels: &mut Vec<Label>, key: &str, value: &str) {
    match labels.iter_mut().find(|l| l.key == key) {
        Some(l) => l.value = value.to_string(),
        None => labels.push(Label::new(key, value)),
    }
}

//! Tasks that act on the engine itself rather than on the outside world: `execution.Resume`
//! (resume a PAUSED execution: this one, or another by `executionId`, or the paused execution
//! of `namespace` + `flowId`) and `trigger.Toggle` (enable or disable a trigger; the state is
//! kept in the store under `trigger::toggle_key` and honoured by the scheduler, webhooks and flow
//! triggers).

use chrono::Utc;
use serde_json::{Map, Value, json};

use super::drive::Drive;
use crate::spec::kinds::core::{Resume, Toggle};
use crate::spec::{Task, TaskKind, Templated};
use crate::store::model::State;
use crate::store::{ExecutionFilter, Page};
use crate::tasks::TaskOutcome;
use crate::trigger::toggle_key;

type Failure = String;

impl Drive {
    /// Runs `task` if it is an engine task; `None` for every other task.
    pub(super) async fn engine_task(&mut self, id: &str, task: &Task) -> Option<TaskOutcome> {
        let result = match &task.kind {
            TaskKind::Resume(r) => self.resume_task(id, task, r).await,
            TaskKind::Toggle(t) => self.toggle_task(id, task, t).await,
            TaskKind::LocalFiles(l) => {
                return Some(
                    self.local_files(id, task, l)
                        .await
                        .unwrap_or_else(TaskOutcome::failed),
                );
            }
            _ => return None,
        };
        Some(match result {
            Ok(message) => {
                let mut out = TaskOutcome::success();
                out.logs.push(crate::tasks::LogLine {
                    level: "INFO".into(),
                    message,
                    task_id: None,
                    timestamp: None,
                });
                out
            }
            Err(message) => TaskOutcome::failed(message),
        })
    }

    fn render_text(
        &self,
        id: &str,
        task: &Task,
        property: &str,
        raw: &Option<String>,
    ) -> Result<Option<String>, Failure> {
        let Some(raw) = raw else { return Ok(None) };
        Ok(Some(
            match self.render_typed(id, task, property, &Value::String(raw.clone()))? {
                Value::String(s) => s,
                other => other.to_string(),
            },
        ))
    }

    async fn resume_task(&mut self, id: &str, task: &Task, r: &Resume) -> Result<String, Failure> {
        let namespace = self.render_text(id, task, "namespace", &r.namespace)?;
        let flow_id = self.render_text(id, task, "flowId", &r.flow_id)?;
        let execution_id = self.render_text(id, task, "executionId", &r.execution_id)?;
        let inputs =
            match self.render_typed(id, task, "inputs", &Value::Object(r.inputs.clone()))? {
                Value::Object(m) => m,
                _ => Map::new(),
            };
        let store = &self.inner.store;
        let store_error = |e: crate::store::StoreError| format!("task `{}`: {e}", task.id);
        let target = match (execution_id, &namespace, &flow_id) {
            (Some(eid), _, _) => store
                .execution(&eid)
                .await
                .map_err(store_error)?
                .ok_or_else(|| format!("task `{}`: no execution `{eid}`", task.id))?,
            (None, Some(ns), Some(f)) => {
                let filter = ExecutionFilter {
                    namespace: Some(ns.clone()),
                    flow_id: Some(f.clone()),
                    states: vec![State::Paused],
                    ..Default::default()
                };
                store
                    .search_executions(&filter, Page::first(10))
                    .await
                    .map_err(store_error)?
                    .into_iter()
                    .find(|e| &e.namespace == ns)
                    .ok_or_else(|| {
                        format!("task `{}`: no paused execution of flow `{ns}.{f}`", task.id)
                    })?
            }
            _ => self.view.execution.clone(),
        };
        // Like Kestra: `namespace` / `flowId`, when set, must match the execution.
        if namespace.as_ref().is_some_and(|n| n != &target.namespace)
            || flow_id.as_ref().is_some_and(|f| f != &target.flow_id)
        {
            return Err(format!(
                "task `{}`: execution `{}` belongs to flow `{}.{}`",
                task.id, target.id, target.namespace, target.flow_id
            ));
        }
        let done = format!("resumed execution `{}`", target.id);
        if target.id == self.view.execution.id {
            return self
                .resume(inputs, Utc::now())
                .map(|_| done)
                .map_err(|e| format!("task `{}`: {e}", task.id));
        }
        if target.state != State::Paused {
            return Err(format!(
                "task `{}`: execution `{}` is {}, not PAUSED",
                task.id, target.id, target.state
            ));
        }
        let engine = super::Engine {
            inner: self.inner.clone(),
        };
        engine
            .resume(&target.id, inputs)
            .await
            .map(|_| done)
            .map_err(|e| format!("task `{}`: {e}", task.id))
    }

    async fn toggle_task(&mut self, id: &str, task: &Task, t: &Toggle) -> Result<String, Failure> {
        let e = &self.view.execution;
        let namespace = self
            .render_text(id, task, "namespace", &t.namespace)?
            .unwrap_or_else(|| e.namespace.clone());
        let flow_id = self
            .render_text(id, task, "flowId", &t.flow_id)?
            .unwrap_or_else(|| e.flow_id.clone());
        let trigger = self
            .render_text(id, task, "trigger", &Some(t.trigger.clone()))?
            .unwrap_or_default();
        let enabled = match &t.enabled {
            None => false,
            Some(Templated::Lit(b)) => *b,
            Some(Templated::Expr(x)) => crate::tasks::truthy_value(&self.render_typed(
                id,
                task,
                "enabled",
                &Value::String(x.clone()),
            )?),
        };
        let flow = self
            .inner
            .flows
            .resolve(&namespace, &flow_id, None)
            .await
            .map_err(|err| {
                format!(
                    "task `{}`: unable to find flow `{namespace}.{flow_id}`: {err}",
                    task.id
                )
            })?
            .flow;
        if !flow.triggers.iter().any(|x| x.id == trigger) {
            return Err(format!(
                "task `{}`: unable to find trigger `{trigger}` for the flow `{namespace}.{flow_id}`",
                task.id
            ));
        }
        self.inner
            .store
            .trigger_state_set(
                &toggle_key(&namespace, &flow_id, &trigger),
                &json!({"enabled": enabled, "date": Utc::now().to_rfc3339()}),
            )
            .await
            .map_err(|err| format!("task `{}`: {err}", task.id))?;
        let verb = if enabled { "enabled" } else { "disabled" };
        Ok(format!(
            "trigger `{trigger}` of flow `{namespace}.{flow_id}` {verb}"
        ))
    }
}

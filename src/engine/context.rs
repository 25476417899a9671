//! The template variables of a render: `flow`, `execution`, `task`, `taskrun`, `parent(s)`,
//! `inputs`, `vars`, `outputs` (nested by ForEach value as Kestra does), `trigger`, `labels`,
//! `envs`, `namespace`. Flow variables are passed raw: `render(vars.x)` renders one on demand.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::engine::view::{ExecutionView, public_outputs};
use crate::spec::{Flow, Task, TaskKind};
use crate::store::model::{State, TaskRun};

/// What every render of one execution shares.
pub struct ExecutionScope<'a> {
    pub view: &'a ExecutionView,
    pub flow: &'a Flow,
    /// Namespace variables (`namespace.x`).
    pub namespace_vars: &'a Map<String, Value>,
    /// `ENV_` variables of the engine process (`envs.x`).
    pub envs: &'a Value,
    /// False when the render cannot read `outputs`: the tree is not built.
    pub with_outputs: bool,
}

fn is_each(kind: &TaskKind) -> bool {
    matches!(
        kind,
        TaskKind::ForEach(_) | TaskKind::EachSequential(_) | TaskKind::EachParallel(_)
    )
}

impl ExecutionScope<'_> {
    /// Variables for renders outside any task (flow outputs, SLA assertions).
    pub fn execution_vars(&self, state: Option<State>) -> Map<String, Value> {
        let e = &self.view.execution;
        let mut labels: Map<String, Value> = e
            .labels
            .iter()
            .map(|l| (l.key.clone(), Value::String(l.value.clone())))
            .collect();
        // `labels.system.correlationId` reads a dotted key as a path, as in Kestra.
        for l in &e.labels {
            if let Some((head, rest)) = l.key.split_once('.') {
                let slot = labels
                    .entry(head.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = slot {
                    m.insert(rest.to_string(), Value::String(l.value.clone()));
                }
            }
        }
        let mut vars = Map::new();
        vars.insert("flow".into(), json!({"id": self.flow.id, "namespace": self.flow.namespace, "revision": e.flow_revision}));
        vars.insert(
            "execution".into(),
            json!({
                "id": e.id,
                "startDate": e.started.unwrap_or(e.created).to_rfc3339(),
                "state": state.unwrap_or(e.state).as_str(),
                "originalId": e.original_id.clone().unwrap_or_else(|| e.id.clone()),
            }),
        );
        vars.insert("inputs".into(), e.inputs.clone());
        vars.insert("vars".into(), Value::Object(self.flow.variables.clone()));
        let outputs = if self.with_outputs {
            self.outputs()
        } else {
            Map::new()
        };
        vars.insert("outputs".into(), Value::Object(outputs));
        vars.insert("trigger".into(), e.trigger.clone().unwrap_or(Value::Null));
        vars.insert("labels".into(), Value::Object(labels));
        vars.insert("envs".into(), self.envs.clone());
        vars.insert(
            "namespace".into(),
            Value::Object(self.namespace_vars.clone()),
        );
        vars
    }

    /// Variables for a render inside task run `tr` of `task`.
    pub fn task_vars(&self, tr: &TaskRun, task: &Task) -> Value {
        let mut vars = self.execution_vars(None);
        vars.insert(
            "task".into(),
            json!({"id": task.id, "type": task.type_name}),
        );
        let started = tr.attempts.last().map_or(tr.created, |a| a.started);
        vars.insert(
            "taskrun".into(),
            json!({
                "id": tr.id,
                "startDate": started.to_rfc3339(),
                "attemptsCount": tr.attempts.len().saturating_sub(1),
                "value": tr.value,
                "iteration": tr.iteration,
                "parentId": tr.parent_task_run_id,
            }),
        );
        let by_id: HashMap<&str, &TaskRun> = self
            .view
            .task_runs
            .iter()
            .map(|t| (t.id.as_str(), t))
            .collect();
        let mut parents = Vec::new();
        let mut cursor = tr.parent_task_run_id.as_deref();
        while let Some(pid) = cursor {
            let Some(p) = by_id.get(pid) else { break };
            parents.push(json!({"taskrun": {"id": p.id, "value": p.value, "iteration": p.iteration}, "outputs": public_outputs(p)}));
            cursor = p.parent_task_run_id.as_deref();
        }
        if let Some(first) = parents.first() {
            vars.insert("parent".into(), first.clone());
        }
        vars.insert("parents".into(), Value::Array(parents));
        let path = value_path(tr, &by_id, &self.each_ids());
        vars.insert(
            crate::template::EACH_PATH_VAR.into(),
            Value::Array(path.into_iter().map(Value::String).collect()),
        );
        Value::Object(vars)
    }

    /// Ids of the ForEach-like tasks, whose children's outputs are nested by value.
    fn each_ids(&self) -> std::collections::HashSet<&str> {
        self.flow
            .all_tasks()
            .into_iter()
            .filter(|t| is_each(&t.kind))
            .map(|t| t.id.as_str())
            .collect()
    }

    /// `outputs.<taskId>`, nested under each enclosing ForEach value (`outputs.t.a.b`).
    pub fn outputs(&self) -> Map<String, Value> {
        let by_id: HashMap<&str, &TaskRun> = self
            .view
            .task_runs
            .iter()
            .map(|t| (t.id.as_str(), t))
            .collect();
        let each_ids = self.each_ids();
        let mut out = Map::new();
        for tr in &self.view.task_runs {
            let outputs = public_outputs(tr);
            if outputs.as_object().is_none_or(|m| m.is_empty()) {
                continue;
            }
            let path = value_path(tr, &by_id, &each_ids);
            insert_at(&mut out, &tr.task_id, &path, outputs);
        }
        out
    }
}

/// The ForEach values on the way from the root to `tr` (outermost first).
fn value_path(
    tr: &TaskRun,
    by_id: &HashMap<&str, &TaskRun>,
    each_ids: &std::collections::HashSet<&str>,
) -> Vec<String> {
    let mut path = Vec::new();
    let mut child = tr;
    while let Some(pid) = child.parent_task_run_id.as_deref() {
        let Some(parent) = by_id.get(pid) else { break };
        let each = each_ids.contains(parent.task_id.as_str());
        if each && child.iteration.is_some() {
            path.push(child.value.clone().unwrap_or_default());
        }
        child = parent;
    }
    path.reverse();
    path
}

/// Inserts `outputs` at `outputs[task_id][path...]`, merging objects.
fn insert_at(out: &mut Map<String, Value>, task_id: &str, path: &[String], outputs: Value) {
    let mut slot = out
        .entry(task_id.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    for v in path {
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(m) = slot else { return };
        slot = m
            .entry(v.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    match (slot, outputs) {
        (Value::Object(m), Value::Object(o)) => m.extend(o),
        (slot, o) => *slot = o,
    }
}

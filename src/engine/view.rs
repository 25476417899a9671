//! `ExecutionView`: an execution and all its task runs, the whole input of the pure core, with
//! the lookups the core needs (by id, and by position in the task tree).

use std::collections::HashMap;

use serde_json::Value;

use crate::store::model::{Execution, TaskRun};

/// Key of the engine's private bookkeeping inside a task run's `outputs` (decisions such as an
/// If's branch, a ForEach's values, a Sleep's end). Hidden from templates and printed outputs.
pub const INTERNAL: &str = "$baton";

/// An execution and its task runs, in creation order.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionView {
    pub execution: Execution,
    pub task_runs: Vec<TaskRun>,
}

/// Where a task run sits: its parent task run, its task id, and its iteration (ForEach).
pub type Slot<'a> = (Option<&'a str>, &'a str, Option<i64>);

/// Indexes over a view, built once per `next` call.
pub struct Index<'a> {
    by_id: HashMap<&'a str, &'a TaskRun>,
    by_slot: HashMap<Slot<'a>, &'a TaskRun>,
    children: HashMap<&'a str, Vec<&'a TaskRun>>,
}

impl<'a> Index<'a> {
    /// Indexes the task runs of `view`.
    pub fn new(view: &'a ExecutionView) -> Self {
        let mut by_id = HashMap::with_capacity(view.task_runs.len());
        let mut by_slot = HashMap::with_capacity(view.task_runs.len());
        let mut children: HashMap<&str, Vec<&TaskRun>> = HashMap::new();
        for tr in &view.task_runs {
            by_id.insert(tr.id.as_str(), tr);
            by_slot.insert(
                (
                    tr.parent_task_run_id.as_deref(),
                    tr.task_id.as_str(),
                    tr.iteration,
                ),
                tr,
            );
            if let Some(p) = &tr.parent_task_run_id {
                children.entry(p.as_str()).or_default().push(tr);
            }
        }
        Index {
            by_id,
            by_slot,
            children,
        }
    }

    /// A task run by id.
    pub fn get(&self, id: &str) -> Option<&'a TaskRun> {
        self.by_id.get(id).copied()
    }

    /// The task run of `task_id` under `parent` at `iteration`, if created.
    pub fn at(
        &self,
        parent: Option<&str>,
        task_id: &str,
        iteration: Option<i64>,
    ) -> Option<&'a TaskRun> {
        self.by_slot.get(&(parent, task_id, iteration)).copied()
    }

    /// Direct children of a task run, in creation order.
    pub fn children(&self, id: &str) -> &[&'a TaskRun] {
        self.children.get(id).map_or(&[], Vec::as_slice)
    }
}

/// The engine's private bookkeeping value `key` of a task run, if set.
pub fn internal<'a>(tr: &'a TaskRun, key: &str) -> Option<&'a Value> {
    tr.outputs.get(INTERNAL).and_then(|m| m.get(key))
}

/// Sets a private bookkeeping value on a task run.
pub fn set_internal(tr: &mut TaskRun, key: &str, value: Value) {
    if !tr.outputs.is_object() {
        tr.outputs = Value::Object(Default::default());
    }
    if let Some(out) = tr.outputs.as_object_mut() {
        let slot = out
            .entry(INTERNAL)
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(m) = slot.as_object_mut() {
            m.insert(key.to_string(), value);
        }
    }
}

/// A task run's outputs without the engine's bookkeeping (what templates and users see).
pub fn public_outputs(tr: &TaskRun) -> Value {
    match &tr.outputs {
        Value::Object(m) if m.contains_key(INTERNAL) => {
            let mut m = m.clone();
            m.remove(INTERNAL);
            Value::Object(m)
        }
        other => other.clone(),
    }
}

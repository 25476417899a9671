//! The task tree of a flow's JSON value, with JSON pointers: what every semantic check walks.
//!
//! Checks work on the JSON value rather than on the typed `Flow` so that every finding carries
//! the pointer of the node it is about, and so that they still run when the typed parse fails.

use serde_json::{Map, Value};

use crate::load::escape_segment;
use crate::spec::catalogue::{self, Category, TaskType};

/// Branches of a flow that hold task lists, in execution order.
pub const FLOW_BRANCHES: &[&str] = &["tasks", "errors", "finally", "afterExecution"];

/// Branch properties a flowable task may hold child task lists under.
const TASK_BRANCHES: &[&str] = &["tasks", "then", "else", "defaults", "errors", "finally"];

/// One task object found in the flow.
#[derive(Clone)]
pub struct TaskNode<'a> {
    /// JSON pointer of the task object.
    pub pointer: String,
    /// The task object, as a value and as a map.
    pub value: &'a Value,
    pub map: &'a Map<String, Value>,
    /// `id`, when it is a string.
    pub id: Option<&'a str>,
    /// The catalogue entry of its `type`, when known.
    pub entry: Option<&'static TaskType>,
    /// Index of the parent node in the list, `None` at the top.
    pub parent: Option<usize>,
    /// The list holding it, from the top: (branch name, index in that list) per level.
    pub path: Vec<(String, usize)>,
    /// Under `listeners` (deprecated; only checked for ids).
    pub in_listener: bool,
}

impl TaskNode<'_> {
    /// True for flowable tasks (known type only).
    pub fn is_flowable(&self) -> bool {
        self.entry.is_some_and(|e| e.category == Category::Flowable)
    }

    /// Canonical type name, when known.
    pub fn type_name(&self) -> Option<&'static str> {
        self.entry.map(|e| e.name)
    }
}

/// Every task object of the flow, pre-order (document order).
pub fn task_nodes(flow: &Value) -> Vec<TaskNode<'_>> {
    let mut out = Vec::new();
    for branch in FLOW_BRANCHES {
        if let Some(Value::Array(items)) = flow.get(branch) {
            push_list(
                &mut out,
                items,
                &format!("/{branch}"),
                branch,
                None,
                &[],
                false,
            );
        }
    }
    if let Some(Value::Array(listeners)) = flow.get("listeners") {
        for (i, listener) in listeners.iter().enumerate() {
            if let Some(Value::Array(items)) = listener.get("tasks") {
                let base = format!("/listeners/{i}/tasks");
                push_list(&mut out, items, &base, "listeners", None, &[], true);
            }
        }
    }
    out
}

fn push_list<'a>(
    out: &mut Vec<TaskNode<'a>>,
    items: &'a [Value],
    base: &str,
    branch: &str,
    parent: Option<usize>,
    parent_path: &[(String, usize)],
    in_listener: bool,
) {
    for (i, item) in items.iter().enumerate() {
        let mut pointer = format!("{base}/{i}");
        // Dag entries wrap the task: `{task: {...}, dependsOn: [...]}`.
        let item = match (item.get("task"), item.get("type")) {
            (Some(task @ Value::Object(_)), None) => {
                pointer.push_str("/task");
                task
            }
            _ => item,
        };
        let Value::Object(map) = item else { continue };
        let mut path = parent_path.to_vec();
        path.push((branch.to_string(), i));
        let entry = map
            .get("type")
            .and_then(Value::as_str)
            .and_then(catalogue::task_type);
        let node = TaskNode {
            pointer: pointer.clone(),
            value: item,
            map,
            id: map.get("id").and_then(Value::as_str),
            entry,
            parent,
            path: path.clone(),
            in_listener,
        };
        let flowable = node.is_flowable();
        out.push(node);
        if flowable {
            let me = out.len() - 1;
            push_children(out, map, &pointer, me, &path, in_listener);
        }
    }
}

fn push_children<'a>(
    out: &mut Vec<TaskNode<'a>>,
    map: &'a Map<String, Value>,
    pointer: &str,
    me: usize,
    path: &[(String, usize)],
    in_listener: bool,
) {
    for branch in TASK_BRANCHES {
        if let Some(Value::Array(items)) = map.get(*branch) {
            let base = format!("{pointer}/{branch}");
            push_list(out, items, &base, branch, Some(me), path, in_listener);
        }
    }
    if let Some(Value::Object(cases)) = map.get("cases") {
        for (case, items) in cases {
            if let Value::Array(items) = items {
                let base = format!("{pointer}/cases/{}", escape_segment(case));
                let branch = format!("cases/{case}");
                push_list(out, items, &base, &branch, Some(me), path, in_listener);
            }
        }
    }
}

/// True when `key` of a flowable task holds child tasks (so a walk of the task's own
/// properties skips it).
pub fn is_branch_key(key: &str) -> bool {
    TASK_BRANCHES.contains(&key) || key == "cases"
}

/// Appends `segment` to `pointer`, escaped.
pub fn child_pointer(pointer: &str, segment: &str) -> String {
    format!("{pointer}/{}", escape_segment(segment))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn walks_nested_flowables_dag_and_cases_in_document_order() {
        let flow = json!({"tasks": [
            {"id": "p", "type": "io.kestra.plugin.core.flow.Parallel", "tasks": [
                {"id": "a", "type": "io.kestra.plugin.core.log.Log"}]},
            {"id": "d", "type": "io.kestra.plugin.core.flow.Dag", "tasks": [
                {"task": {"id": "b", "type": "io.kestra.plugin.core.log.Log"}}]},
            {"id": "s", "type": "io.kestra.plugin.core.flow.Switch", "cases": {"x/y": [
                {"id": "c", "type": "io.kestra.plugin.core.log.Log"}]}}],
            "errors": [{"id": "e", "type": "io.kestra.plugin.core.log.Log"}]});
        let nodes = task_nodes(&flow);
        let ids: Vec<_> = nodes.iter().map(|n| n.id.unwrap()).collect();
        assert_eq!(ids, ["p", "a", "d", "b", "s", "c", "e"]);
        assert_eq!(nodes[3].pointer, "/tasks/1/tasks/0/task");
        assert_eq!(nodes[5].pointer, "/tasks/2/cases/x~1y/0");
        assert_eq!(nodes[1].parent, Some(0));
    }
}

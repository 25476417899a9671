//! Identity checks: Kestra's id and namespace patterns and lengths, and duplicate task, trigger
//! and input ids.

use std::collections::HashMap;

use serde_json::Value;

use crate::validate::diagnostic::Finding;
use crate::validate::tree::TaskNode;

/// Kestra's limit on flow ids.
pub const MAX_FLOW_ID: usize = 100;
/// Kestra's limit on namespaces.
pub const MAX_NAMESPACE: usize = 150;
/// baton's limit on task, trigger and input ids (they end up in URLs and log lines).
pub const MAX_ID: usize = 256;

/// `^[a-zA-Z0-9][a-zA-Z0-9._-]*$`.
pub fn is_flow_id(id: &str) -> bool {
    pattern(
        id,
        |c| c.is_ascii_alphanumeric(),
        |c| c.is_ascii_alphanumeric() || "._-".contains(c),
    )
}

/// `^[a-zA-Z0-9][a-zA-Z0-9_-]*$` (tasks, triggers, inputs).
pub fn is_task_id(id: &str) -> bool {
    pattern(
        id,
        |c| c.is_ascii_alphanumeric(),
        |c| c.is_ascii_alphanumeric() || "_-".contains(c),
    )
}

/// `^[a-z0-9][a-z0-9._-]*$`.
pub fn is_namespace(ns: &str) -> bool {
    let lower = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    pattern(ns, lower, |c| lower(c) || "._-".contains(c))
}

fn pattern(s: &str, first: impl Fn(char) -> bool, rest: impl Fn(char) -> bool) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(first) && chars.all(rest)
}

/// Flow id and namespace patterns.
pub fn check_flow_identity(flow: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(id) = flow.get("id").and_then(Value::as_str) {
        if !is_flow_id(id) {
            out.push(Finding::error(
                "invalid-id",
                "/id",
                format!("invalid flow id `{id}`: must match ^[a-zA-Z0-9][a-zA-Z0-9._-]*$"),
            ));
        } else if id.len() > MAX_FLOW_ID {
            out.push(Finding::error(
                "invalid-id",
                "/id",
                format!(
                    "flow id is {} characters long, more than {MAX_FLOW_ID}",
                    id.len()
                ),
            ));
        }
    }
    if let Some(ns) = flow.get("namespace").and_then(Value::as_str) {
        if !is_namespace(ns) {
            out.push(Finding::error(
                "invalid-namespace",
                "/namespace",
                format!("invalid namespace `{ns}`: must match ^[a-z0-9][a-z0-9._-]*$"),
            ));
        } else if ns.len() > MAX_NAMESPACE {
            out.push(Finding::error(
                "invalid-namespace",
                "/namespace",
                format!(
                    "namespace is {} characters long, more than {MAX_NAMESPACE}",
                    ns.len()
                ),
            ));
        }
    }
    out
}

/// Task ids: pattern, length, and unique across the whole tree.
pub fn check_task_ids(nodes: &[TaskNode<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for node in nodes {
        let Some(id) = node.id else { continue };
        let pointer = format!("{}/id", node.pointer);
        if let Some(f) = id_shape("task", id, &pointer) {
            out.push(f);
        }
        if seen.insert(id, &node.pointer).is_some() {
            out.push(Finding::error(
                "duplicate-task-id",
                pointer,
                format!("Duplicate task id with name [{id}]"),
            ));
        }
    }
    out
}

/// Trigger ids and input ids: pattern, length, uniqueness.
pub fn check_trigger_and_input_ids(flow: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(list_ids(
        flow,
        "triggers",
        "trigger",
        "duplicate-trigger-id",
        "Duplicate trigger id with name",
    ));
    out.extend(list_ids(
        flow,
        "inputs",
        "input",
        "duplicate-input-id",
        "Duplicate input with name",
    ));
    out
}

fn list_ids(
    flow: &Value,
    key: &str,
    what: &str,
    code: &'static str,
    duplicate: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(Value::Array(items)) = flow.get(key) else {
        return out;
    };
    let mut seen = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        // `name` is Kestra's deprecated alias of an input's id.
        let (field, id) = match (item.get("id"), item.get("name")) {
            (Some(Value::String(id)), _) => ("id", id),
            (None, Some(Value::String(name))) if key == "inputs" => ("name", name),
            _ => continue,
        };
        let pointer = format!("/{key}/{i}/{field}");
        if let Some(f) = id_shape(what, id, &pointer) {
            out.push(f);
        }
        if !seen.insert(id.as_str()) {
            out.push(Finding::error(code, pointer, format!("{duplicate} [{id}]")));
        }
    }
    out
}

fn id_shape(what: &str, id: &str, pointer: &str) -> Option<Finding> {
    if !is_task_id(id) {
        return Some(Finding::error(
            "invalid-id",
            pointer,
            format!("invalid {what} id `{id}`: must match ^[a-zA-Z0-9][a-zA-Z0-9_-]*$"),
        ));
    }
    (id.len() > MAX_ID).then(|| {
        Finding::error(
            "invalid-id",
            pointer,
            format!(
                "{what} id is {} characters long, more than {MAX_ID}",
                id.len()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kestra_patterns() {
        assert!(is_flow_id("a.b-c_d"));
        assert!(!is_flow_id("my#flow"));
        assert!(!is_flow_id(""));
        assert!(!is_flow_id("-a"));
        assert!(is_task_id("t-1_x"));
        assert!(!is_task_id("t.1"));
        assert!(is_namespace("company.team-a"));
        assert!(!is_namespace("MY$NAMESPACE"));
        assert!(!is_namespace("Company"));
    }
}

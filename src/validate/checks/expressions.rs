//! Template expressions: every string property parses, and reads only what exists: declared
//! inputs, declared variables (flow or namespace), and outputs of tasks that have run.
//!
//! Kestra accepts a flow whose expressions read undeclared inputs or variables, or do not parse,
//! and fails the execution when it renders them; so those are warnings here (the parser may
//! also be stricter than Pebble on exotic syntax). Reading the outputs of a task that does not
//! exist is an error.
//!
//! Ordering is judged conservatively: reading the outputs of a task that certainly runs later
//! (itself, or a later task of the same sequential list) is an error; anything that may or may
//! not have run (a parallel sibling, another branch, a child) is a warning.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::spec::templated::is_template;
use crate::template::check_syntax;
use crate::validate::diagnostic::{Finding, Severity};
use crate::validate::tree::{FLOW_BRANCHES, TaskNode, child_pointer, is_branch_key};

/// Flowables whose children of one list run one after the other.
const SEQUENTIAL: &[&str] = &[
    "io.kestra.plugin.core.flow.Sequential",
    "io.kestra.plugin.core.flow.ForEach",
    "io.kestra.plugin.core.flow.EachSequential",
    "io.kestra.plugin.core.flow.WorkingDirectory",
    "io.kestra.plugin.core.flow.AllowFailure",
    "io.kestra.plugin.core.flow.If",
    "io.kestra.plugin.core.flow.Switch",
    "io.kestra.plugin.core.flow.WaitFor",
    "io.kestra.plugin.core.flow.Pause",
];

/// Flow keys whose strings are not rendered, or are rendered in another flow's context.
const SKIPPED_FLOW_KEYS: &[&str] = &[
    "id",
    "namespace",
    "description",
    "listeners",
    "pluginDefaults",
    "taskDefaults",
    "revision",
];

/// Who renders a string: a task (by node index), the flow, or a trigger (whose `inputs` are
/// rendered with the triggering execution's variables, so only their syntax is checked).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    Task(usize),
    Flow,
    Trigger,
}

/// What the expressions of one flow may read.
struct Scope<'a> {
    inputs: HashSet<&'a str>,
    variables: HashSet<&'a str>,
    namespace_variables: &'a HashSet<String>,
    tasks: HashMap<&'a str, usize>,
    nodes: &'a [TaskNode<'a>],
}

/// Checks every expression of the flow.
pub fn check_expressions(
    flow: &Value,
    nodes: &[TaskNode<'_>],
    namespace_variables: &HashSet<String>,
) -> Vec<Finding> {
    let inputs = flow
        .get("inputs")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|i| i.get("id").or(i.get("name")).and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let variables = flow
        .get("variables")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut tasks = HashMap::new();
    for (i, n) in nodes.iter().enumerate().filter(|(_, n)| !n.in_listener) {
        if let Some(id) = n.id {
            tasks.entry(id).or_insert(i);
        }
    }
    let scope = Scope {
        inputs,
        variables,
        namespace_variables,
        tasks,
        nodes,
    };
    let mut out = Vec::new();
    if let Value::Object(map) = flow {
        for (key, value) in map {
            if !SKIPPED_FLOW_KEYS.contains(&key.as_str()) && !FLOW_BRANCHES.contains(&key.as_str())
            {
                let reader = if key == "triggers" {
                    Reader::Trigger
                } else {
                    Reader::Flow
                };
                walk(value, &child_pointer("", key), reader, &scope, &mut out);
            }
        }
    }
    for (i, node) in nodes.iter().enumerate().filter(|(_, n)| !n.in_listener) {
        for (key, value) in node.map {
            let skipped = matches!(key.as_str(), "id" | "type" | "description")
                || (node.is_flowable() && is_branch_key(key))
                // A Subflow's `outputs` read the subflow's tasks, not this flow's.
                || (key == "outputs" && node.type_name() == Some("io.kestra.plugin.core.flow.Subflow"));
            if !skipped {
                walk(
                    value,
                    &child_pointer(&node.pointer, key),
                    Reader::Task(i),
                    &scope,
                    &mut out,
                );
            }
        }
    }
    out
}

fn walk(value: &Value, pointer: &str, reader: Reader, scope: &Scope<'_>, out: &mut Vec<Finding>) {
    match value {
        Value::String(s) if is_template(s) => check_string(s, pointer, reader, scope, out),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{pointer}/{i}"), reader, scope, out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                walk(v, &child_pointer(pointer, k), reader, scope, out);
            }
        }
        _ => {}
    }
}

fn check_string(
    text: &str,
    pointer: &str,
    reader: Reader,
    scope: &Scope<'_>,
    out: &mut Vec<Finding>,
) {
    let paths = match check_syntax(text) {
        Ok(paths) => paths,
        Err(e) => {
            out.push(Finding::warning(
                "template-syntax",
                pointer,
                format!("invalid expression: {e}"),
            ));
            return;
        }
    };
    if reader == Reader::Trigger {
        return;
    }
    for path in paths {
        let mut parts = path.split('.');
        let (Some(root), Some(name)) = (parts.next(), parts.next()) else {
            continue;
        };
        match root {
            "inputs" if !scope.inputs.contains(name) => out.push(Finding::warning(
                "unknown-input",
                pointer,
                format!("`inputs.{name}` is not a declared input of this flow"),
            )),
            "vars"
                if !scope.variables.contains(name) && !scope.namespace_variables.contains(name) =>
            {
                out.push(Finding::warning(
                    "unknown-variable",
                    pointer,
                    format!(
                        "`vars.{name}` is not a declared variable of this flow or its namespace"
                    ),
                ))
            }
            "outputs" => {
                if let Some(f) = check_output(name, pointer, reader, scope) {
                    out.push(f);
                }
            }
            _ => {}
        }
    }
}

fn check_output(name: &str, pointer: &str, reader: Reader, scope: &Scope<'_>) -> Option<Finding> {
    let Some(&target) = scope.tasks.get(name) else {
        return Some(Finding::error(
            "unknown-output",
            pointer,
            format!("`outputs.{name}`: no task with id `{name}` in this flow"),
        ));
    };
    let Reader::Task(reader) = reader else {
        return None;
    };
    let (severity, why) = order(reader, target, scope.nodes)?;
    let r = scope.nodes[reader].id.unwrap_or("?");
    let message = format!("`outputs.{name}` read by task `{r}`: {why}");
    Some(match severity {
        Severity::Error => Finding::error("output-not-yet-available", pointer, message),
        Severity::Warning => Finding::warning("output-not-yet-available", pointer, message),
    })
}

/// Whether task `target` has run when task `reader` renders its properties.
fn order(reader: usize, target: usize, nodes: &[TaskNode<'_>]) -> Option<(Severity, String)> {
    let (r, t) = (&nodes[reader], &nodes[target]);
    if reader == target {
        return Some(if r.is_flowable() {
            (
                Severity::Warning,
                "a flowable task reads its own outputs".into(),
            )
        } else {
            (Severity::Error, "a task cannot read its own outputs".into())
        });
    }
    if target < reader {
        return None;
    }
    if t.path.starts_with(&r.path) {
        // WaitFor evaluates its condition after its children ran.
        if r.type_name() == Some("io.kestra.plugin.core.flow.WaitFor") {
            return None;
        }
        return Some((
            Severity::Warning,
            "a child task may not have run yet".into(),
        ));
    }
    let k = r
        .path
        .iter()
        .zip(&t.path)
        .take_while(|(a, b)| a == b)
        .count();
    let (same_list, parent_sequential) = match (r.path.get(k), t.path.get(k)) {
        (Some(a), Some(b)) if a.0 == b.0 => (true, list_is_sequential(reader, k, nodes)),
        _ => (false, false),
    };
    if same_list && parent_sequential {
        let later = t.id.unwrap_or("?");
        return Some((Severity::Error, format!("task `{later}` runs later")));
    }
    Some((Severity::Warning, "that task may not have run yet".into()))
}

/// True when the list at depth `k` of `reader`'s path runs its tasks one after the other.
fn list_is_sequential(reader: usize, k: usize, nodes: &[TaskNode<'_>]) -> bool {
    if k == 0 {
        return true;
    }
    let mut at = nodes[reader].parent;
    while let Some(p) = at {
        if nodes[p].path.len() == k {
            return nodes[p]
                .type_name()
                .is_some_and(|t| SEQUENTIAL.contains(&t));
        }
        at = nodes[p].parent;
    }
    false
}

//! Structural checks of the task tree: empty task lists, Switch without tasks, WorkingDirectory
//! children, Dag dependencies, deprecated listeners.

use std::collections::HashMap;

use serde_json::Value;

use crate::spec::catalogue::Category;
use crate::validate::diagnostic::Finding;
use crate::validate::tree::TaskNode;

const SWITCH: &str = "io.kestra.plugin.core.flow.Switch";
const WORKING_DIRECTORY: &str = "io.kestra.plugin.core.flow.WorkingDirectory";
const DAG: &str = "io.kestra.plugin.core.flow.Dag";
const IF: &str = "io.kestra.plugin.core.flow.If";

/// Flowables whose `tasks` must hold at least one task.
const NEEDS_TASKS: &[&str] = &[
    "io.kestra.plugin.core.flow.Sequential",
    "io.kestra.plugin.core.flow.Parallel",
    "io.kestra.plugin.core.flow.ForEach",
    "io.kestra.plugin.core.flow.EachSequential",
    "io.kestra.plugin.core.flow.EachParallel",
    "io.kestra.plugin.core.flow.AllowFailure",
    "io.kestra.plugin.core.flow.WaitFor",
    DAG,
];

fn is_empty_list(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(items)) => items.is_empty(),
        Some(_) => false,
    }
}

/// The flow's own `tasks` and the listeners' `tasks` must not be empty.
pub fn check_flow_tasks(flow: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    if is_empty_list(flow.get("tasks")) {
        out.push(Finding::error(
            "empty-tasks",
            "/tasks",
            "`tasks` must not be empty",
        ));
    }
    if let Some(Value::Array(listeners)) = flow.get("listeners") {
        if !listeners.is_empty() {
            out.push(Finding::warning(
                "deprecated-listeners",
                "/listeners",
                "listeners are deprecated and not run by baton; use a Flow trigger instead",
            ));
        }
        for (i, listener) in listeners.iter().enumerate() {
            if is_empty_list(listener.get("tasks")) {
                out.push(Finding::error(
                    "empty-tasks",
                    format!("/listeners/{i}/tasks"),
                    "listener `tasks` must not be empty",
                ));
            }
        }
    }
    out
}

/// Per-task structural rules.
pub fn check_flowables(nodes: &[TaskNode<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let Some(name) = node.type_name() else {
            continue;
        };
        let at = |key: &str| format!("{}/{key}", node.pointer);
        let label = node.id.unwrap_or("?");
        if NEEDS_TASKS.contains(&name) && is_empty_list(node.map.get("tasks")) {
            out.push(Finding::error(
                "empty-tasks",
                at("tasks"),
                format!("{label}: `tasks` must not be empty"),
            ));
        }
        match name {
            IF if is_empty_list(node.map.get("then")) => out.push(Finding::error(
                "empty-tasks",
                at("then"),
                format!("{label}: `then` must not be empty"),
            )),
            SWITCH => out.extend(check_switch(node, label)),
            WORKING_DIRECTORY => out.extend(check_working_directory(nodes, i, label)),
            DAG => out.extend(check_dag(node, label)),
            _ => {}
        }
    }
    out
}

fn check_switch(node: &TaskNode<'_>, label: &str) -> Option<Finding> {
    let any_case = match node.map.get("cases") {
        Some(Value::Object(cases)) => cases.values().any(|c| !is_empty_list(Some(c))),
        _ => false,
    };
    (!any_case && is_empty_list(node.map.get("defaults"))).then(|| {
        Finding::error(
            "switch-no-tasks",
            node.pointer.clone(),
            format!("{label}: No task defined, neither cases or default have any tasks"),
        )
    })
}

fn check_working_directory(nodes: &[TaskNode<'_>], me: usize, label: &str) -> Vec<Finding> {
    let node = &nodes[me];
    let mut out = Vec::new();
    if is_empty_list(node.map.get("tasks")) {
        out.push(Finding::error(
            "empty-tasks",
            format!("{}/tasks", node.pointer),
            format!("{label}: The 'tasks' property cannot be empty"),
        ));
    }
    let tasks_prefix = format!("{}/tasks/", node.pointer);
    for child in nodes.iter().filter(|c| c.parent == Some(me)) {
        let flowable = child
            .entry
            .is_some_and(|e| e.category == Category::Flowable);
        if flowable && child.pointer.starts_with(&tasks_prefix) {
            out.push(Finding::error(
                "working-directory-child",
                child.pointer.clone(),
                format!(
                    "{label}: Only runnable tasks are allowed as children of a WorkingDirectory task, `{}` is flowable",
                    child.id.unwrap_or("?")
                ),
            ));
        }
    }
    out
}

fn check_dag(node: &TaskNode<'_>, label: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(Value::Array(entries)) = node.map.get("tasks") else {
        return out;
    };
    let ids: Vec<Option<&str>> = entries
        .iter()
        .map(|e| e.pointer("/task/id").and_then(Value::as_str))
        .collect();
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| id.map(|id| (id, i)))
        .collect();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
    for (i, entry) in entries.iter().enumerate() {
        let Some(Value::Array(deps)) = entry.get("dependsOn") else {
            continue;
        };
        for (j, dep) in deps.iter().enumerate() {
            let Some(dep) = dep.as_str() else { continue };
            match index.get(dep) {
                Some(&k) => edges[i].push(k),
                None => out.push(Finding::error(
                    "dag-unknown-dependency",
                    format!("{}/tasks/{i}/dependsOn/{j}", node.pointer),
                    format!("{label}: Not existing task id in dependency: {dep}"),
                )),
            }
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        let mut members = cycle;
        members.sort_unstable();
        let names: Vec<&str> = members.iter().map(|&i| ids[i].unwrap_or("?")).collect();
        out.push(Finding::error(
            "dag-cycle",
            format!("{}/tasks", node.pointer),
            format!("{label}: Cyclic dependency detected: {}", names.join(", ")),
        ));
    }
    out
}

/// The nodes of one cycle of the graph, if there is one.
pub fn find_cycle(edges: &[Vec<usize>]) -> Option<Vec<usize>> {
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; edges.len()];
    let mut path = Vec::new();
    for start in 0..edges.len() {
        if state[start] == 0
            && let Some(cycle) = visit(start, edges, &mut state, &mut path)
        {
            return Some(cycle);
        }
    }
    None
}

fn visit(
    n: usize,
    edges: &[Vec<usize>],
    state: &mut [u8],
    path: &mut Vec<usize>,
) -> Option<Vec<usize>> {
    state[n] = 1;
    path.push(n);
    for &m in &edges[n] {
        if state[m] == 1 {
            let from = path.iter().position(|&p| p == m).unwrap_or(0);
            return Some(path[from..].to_vec());
        }
        if state[m] == 0
            && let Some(cycle) = visit(m, edges, state, path)
        {
            return Some(cycle);
        }
    }
    path.pop();
    state[n] = 2;
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_the_cycle() {
        let edges = vec![vec![1], vec![2], vec![1], vec![]];
        let mut c = find_cycle(&edges).unwrap();
        c.sort();
        assert_eq!(c, [1, 2]);
        assert_eq!(find_cycle(&[vec![1], vec![], vec![0, 1]]), None);
    }
}

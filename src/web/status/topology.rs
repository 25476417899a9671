//! The topology view of a flow: an inline SVG of its task tree, drawn server-side. Each task is
//! a box; a flowable's branches (`tasks`, `then`, `else`, `cases/x`, `errors`, `finally`) are
//! dashed groups under it, `errors` and `finally` in their own colors; arrows link siblings in
//! running order.
//!
//! It reads the flow's JSON (as loaded from YAML), not the typed model: a flow whose tasks get
//! required properties from namespace plugin defaults does not parse on its own, and its shape
//! is still worth showing. A branch is any property holding a list of task objects (or a map of
//! such lists, as `cases`); a `Dag` item's task sits under `task`.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::html::esc;

/// One task of the tree: id, type, and its branches in written order.
struct Node<'a> {
    id: &'a str,
    type_name: &'a str,
    branches: Vec<(String, Vec<Node<'a>>)>,
}

/// The task object of a list item (`Dag` items wrap it in `task`).
fn task_object(item: &Value) -> Option<&Map<String, Value>> {
    let map = item.as_object()?;
    if map.get("type").is_some_and(Value::is_string) {
        return Some(map);
    }
    map.get("task")?
        .as_object()
        .filter(|t| t.get("type").is_some_and(Value::is_string))
}

/// The nodes of a list of tasks, or `None` if it is not a list of tasks.
fn nodes(value: &Value) -> Option<Vec<Node<'_>>> {
    let list = value.as_array()?;
    if list.is_empty() {
        return None;
    }
    list.iter()
        .map(|item| task_object(item).map(node))
        .collect()
}

fn node(map: &Map<String, Value>) -> Node<'_> {
    let mut branches = Vec::new();
    for (key, value) in map {
        if let Some(children) = nodes(value) {
            branches.push((key.clone(), children));
        } else if let Value::Object(cases) = value {
            for (case, list) in cases {
                if let Some(children) = nodes(list) {
                    branches.push((format!("{key}/{case}"), children));
                }
            }
        }
    }
    Node {
        id: map.get("id").and_then(Value::as_str).unwrap_or("?"),
        type_name: map.get("type").and_then(Value::as_str).unwrap_or("?"),
        branches,
    }
}

const WIDTH: f64 = 760.0;
const PAD: f64 = 8.0;
const INDENT: f64 = 22.0;
const NODE_H: f64 = 34.0;
const GAP: f64 = 12.0;
const LABEL_H: f64 = 18.0;

struct Canvas {
    svg: String,
    y: f64,
}

fn short_type(type_name: &str) -> &str {
    type_name.rsplit('.').next().unwrap_or(type_name)
}

fn branch_class(name: &str) -> &'static str {
    match name {
        "errors" => "branch-errors",
        "finally" | "afterExecution" => "branch-finally",
        _ => "branch",
    }
}

impl Canvas {
    fn node(&mut self, task: &Node<'_>, x: f64) {
        let w = WIDTH - x - PAD;
        let _ = write!(
            self.svg,
            "<g class=\"node\" data-task=\"{id}\"><title>{id} ({ty})</title>\
<rect class=\"task\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{NODE_H}\" rx=\"5\"/>\
<text x=\"{tx}\" y=\"{ty_y}\"><tspan font-weight=\"600\">{id}</tspan><tspan class=\"lbl\" dx=\"8\">{short}</tspan></text></g>",
            id = esc(task.id),
            ty = esc(task.type_name),
            y = self.y,
            tx = x + 10.0,
            ty_y = self.y + 21.0,
            short = esc(short_type(task.type_name)),
        );
        self.y += NODE_H;
    }

    fn edge(&mut self, x: f64, from: f64, to: f64) {
        let _ = write!(
            self.svg,
            "<line class=\"edge\" x1=\"{x}\" y1=\"{from}\" x2=\"{x}\" y2=\"{to}\" marker-end=\"url(#arrow)\"/>"
        );
    }

    /// A list of sibling tasks at `x`, arrows between them.
    fn list(&mut self, tasks: &[Node<'_>], x: f64) {
        for (i, task) in tasks.iter().enumerate() {
            if i > 0 {
                let from = self.y - GAP;
                self.edge(x + 14.0, from, self.y);
            }
            self.task(task, x);
            self.y += GAP;
        }
    }

    fn task(&mut self, task: &Node<'_>, x: f64) {
        self.node(task, x);
        for (name, children) in &task.branches {
            self.y += 6.0;
            self.branch(name, children, x + INDENT);
        }
    }

    /// A named group of tasks: label, dashed box, the tasks inside.
    fn branch(&mut self, name: &str, tasks: &[Node<'_>], x: f64) {
        let class = branch_class(name);
        let top = self.y;
        let _ = write!(
            self.svg,
            "<text class=\"lbl {class}\" x=\"{}\" y=\"{}\" data-branch=\"{}\">{}</text>",
            x + 4.0,
            top + 13.0,
            esc(name),
            esc(name)
        );
        self.y += LABEL_H + 4.0;
        if tasks.is_empty() {
            let _ = write!(
                self.svg,
                "<text class=\"lbl\" x=\"{}\" y=\"{}\">(empty)</text>",
                x + 10.0,
                self.y + 12.0
            );
            self.y += LABEL_H + GAP;
        } else {
            self.list(tasks, x + 6.0);
        }
        let _ = write!(
            self.svg,
            "<rect class=\"group {class}-box\" x=\"{x}\" y=\"{top}\" width=\"{}\" height=\"{}\" rx=\"6\"/>",
            WIDTH - x - PAD / 2.0,
            self.y - top - GAP / 2.0
        );
        self.y += 4.0;
    }
}

/// The SVG of a flow's task tree (`tasks`, then `errors`, `finally`, `afterExecution`), from
/// the flow's JSON; `label` names the flow for screen readers.
pub fn svg(flow: &Value, label: &str) -> String {
    let mut canvas = Canvas {
        svg: String::new(),
        y: PAD,
    };
    for name in ["tasks", "errors", "finally", "afterExecution"] {
        let list = flow.get(name).and_then(nodes).unwrap_or_default();
        if list.is_empty() && name != "tasks" {
            continue;
        }
        canvas.branch(name, &list, PAD);
        canvas.y += GAP;
    }
    let height = canvas.y + PAD;
    format!(
        "<svg id=\"topology\" role=\"img\" aria-label=\"Task tree of {}\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" style=\"max-width:{WIDTH}px\" xmlns=\"http://www.w3.org/2000/svg\">\
<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"lbl\"/></marker></defs>{}</svg>",
        esc(label),
        canvas.svg
    )
}

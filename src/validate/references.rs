//! References between flows: Subflow calls and Flow-trigger conditions naming other flows.
//! A reference to a flow missing from the repo is a warning (it may be deployed elsewhere); a
//! cycle of Subflow calls is an error (each execution would start another, forever).

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use serde_json::Value;

use crate::load::Positions;
use crate::spec::templated::is_template;

use super::diagnostic::{Diagnostic, Finding, Severity};
use super::namespace::NamespaceContext;
use super::tree::TaskNode;

const SUBFLOW: &str = "io.kestra.plugin.core.flow.Subflow";
const FLOW_TRIGGER: &str = "io.kestra.plugin.core.trigger.Flow";

/// How a flow names another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceKind {
    /// A Subflow task starts it.
    Call,
    /// A Flow trigger listens to it.
    Listen,
}

/// One reference to another flow, placed in the referring file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `namespace.id` of the flow named.
    pub target: String,
    pub kind: ReferenceKind,
    pub pointer: String,
    pub line: u32,
    pub column: u32,
}

/// The literal (non-templated) references of a flow.
pub fn collect(flow: &Value, nodes: &[TaskNode<'_>], positions: &Positions) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut push = |ns: Option<&Value>, id: Option<&Value>, pointer: String, kind| {
        let (Some(ns), Some(id)) = (ns.and_then(Value::as_str), id.and_then(Value::as_str)) else {
            return;
        };
        if is_template(ns) || is_template(id) {
            return;
        }
        let pos = positions.locate(&pointer);
        let target = format!("{ns}.{id}");
        out.push(Reference {
            target,
            kind,
            pointer,
            line: pos.line,
            column: pos.column,
        });
    };
    for node in nodes.iter().filter(|n| n.type_name() == Some(SUBFLOW)) {
        push(
            node.map.get("namespace"),
            node.map.get("flowId"),
            node.pointer.clone(),
            ReferenceKind::Call,
        );
    }
    let Some(Value::Array(triggers)) = flow.get("triggers") else {
        return out;
    };
    for (i, trigger) in triggers.iter().enumerate() {
        let is_flow_trigger = trigger
            .get("type")
            .and_then(Value::as_str)
            .and_then(|t| {
                crate::spec::catalogue::plugin_type(crate::spec::catalogue::TRIGGER_TYPES, t)
            })
            .is_some_and(|t| t.name == FLOW_TRIGGER);
        if !is_flow_trigger {
            continue;
        }
        if let Some(Value::Array(conditions)) = trigger.get("conditions") {
            for (j, c) in conditions.iter().enumerate() {
                let is_execution_flow = c.get("type").and_then(Value::as_str).is_some_and(|t| {
                    t.ends_with(".ExecutionFlow") || t.ends_with(".ExecutionFlowCondition")
                });
                if is_execution_flow {
                    let pointer = format!("/triggers/{i}/conditions/{j}");
                    push(
                        c.get("namespace"),
                        c.get("flowId"),
                        pointer,
                        ReferenceKind::Listen,
                    );
                }
            }
        }
        if let Some(Value::Array(flows)) = trigger.pointer("/preconditions/flows") {
            for (j, f) in flows.iter().enumerate() {
                let pointer = format!("/triggers/{i}/preconditions/flows/{j}");
                push(
                    f.get("namespace"),
                    f.get("flowId"),
                    pointer,
                    ReferenceKind::Listen,
                );
            }
        }
    }
    out
}

fn recursive(uid: &str, through: &[String]) -> String {
    if through.is_empty() {
        format!("Recursive call to flow [{uid}]")
    } else {
        format!(
            "Recursive call to flow [{uid}] through [{}]",
            through.join(" -> ")
        )
    }
}

/// A flow calling itself directly.
pub fn self_calls(uid: &str, refs: &[Reference]) -> Vec<Finding> {
    refs.iter()
        .filter(|r| r.kind == ReferenceKind::Call && r.target == uid)
        .map(|r| Finding::error("recursive-subflow", r.pointer.clone(), recursive(uid, &[])))
        .collect()
}

fn diagnostic(
    file: &str,
    r: &Reference,
    severity: Severity,
    code: &'static str,
    message: String,
) -> Diagnostic {
    Diagnostic {
        file: file.to_string(),
        line: r.line,
        column: r.column,
        severity,
        code,
        message,
        pointer: r.pointer.clone(),
    }
}

fn not_found(file: &str, r: &Reference) -> Diagnostic {
    let what = match r.kind {
        ReferenceKind::Call => "Subflow calls",
        ReferenceKind::Listen => "Flow trigger listens to",
    };
    let message = format!(
        "{what} flow [{}], which is not in this repository",
        r.target
    );
    diagnostic(file, r, Severity::Warning, "subflow-not-found", message)
}

/// The path of calls from `from` to `to`, if `to` is reachable (breadth first, so shortest).
fn path_between(
    calls: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    to: &str,
) -> Option<Vec<String>> {
    let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    let mut seen = HashSet::from([from]);
    while let Some(at) = queue.pop_front() {
        if at == to {
            let mut path = vec![to.to_string()];
            let mut cur = to;
            while let Some(&p) = previous.get(cur) {
                path.push(p.to_string());
                cur = p;
            }
            path.reverse();
            return Some(path);
        }
        for next in calls.get(at).into_iter().flatten() {
            if seen.insert(next.as_str()) {
                previous.insert(next.as_str(), at);
                queue.push_back(next.as_str());
            }
        }
    }
    None
}

/// Reference checks of one changed file against the rest of the repo (`context`).
pub fn check_single(
    uid: &str,
    refs: &[Reference],
    context: &NamespaceContext,
    file: &str,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in refs {
        if let Some(ids) = &context.flow_ids
            && r.target != uid
            && !ids.contains(&r.target)
        {
            out.push(not_found(file, r));
        }
        if r.kind == ReferenceKind::Call
            && r.target != uid
            && let Some(path) = path_between(&context.calls, &r.target, uid)
        {
            let message = recursive(uid, &path);
            out.push(diagnostic(
                file,
                r,
                Severity::Error,
                "recursive-subflow",
                message,
            ));
        }
    }
    out
}

/// Reference checks across a repository: `flows` holds (file, uid, references) per flow.
pub fn check_repo(flows: &[(&str, Option<String>, &[Reference])]) -> Vec<Diagnostic> {
    let ids: HashSet<&str> = flows
        .iter()
        .filter_map(|(_, uid, _)| uid.as_deref())
        .collect();
    let mut calls: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, uid, refs) in flows {
        let Some(uid) = uid else { continue };
        for r in refs.iter().filter(|r| r.kind == ReferenceKind::Call) {
            calls
                .entry(uid.clone())
                .or_default()
                .insert(r.target.clone());
        }
    }
    let mut out = Vec::new();
    for (file, uid, refs) in flows {
        for r in refs.iter() {
            if !ids.contains(r.target.as_str()) {
                out.push(not_found(file, r));
            }
            let Some(uid) = uid else { continue };
            if r.kind == ReferenceKind::Call
                && &r.target != uid
                && let Some(path) = path_between(&calls, &r.target, uid)
            {
                out.push(diagnostic(
                    file,
                    r,
                    Severity::Error,
                    "recursive-subflow",
                    recursive(uid, &path),
                ));
            }
        }
    }
    out
}

//! Semantic checks on one flow's JSON value (plugin defaults applied), each producing
//! `Finding`s with stable codes and the pointer of the node concerned.

pub mod expressions;
pub mod files;
pub mod ids;
pub mod inputs;
pub mod labels;
pub mod schedule;
pub mod structure;
mod syntax_cache;

use std::collections::HashSet;

use serde_json::Value;

use super::diagnostic::Finding;
use super::tree::TaskNode;

/// Runs every per-flow check.
pub fn check_flow(
    flow: &Value,
    nodes: &[TaskNode<'_>],
    namespace_variables: &HashSet<String>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(ids::check_flow_identity(flow));
    out.extend(ids::check_task_ids(nodes));
    out.extend(ids::check_trigger_and_input_ids(flow));
    out.extend(structure::check_flow_tasks(flow));
    out.extend(structure::check_flowables(nodes));
    out.extend(inputs::check_inputs(flow));
    out.extend(labels::check_labels(flow));
    out.extend(schedule::check_schedules(flow));
    out.extend(files::check_task_files(nodes));
    out.extend(files::check_loading_tags(flow));
    out.extend(expressions::check_expressions(
        flow,
        nodes,
        namespace_variables,
    ));
    out
}

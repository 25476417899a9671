//! Property tests of the core: random trees of flowables (Sequential, Parallel, If, Switch,
//! ForEach, AllowFailure) with Return/Fail leaves always terminate, never start a task run
//! twice, and account for every task run.

use std::collections::HashSet;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::sim::{Sim, flow};
use crate::store::model::State;

/// A random task tree; ids are assigned afterwards.
fn tree() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(json!({"type": "io.kestra.plugin.core.debug.Return", "format": "x"})),
        Just(json!({"type": "io.kestra.plugin.core.execution.Fail"})),
        Just(json!({"type": "io.kestra.plugin.core.execution.Fail", "allowFailure": true})),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        let list = prop::collection::vec(inner, 1..3);
        prop_oneof![
            list.clone().prop_map(|t| json!({"type": "io.kestra.plugin.core.flow.Sequential", "tasks": t})),
            (list.clone(), 0u32..3).prop_map(|(t, c)| json!({"type": "io.kestra.plugin.core.flow.Parallel", "tasks": t, "concurrent": c})),
            (list.clone(), list.clone(), any::<bool>()).prop_map(|(a, b, c)| json!({"type": "io.kestra.plugin.core.flow.If", "condition": c, "then": a, "else": b})),
            (list.clone(), list.clone(), 0u8..3).prop_map(|(a, d, v)| json!({"type": "io.kestra.plugin.core.flow.Switch", "value": format!("v{v}"), "cases": {"v1": a}, "defaults": d})),
            (list.clone(), 0usize..4, 0u32..3).prop_map(|(t, n, c)| json!({"type": "io.kestra.plugin.core.flow.ForEach", "values": (0..n).map(|i| format!("i{i}")).collect::<Vec<_>>(), "concurrencyLimit": c, "tasks": t})),
            (list.clone(), list).prop_map(|(t, e)| json!({"type": "io.kestra.plugin.core.flow.AllowFailure", "tasks": t, "errors": e})),
        ]
    })
}

fn assign_ids(v: &mut Value, next: &mut usize) {
    match v {
        Value::Object(m) => {
            if m.contains_key("type") {
                m.insert("id".into(), json!(format!("t{next}")));
                *next += 1;
            }
            for (_, child) in m.iter_mut() {
                assign_ids(child, next);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| assign_ids(i, next)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_trees_terminate_and_run_each_task_run_once(tasks in prop::collection::vec(tree(), 1..4), with_errors in any::<bool>()) {
        let mut tasks = Value::Array(tasks);
        let mut n = 0;
        assign_ids(&mut tasks, &mut n);
        let mut f = json!({"id": "p", "namespace": "n", "tasks": tasks});
        if with_errors {
            f["errors"] = json!([{"id": "err", "type": "io.kestra.plugin.core.debug.Return", "format": "e"}]);
        }
        let mut sim = Sim::new(flow(f));
        let state = sim.run(10_000);
        prop_assert!(state.is_terminal(), "ended {state}");
        prop_assert!(matches!(state, State::Success | State::Warning | State::Failed));
        prop_assert!(sim.starts.values().all(|&n| n == 1), "a task run started twice");
        let ids: HashSet<&str> = sim.view.task_runs.iter().map(|t| t.id.as_str()).collect();
        let mut slots = HashSet::new();
        for tr in &sim.view.task_runs {
            prop_assert!(tr.state.is_terminal(), "{} left {}", tr.task_id, tr.state);
            prop_assert!(tr.parent_task_run_id.as_deref().is_none_or(|p| ids.contains(p)), "orphan task run");
            prop_assert!(slots.insert((tr.parent_task_run_id.clone(), tr.task_id.clone(), tr.iteration)), "duplicate task run");
            prop_assert!(sim.starts.contains_key(&tr.id) || tr.state == State::Skipped, "{} never started", tr.task_id);
        }
    }
}

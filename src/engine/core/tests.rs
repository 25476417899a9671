//! Unit tests of the pure core, one per rule, through the simulator.

use serde_json::json;

use super::sim::{Sim, flow};
use crate::engine::action::Action;
use crate::store::model::State;

fn ret(id: &str) -> serde_json::Value {
    json!({"id": id, "type": "io.kestra.plugin.core.debug.Return", "format": "x"})
}
fn fail(id: &str) -> serde_json::Value {
    json!({"id": id, "type": "io.kestra.plugin.core.execution.Fail"})
}
fn f(tasks: serde_json::Value) -> Sim {
    Sim::new(flow(json!({"id": "t", "namespace": "n", "tasks": tasks})))
}

#[test]
fn sequential_tasks_run_in_order_and_succeed() {
    let mut s = f(json!([ret("a"), ret("b")]));
    assert_eq!(s.run(100), State::Success);
    let ids: Vec<_> = s
        .view
        .task_runs
        .iter()
        .map(|t| t.task_id.as_str())
        .collect();
    assert_eq!(ids, ["a", "b"]);
}

#[test]
fn a_failure_stops_the_list_runs_errors_then_finally() {
    let mut s = Sim::new(flow(json!({"id": "t", "namespace": "n",
        "tasks": [ret("a"), fail("b"), ret("c")],
        "errors": [ret("e")], "finally": [ret("z")]})));
    assert_eq!(s.run(100), State::Failed);
    let ids: Vec<_> = s
        .view
        .task_runs
        .iter()
        .map(|t| t.task_id.as_str())
        .collect();
    assert_eq!(ids, ["a", "b", "e", "z"]);
}

#[test]
fn allow_failure_turns_the_execution_into_warning() {
    let mut t = fail("b");
    t["allowFailure"] = json!(true);
    let mut s = f(json!([t, ret("c")]));
    assert_eq!(s.run(100), State::Warning);
    assert_eq!(s.states("c"), [State::Success]);
}

#[test]
fn disabled_tasks_have_no_task_run() {
    let mut t = fail("b");
    t["disabled"] = json!(true);
    let mut s = f(json!([ret("a"), t]));
    assert_eq!(s.run(100), State::Success);
    assert_eq!(s.view.task_runs.len(), 1);
}

#[test]
fn parallel_respects_its_concurrency_limit() {
    let mut s = f(
        json!([{"id": "p", "type": "io.kestra.plugin.core.flow.Parallel", "concurrent": 2,
        "tasks": [ret("a"), ret("b"), ret("c")]}]),
    );
    let mut most = 0;
    for _ in 0..20 {
        let actions = super::next(&s.view, &s.flow, s.now);
        let running = s
            .view
            .task_runs
            .iter()
            .filter(|t| t.task_id != "p" && !t.state.is_terminal())
            .count();
        let creates = actions
            .iter()
            .filter(|a| matches!(a, Action::Create(c) if c.task_id != "p"))
            .count();
        most = most.max(running + creates);
        // Only apply creations and starts of the flowable: children stay running.
        for a in actions {
            if matches!(&a, Action::Start { task_run_id } if s.view.task_runs.iter().any(|t| &t.id == task_run_id && t.task_id != "p"))
            {
                continue;
            }
            s.apply(a);
        }
    }
    assert_eq!(most, 2);
    assert_eq!(s.run(100), State::Success);
    assert_eq!(s.view.task_runs.len(), 4);
}

#[test]
fn if_runs_only_the_chosen_branch() {
    let mut s = f(
        json!([{"id": "i", "type": "io.kestra.plugin.core.flow.If", "condition": false,
        "then": [ret("yes")], "else": [ret("no")]}]),
    );
    assert_eq!(s.run(100), State::Success);
    assert_eq!(s.states("no"), [State::Success]);
    assert!(s.states("yes").is_empty());
}

#[test]
fn switch_falls_back_to_defaults() {
    let mut s = f(
        json!([{"id": "s", "type": "io.kestra.plugin.core.flow.Switch", "value": "zz",
        "cases": {"a": [ret("a")]}, "defaults": [ret("d")]}]),
    );
    assert_eq!(s.run(100), State::Success);
    assert_eq!(s.states("d").len(), 1);
    assert!(s.states("a").is_empty());
}

#[test]
fn for_each_creates_children_per_value_with_iteration() {
    let mut s = f(
        json!([{"id": "e", "type": "io.kestra.plugin.core.flow.ForEach", "values": ["x", "y", "z"],
        "concurrencyLimit": 0, "tasks": [ret("a"), ret("b")]}]),
    );
    assert_eq!(s.run(100), State::Success);
    assert_eq!(s.view.task_runs.len(), 7);
    let values: Vec<_> = s
        .view
        .task_runs
        .iter()
        .filter(|t| t.task_id == "a")
        .map(|t| t.value.clone().unwrap_or_default())
        .collect();
    assert_eq!(values, ["x", "y", "z"]);
}

#[test]
fn for_each_limit_one_runs_iterations_one_by_one() {
    let mut s = f(
        json!([{"id": "e", "type": "io.kestra.plugin.core.flow.ForEach", "values": "[1, 2]",
        "tasks": [ret("a")]}]),
    );
    let mut max_running = 0;
    for _ in 0..50 {
        let actions = super::next(&s.view, &s.flow, s.now);
        if actions.is_empty() {
            break;
        }
        let created = actions
            .iter()
            .filter(|a| matches!(a, Action::Create(_)))
            .count();
        max_running = max_running.max(created);
        for a in actions {
            s.apply(a);
        }
    }
    assert_eq!(max_running, 1);
    assert_eq!(s.view.execution.state, State::Success);
}

#[test]
fn retries_are_new_attempts_on_the_same_task_run() {
    let mut t = fail("b");
    t["retry"] = json!({"type": "constant", "interval": "PT1S", "maxAttempts": 3});
    let mut s = f(json!([t]));
    assert_eq!(s.run(100), State::Failed);
    assert_eq!(s.view.task_runs.len(), 1);
    assert_eq!(s.task_run("b").attempts.len(), 3);
}

#[test]
fn a_timeout_fails_a_sleep_that_lasts_longer() {
    let mut s =
        f(json!([{"id": "z", "type": "io.kestra.plugin.core.flow.Sleep", "duration": "PT10S"}]));
    let first = super::next(&s.view, &s.flow, s.now);
    for a in first {
        s.apply(a);
    }
    // The driver would record the deadline when starting; emulate it.
    let started = s.now;
    s.run(1);
    let tr = s
        .view
        .task_runs
        .iter_mut()
        .find(|t| t.task_id == "z")
        .expect("z");
    crate::engine::view::set_internal(
        tr,
        "deadline",
        json!((started + chrono::Duration::seconds(2)).to_rfc3339()),
    );
    assert_eq!(s.run(100), State::Failed);
}

#[test]
fn killing_kills_children_then_ends_killed() {
    let mut s =
        f(json!([{"id": "z", "type": "io.kestra.plugin.core.flow.Sleep", "duration": "PT10S"}]));
    s.run(3);
    s.view.execution.state = State::Killing;
    assert_eq!(s.run(100), State::Killed);
    assert_eq!(s.states("z"), [State::Killed]);
}

#[test]
fn after_execution_runs_once_the_main_tasks_are_done_and_keeps_the_state() {
    let mut s = Sim::new(flow(json!({"id": "t", "namespace": "n",
        "tasks": [fail("a")], "afterExecution": [ret("after")]})));
    assert_eq!(s.run(100), State::Failed);
    assert_eq!(s.states("after"), [State::Success]);
}

#[test]
fn dag_waits_for_dependencies() {
    let mut s = f(
        json!([{"id": "d", "type": "io.kestra.plugin.core.flow.Dag", "tasks": [
        {"task": ret("b"), "dependsOn": ["a"]}, {"task": ret("a")}]}]),
    );
    assert_eq!(s.run(100), State::Success);
    let ids: Vec<_> = s
        .view
        .task_runs
        .iter()
        .map(|t| t.task_id.as_str())
        .collect();
    assert_eq!(ids, ["d", "a", "b"]);
}

#[test]
fn wait_for_repeats_its_children_once_per_iteration_until_the_maximum() {
    let w = |fail: bool| {
        json!([{"id": "w", "type": "io.kestra.plugin.core.flow.WaitFor",
            "condition": "{{ false }}", "failOnMaxReached": fail,
            "checkFrequency": {"maxIterations": 3},
            "tasks": [ret("a"), ret("b")]}, ret("after")])
    };
    let mut s = f(w(true));
    assert_eq!(s.run(200), State::Failed);
    let iterations: Vec<_> = s
        .view
        .task_runs
        .iter()
        .filter(|t| t.task_id == "a")
        .map(|t| t.iteration)
        .collect();
    assert_eq!(iterations, [Some(1), Some(2), Some(3)]);
    assert_eq!(s.states("b").len(), 3);
    assert!(s.states("after").is_empty());
    let mut s = f(w(false));
    assert_eq!(s.run(200), State::Success);
    assert_eq!(s.states("after"), [State::Success]);
}

#[test]
fn wait_for_ends_at_once_when_the_condition_holds_and_fails_with_a_child() {
    let mut s = f(
        json!([{"id": "w", "type": "io.kestra.plugin.core.flow.WaitFor",
        "condition": true, "tasks": [ret("a")]}]),
    );
    assert_eq!(s.run(100), State::Success);
    assert_eq!(s.states("a"), [State::Success]);
    let mut s = f(
        json!([{"id": "w", "type": "io.kestra.plugin.core.flow.WaitFor",
        "condition": "{{ false }}", "tasks": [fail("a"), ret("b")], "errors": [ret("e")]}]),
    );
    assert_eq!(s.run(100), State::Failed);
    assert_eq!(s.states("e"), [State::Success]);
    assert!(s.states("b").is_empty());
}

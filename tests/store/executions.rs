//! Executions and task runs: atomic, version-checked transitions; search; the engine's to-do list.

use super::{log, now};
use baton::store::model::{Dispatch, Execution, Label, Level, State, StateChange, TaskRun};
use baton::store::{ExecutionFilter, LogFilter, Page, Store, StoreError, Transition};
use chrono::TimeDelta;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

pub(super) async fn apply_writes_execution_task_runs_and_logs_together(store: Arc<dyn Store>) {
    let mut execution = Execution::new("company", "flow", 3, now());
    execution.labels = vec![Label::new("team", "data")];
    execution.inputs = json!({"name": "world"});
    execution.trigger = Some(json!({"id": "schedule", "type": "Schedule"}));
    execution.commit = Some("abc123".into());
    let mut run = TaskRun::new(&execution.id, "hello", Dispatch::Inline, now());
    run.value = Some("a".into());
    run.iteration = Some(0);
    let first_log = log(&execution.id, Some(&run), Level::Info, "started");
    store
        .apply(&Transition {
            execution: Some(execution.clone()),
            task_runs: vec![run.clone()],
            logs: vec![first_log],
            release_slot: None,
        })
        .await
        .expect("first transition");
    assert_eq!(
        store.execution(&execution.id).await.expect("read"),
        Some(execution.clone())
    );
    assert_eq!(
        store.task_runs(&execution.id).await.expect("runs"),
        [run.clone()]
    );

    execution.version = 2;
    execution.state = State::Success;
    execution.started = Some(now());
    execution.ended = Some(now());
    execution.outputs = json!({"greeting": "hi"});
    execution.history.push(StateChange {
        state: State::Success,
        date: now(),
    });
    run.state = State::Success;
    run.outputs = json!({"value": 42});
    run.ended = Some(now());
    let second = TaskRun::new(&execution.id, "second", Dispatch::Worker, now());
    store
        .apply(&Transition {
            execution: Some(execution.clone()),
            task_runs: vec![run.clone(), second.clone()],
            logs: vec![log(&execution.id, None, Level::Warn, "done")],
            release_slot: None,
        })
        .await
        .expect("second transition");
    assert_eq!(
        store.execution(&execution.id).await.expect("read"),
        Some(execution.clone())
    );
    assert_eq!(
        store.task_runs(&execution.id).await.expect("runs"),
        [run.clone(), second]
    );
    assert_eq!(store.task_run(&run.id).await.expect("run"), Some(run));
    let logs = store
        .logs(&execution.id, &LogFilter::default())
        .await
        .expect("logs");
    assert_eq!(
        logs.iter().map(|l| l.message.as_str()).collect::<Vec<_>>(),
        ["started", "done"]
    );
    assert_eq!(store.execution("nope").await.expect("read missing"), None);
}

pub(super) async fn conflicting_apply_writes_nothing(store: Arc<dyn Store>) {
    let execution = Execution::new("ns", "flow", 1, now());
    store.create_execution(&execution).await.expect("create");
    assert!(
        matches!(
            store.create_execution(&execution).await,
            Err(StoreError::Conflict { .. })
        ),
        "creating an existing execution conflicts"
    );
    assert!(
        store
            .acquire_slot("ns", "flow", 1, &execution.id)
            .await
            .expect("slot")
    );

    for stale_version in [1, 3] {
        let mut stale = execution.clone();
        stale.version = stale_version;
        stale.state = State::Failed;
        let run = TaskRun::new(&execution.id, "t", Dispatch::Worker, now());
        let result = store
            .apply(&Transition {
                execution: Some(stale),
                task_runs: vec![run.clone()],
                logs: vec![log(&execution.id, Some(&run), Level::Error, "lost")],
                release_slot: Some(execution.id.clone()),
            })
            .await;
        match result {
            Err(StoreError::Conflict {
                execution_id,
                version,
            }) => {
                assert_eq!(execution_id, execution.id);
                assert_eq!(version, stale_version);
            }
            other => panic!("version {stale_version}: expected a conflict, got {other:?}"),
        }
        assert_eq!(store.task_run(&run.id).await.expect("run"), None);
    }
    assert_eq!(
        store.execution(&execution.id).await.expect("read"),
        Some(execution.clone())
    );
    assert!(
        store
            .task_runs(&execution.id)
            .await
            .expect("runs")
            .is_empty()
    );
    assert!(
        store
            .logs(&execution.id, &LogFilter::default())
            .await
            .expect("logs")
            .is_empty()
    );
    assert_eq!(
        store.slot_count("ns", "flow").await.expect("slots"),
        1,
        "slot not released"
    );

    let mut next = execution.clone();
    next.version = 2;
    store
        .apply(&Transition {
            execution: Some(next),
            release_slot: Some(execution.id.clone()),
            ..Transition::default()
        })
        .await
        .expect("the right version applies");
    assert_eq!(
        store.slot_count("ns", "flow").await.expect("slots"),
        0,
        "released with it"
    );
}

pub(super) async fn search_filters_by_namespace_flow_state_time_and_labels(store: Arc<dyn Store>) {
    let t0 = now() - TimeDelta::hours(10);
    let specs = [
        ("company", "a", State::Success, 0, "prod"),
        ("company.team", "a", State::Failed, 1, "prod"),
        ("company.team", "b", State::Running, 2, "dev"),
        ("companyx", "a", State::Success, 3, "prod"),
        ("other", "a", State::Success, 4, "prod"),
    ];
    let mut ids = Vec::new();
    for (ns, flow, state, hour, env) in specs {
        let mut e = Execution::new(ns, flow, 1, t0 + TimeDelta::hours(hour));
        e.state = state;
        e.labels = vec![Label::new("env", env), Label::new("n", hour.to_string())];
        store.create_execution(&e).await.expect("create");
        ids.push(e.id);
    }
    let search = |filter: ExecutionFilter| {
        let store = store.clone();
        async move {
            let found = store
                .search_executions(&filter, Page::first(50))
                .await
                .expect("search");
            let count = store.count_executions(&filter).await.expect("count");
            assert_eq!(
                count,
                found.len() as i64,
                "count agrees with search for {filter:?}"
            );
            let capped = store
                .count_executions_capped(&filter, 2)
                .await
                .expect("capped count");
            assert_eq!(capped, count.min(2), "capped count for {filter:?}");
            let rest = store
                .search_executions(
                    &filter,
                    Page {
                        offset: 1,
                        limit: 50,
                    },
                )
                .await
                .expect("second page");
            let ids = |list: &[Execution]| list.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
            assert_eq!(
                ids(&rest),
                ids(found.get(1..).unwrap_or_default()),
                "offset for {filter:?}"
            );
            found.into_iter().map(|e| e.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        search(ExecutionFilter::default()).await,
        [
            ids[4].clone(),
            ids[3].clone(),
            ids[2].clone(),
            ids[1].clone(),
            ids[0].clone()
        ],
        "newest first"
    );
    let company = ExecutionFilter {
        namespace: Some("company".into()),
        ..Default::default()
    };
    assert_eq!(
        search(company.clone()).await,
        [ids[2].clone(), ids[1].clone(), ids[0].clone()],
        "children, not `companyx`"
    );
    assert_eq!(
        search(ExecutionFilter {
            flow_id: Some("a".into()),
            ..company.clone()
        })
        .await,
        [ids[1].clone(), ids[0].clone()]
    );
    assert_eq!(
        search(ExecutionFilter {
            states: vec![State::Failed, State::Running],
            ..Default::default()
        })
        .await,
        [ids[2].clone(), ids[1].clone()]
    );
    assert_eq!(
        search(ExecutionFilter {
            from: Some(t0 + TimeDelta::hours(1)),
            to: Some(t0 + TimeDelta::hours(3)),
            ..Default::default()
        })
        .await,
        [ids[2].clone(), ids[1].clone()],
        "from is inclusive, to exclusive"
    );
    assert_eq!(
        search(ExecutionFilter {
            labels: vec![Label::new("env", "prod"), Label::new("n", "3")],
            ..Default::default()
        })
        .await,
        [ids[3].clone()]
    );
    assert_eq!(
        search(ExecutionFilter {
            labels: vec![Label::new("env", "dev")],
            ..company
        })
        .await,
        [ids[2].clone()]
    );
    let page = store
        .search_executions(
            &ExecutionFilter::default(),
            Page {
                offset: 1,
                limit: 2,
            },
        )
        .await
        .expect("page");
    assert_eq!(
        page.iter().map(|e| &e.id).collect::<Vec<_>>(),
        [&ids[3], &ids[2]]
    );

    let counts: HashMap<State, i64> = store
        .count_by_state(t0)
        .await
        .expect("counts")
        .into_iter()
        .collect();
    assert_eq!(
        counts,
        HashMap::from([(State::Success, 3), (State::Failed, 1), (State::Running, 1)])
    );
    let recent: HashMap<State, i64> = store
        .count_by_state(t0 + TimeDelta::hours(2))
        .await
        .expect("recent counts")
        .into_iter()
        .collect();
    assert_eq!(
        recent,
        HashMap::from([(State::Success, 2), (State::Running, 1)])
    );
}

pub(super) async fn executions_to_drive_are_the_non_terminal_ones_oldest_first(
    store: Arc<dyn Store>,
) {
    let t0 = now() - TimeDelta::minutes(10);
    let states = [
        State::Running,
        State::Success,
        State::Queued,
        State::Paused,
        State::Killed,
        State::Created,
    ];
    let mut expected = Vec::new();
    for (i, state) in states.into_iter().enumerate() {
        let mut e = Execution::new("ns", "flow", 1, t0 + TimeDelta::seconds(i as i64));
        e.state = state;
        store.create_execution(&e).await.expect("create");
        if !state.is_terminal() {
            expected.push(e.id);
        }
    }
    assert_eq!(
        store.executions_to_drive().await.expect("to drive"),
        expected
    );
}

//! The `Store` contract, written against `Arc<dyn Store>` so that every backend runs the same
//! suite: `backends()` lists the stores to test (SQLite in a temp dir today).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use baton::store::model::{
    Attempt, Dispatch, Execution, FlowSyncStatus, Label, Level, NewLog, NewRevision, State,
    StateChange, SyncStatus, TaskRun, WorkerInfo,
};
use baton::store::sqlite::SqliteStore;
use baton::store::{ExecutionFilter, LogFilter, Page, Store, StoreError, Transition, open_store};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use tempfile::TempDir;

/// A store under test, with whatever must live as long as it.
struct Backend {
    store: Arc<dyn Store>,
    _dir: TempDir,
}

/// Every backend the suite runs on.
async fn backends() -> Vec<Backend> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("baton.db").display());
    let store = SqliteStore::open(&url).await.expect("open sqlite store");
    vec![Backend {
        store: Arc::new(store),
        _dir: dir,
    }]
}

/// One `#[tokio::test]` per check, each running the check on every backend.
macro_rules! store_tests {
    ($($check:ident),* $(,)?) => {
        mod on_every_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    for backend in super::backends().await {
                        super::$check(backend.store.clone()).await;
                    }
                }
            )*
        }
    };
}

store_tests!(
    revisions_are_numbered_and_identical_source_is_deduplicated,
    deleted_flows_leave_the_live_list_but_keep_their_history,
    apply_writes_execution_task_runs_and_logs_together,
    conflicting_apply_writes_nothing,
    search_filters_by_namespace_flow_state_time_and_labels,
    executions_to_drive_are_the_non_terminal_ones_oldest_first,
    concurrent_claims_never_hand_a_task_run_to_two_workers,
    claims_take_only_worker_task_runs_of_the_worker_group,
    expired_leases_are_reported_and_cannot_complete,
    completing_with_the_lease_stores_the_result_once,
    logs_filter_by_task_and_level_and_page_by_id,
    kv_values_expire_after_their_ttl,
    a_trigger_tick_is_recorded_once,
    concurrency_slots_respect_the_limit,
    sync_status_is_replaced_per_repo_and_per_flow,
    workers_register_and_heartbeat,
    purge_removes_old_terminal_executions_in_batches,
    ping_answers,
);

/// Now, at the microsecond precision the store keeps.
fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).expect("now in range")
}

fn revision(namespace: &str, id: &str, source: &str, commit: &str) -> NewRevision {
    NewRevision {
        namespace: namespace.into(),
        id: id.into(),
        source: source.into(),
        commit: Some(commit.into()),
        path: Some(format!("flows/{namespace}/{id}.yaml")),
        author: Some("dev@example.com".into()),
    }
}

fn log(execution_id: &str, run: Option<&TaskRun>, level: Level, message: &str) -> NewLog {
    NewLog {
        execution_id: execution_id.into(),
        task_run_id: run.map(|r| r.id.clone()),
        task_id: run.map(|r| r.task_id.clone()),
        attempt: run.map(|_| 0),
        level,
        message: message.into(),
        timestamp: now(),
    }
}

/// Stores a new execution of `ns.flow` with `count` worker task runs; returns both.
async fn execution_with_worker_runs(
    store: &Arc<dyn Store>,
    ns: &str,
    count: usize,
) -> (Execution, Vec<TaskRun>) {
    let execution = Execution::new(ns, "flow", 1, now());
    let runs: Vec<TaskRun> = (0..count)
        .map(|i| TaskRun::new(&execution.id, format!("t{i}"), Dispatch::Worker, now()))
        .collect();
    store
        .apply(&Transition {
            execution: Some(execution.clone()),
            task_runs: runs.clone(),
            ..Transition::default()
        })
        .await
        .expect("store execution");
    (execution, runs)
}

async fn revisions_are_numbered_and_identical_source_is_deduplicated(store: Arc<dyn Store>) {
    let first = store
        .deploy_revision(revision("company.team", "hello", "id: hello\n", "c1"))
        .await
        .expect("deploy");
    assert_eq!(first.revision, 1);
    assert_eq!(first.commit.as_deref(), Some("c1"));
    assert!(!first.deleted);

    let same = store
        .deploy_revision(revision("company.team", "hello", "id: hello\n", "c2"))
        .await
        .expect("redeploy");
    assert_eq!(
        same, first,
        "identical source returns the live revision unchanged"
    );

    let second = store
        .deploy_revision(revision("company.team", "hello", "id: hello\n# v2\n", "c3"))
        .await
        .expect("deploy v2");
    assert_eq!(second.revision, 2);
    let other = store
        .deploy_revision(revision("company.team", "other", "id: other\n", "c3"))
        .await
        .expect("deploy other");
    assert_eq!(other.revision, 1, "revisions are numbered per flow");

    let all = store
        .flow_revisions("company.team", "hello")
        .await
        .expect("revisions");
    assert_eq!(all.iter().map(|r| r.revision).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(all[0], first);
    assert_eq!(
        store
            .flow_revision("company.team", "hello", 2)
            .await
            .expect("rev 2"),
        Some(second.clone())
    );
    assert_eq!(
        store
            .flow_revision("company.team", "hello", 3)
            .await
            .expect("rev 3"),
        None
    );
    assert_eq!(
        store
            .live_flow("company.team", "hello")
            .await
            .expect("live"),
        Some(second)
    );
}

async fn deleted_flows_leave_the_live_list_but_keep_their_history(store: Arc<dyn Store>) {
    let a = store
        .deploy_revision(revision("ns", "a", "id: a\n", "c1"))
        .await
        .expect("a");
    let b = store
        .deploy_revision(revision("ns", "b", "id: b\n", "c1"))
        .await
        .expect("b");
    let b2 = store
        .deploy_revision(revision("ns", "b", "id: b\n#2\n", "c2"))
        .await
        .expect("b2");
    assert_eq!(
        store.live_flows().await.expect("live"),
        [a.clone(), b2.clone()]
    );

    let tombstone = store
        .delete_flow("ns", "b", Some("c3"))
        .await
        .expect("delete")
        .expect("b was live");
    assert_eq!(tombstone.revision, 3);
    assert!(tombstone.deleted);
    assert_eq!(tombstone.commit.as_deref(), Some("c3"));
    assert_eq!(store.live_flows().await.expect("live"), [a]);
    assert_eq!(store.live_flow("ns", "b").await.expect("live b"), None);
    assert_eq!(
        store
            .delete_flow("ns", "b", None)
            .await
            .expect("delete again"),
        None
    );
    assert_eq!(
        store
            .delete_flow("ns", "missing", None)
            .await
            .expect("missing"),
        None
    );

    let history = store.flow_revisions("ns", "b").await.expect("history");
    assert_eq!(history.len(), 3, "revisions are kept after deletion");
    assert_eq!(history[0], b);

    let back = store
        .deploy_revision(revision("ns", "b", "id: b\n#2\n", "c4"))
        .await
        .expect("back");
    assert_eq!(
        back.revision, 4,
        "re-creating a deleted flow with the same source is a new revision"
    );
    assert_eq!(
        store.live_flow("ns", "b").await.expect("live b"),
        Some(back)
    );
}

async fn apply_writes_execution_task_runs_and_logs_together(store: Arc<dyn Store>) {
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

async fn conflicting_apply_writes_nothing(store: Arc<dyn Store>) {
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

async fn search_filters_by_namespace_flow_state_time_and_labels(store: Arc<dyn Store>) {
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

async fn executions_to_drive_are_the_non_terminal_ones_oldest_first(store: Arc<dyn Store>) {
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

async fn concurrent_claims_never_hand_a_task_run_to_two_workers(store: Arc<dyn Store>) {
    let mut all = Vec::new();
    for _ in 0..4 {
        let (_, runs) = execution_with_worker_runs(&store, "ns", 50).await;
        all.extend(runs.into_iter().map(|r| r.id));
    }
    let mut claimers = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        claimers.push(tokio::spawn(async move {
            let worker = format!("worker-{w}");
            let mut mine = Vec::new();
            loop {
                let batch = store
                    .claim_task_runs(&worker, None, 7, Duration::from_secs(60))
                    .await
                    .expect("claim");
                if batch.is_empty() {
                    return mine;
                }
                for run in &batch {
                    assert_eq!(run.state, State::Running);
                    let attempt = run.attempts.last().expect("an attempt per claim");
                    assert_eq!(attempt.worker_id.as_deref(), Some(worker.as_str()));
                    assert_eq!(run.history.last().map(|h| h.state), Some(State::Running));
                }
                mine.extend(batch.into_iter().map(|r| (worker.clone(), r.id)));
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut claims: HashMap<String, Vec<String>> = HashMap::new();
    for claimer in claimers {
        for (worker, id) in claimer.await.expect("claimer") {
            claims.entry(id).or_default().push(worker);
        }
    }
    assert_eq!(claims.len(), 200, "every task run is claimed");
    for id in &all {
        assert_eq!(claims[id].len(), 1, "{id} claimed by {:?}", claims[id]);
    }
}

async fn claims_take_only_worker_task_runs_of_the_worker_group(store: Arc<dyn Store>) {
    let execution = Execution::new("ns", "flow", 1, now());
    let inline = TaskRun::new(&execution.id, "inline", Dispatch::Inline, now());
    let plain = TaskRun::new(&execution.id, "plain", Dispatch::Worker, now());
    let mut gpu = TaskRun::new(&execution.id, "gpu", Dispatch::Worker, now());
    gpu.worker_group = Some("gpu".into());
    let mut done = TaskRun::new(&execution.id, "done", Dispatch::Worker, now());
    done.state = State::Success;
    store
        .apply(&Transition {
            execution: Some(execution),
            task_runs: vec![inline, plain.clone(), gpu.clone(), done],
            ..Transition::default()
        })
        .await
        .expect("store");
    let lease = Duration::from_secs(60);
    let gpu_claims = store
        .claim_task_runs("w-gpu", Some("gpu"), 10, lease)
        .await
        .expect("claim");
    assert_eq!(
        gpu_claims.iter().map(|r| &r.id).collect::<Vec<_>>(),
        [&gpu.id]
    );
    let plain_claims = store
        .claim_task_runs("w", None, 10, lease)
        .await
        .expect("claim");
    assert_eq!(
        plain_claims.iter().map(|r| &r.id).collect::<Vec<_>>(),
        [&plain.id]
    );
    assert!(
        store
            .claim_task_runs("w", None, 10, lease)
            .await
            .expect("claim")
            .is_empty()
    );
    assert!(
        store
            .claim_task_runs("w", Some("other"), 10, lease)
            .await
            .expect("claim")
            .is_empty()
    );
}

async fn expired_leases_are_reported_and_cannot_complete(store: Arc<dyn Store>) {
    let (_, runs) = execution_with_worker_runs(&store, "ns", 2).await;
    let short = store
        .claim_task_runs("w1", None, 1, Duration::from_millis(100))
        .await
        .expect("claim");
    assert_eq!(short.len(), 1);
    let long = store
        .claim_task_runs("w2", None, 1, Duration::from_secs(60))
        .await
        .expect("claim");
    assert_eq!(long.len(), 1);
    let ids = vec![short[0].id.clone()];
    assert!(
        store
            .expired_leases(now())
            .await
            .expect("expired")
            .is_empty()
    );
    assert!(
        store
            .renew_leases("w2", &ids, Duration::from_millis(100))
            .await
            .expect("renew")
            .is_empty(),
        "another worker cannot renew w1's lease"
    );
    assert_eq!(
        store
            .renew_leases("w1", &ids, Duration::from_millis(100))
            .await
            .expect("renew"),
        ids
    );

    tokio::time::sleep(Duration::from_millis(250)).await;
    let expired = store.expired_leases(now()).await.expect("expired");
    assert_eq!(
        expired.iter().map(|r| &r.id).collect::<Vec<_>>(),
        [&short[0].id]
    );
    assert!(
        store
            .renew_leases("w1", &ids, Duration::from_secs(60))
            .await
            .expect("renew")
            .is_empty()
    );
    let mut result = short[0].clone();
    result.state = State::Success;
    assert!(
        !store
            .complete_task_run("w1", &result)
            .await
            .expect("complete"),
        "lease lost"
    );
    assert_eq!(
        store
            .task_run(&short[0].id)
            .await
            .expect("read")
            .map(|r| r.state),
        Some(State::Running)
    );

    // The engine re-queues it; a new claim hands it to another worker, not to w1.
    let mut requeued = expired[0].clone();
    requeued.state = State::Created;
    store
        .apply(&Transition {
            task_runs: vec![requeued],
            ..Transition::default()
        })
        .await
        .expect("requeue");
    let again = store
        .claim_task_runs("w3", None, 5, Duration::from_secs(60))
        .await
        .expect("claim");
    assert_eq!(
        again.iter().map(|r| &r.id).collect::<Vec<_>>(),
        [&short[0].id]
    );
    assert_eq!(again[0].attempts.len(), 2, "one attempt per claim");
    assert!(
        !store
            .complete_task_run("w1", &result)
            .await
            .expect("complete")
    );
    assert!(runs.iter().any(|r| r.id == long[0].id));
}

async fn completing_with_the_lease_stores_the_result_once(store: Arc<dyn Store>) {
    let (_, _) = execution_with_worker_runs(&store, "ns", 1).await;
    let claimed = store
        .claim_task_runs("w", None, 1, Duration::from_secs(60))
        .await
        .expect("claim");
    let mut result = claimed[0].clone();
    result.state = State::Success;
    result.outputs = json!({"exitCode": 0});
    result.ended = Some(now());
    result.history.push(StateChange {
        state: State::Success,
        date: now(),
    });
    if let Some(attempt) = result.attempts.last_mut() {
        *attempt = Attempt {
            state: State::Success,
            ended: Some(now()),
            ..attempt.clone()
        };
    }
    assert!(
        !store
            .complete_task_run("intruder", &result)
            .await
            .expect("complete")
    );
    assert!(
        store
            .complete_task_run("w", &result)
            .await
            .expect("complete")
    );
    assert_eq!(
        store.task_run(&result.id).await.expect("read"),
        Some(result.clone())
    );
    assert!(
        !store
            .complete_task_run("w", &result)
            .await
            .expect("complete"),
        "the lease is gone"
    );
    assert!(
        store
            .expired_leases(now() + TimeDelta::hours(1))
            .await
            .expect("expired")
            .is_empty()
    );
}

async fn logs_filter_by_task_and_level_and_page_by_id(store: Arc<dyn Store>) {
    let (execution, runs) = execution_with_worker_runs(&store, "ns", 2).await;
    let (other, _) = execution_with_worker_runs(&store, "ns", 0).await;
    let levels = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
    ];
    let mut batch = Vec::new();
    for i in 0..30 {
        let run = &runs[i % 2];
        batch.push(log(
            &execution.id,
            Some(run),
            levels[i % 5],
            &format!("line {i}"),
        ));
    }
    batch.push(log(&other.id, None, Level::Error, "elsewhere"));
    store.append_logs(&batch).await.expect("append");
    store.append_logs(&[]).await.expect("append nothing");

    let all = store
        .logs(&execution.id, &LogFilter::default())
        .await
        .expect("logs");
    assert_eq!(all.len(), 30);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "ids increase");
    assert_eq!(all[7].message, "line 7");
    assert_eq!(all[7].task_run_id.as_deref(), Some(runs[1].id.as_str()));

    let of_run = store
        .logs(
            &execution.id,
            &LogFilter {
                task_run_id: Some(runs[0].id.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("by run");
    assert_eq!(of_run.len(), 15);
    let of_task = store
        .logs(
            &execution.id,
            &LogFilter {
                task_id: Some("t1".into()),
                ..Default::default()
            },
        )
        .await
        .expect("by task");
    assert!(of_task.iter().all(|l| l.task_id.as_deref() == Some("t1")) && of_task.len() == 15);
    let warnings = store
        .logs(
            &execution.id,
            &LogFilter {
                min_level: Some(Level::Warn),
                ..Default::default()
            },
        )
        .await
        .expect("by level");
    assert_eq!(warnings.len(), 12);
    assert!(warnings.iter().all(|l| l.level >= Level::Warn));

    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .logs(
                &execution.id,
                &LogFilter {
                    after_id: after,
                    limit: Some(8),
                    ..Default::default()
                },
            )
            .await
            .expect("page");
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 8);
        after = page.last().map(|l| l.id);
        paged.extend(page);
    }
    assert_eq!(paged, all, "paging by id returns every line once, in order");
}

async fn kv_values_expire_after_their_ttl(store: Arc<dyn Store>) {
    store
        .kv_set("ns", "plain", &json!({"a": 1}), None)
        .await
        .expect("set");
    store
        .kv_set(
            "ns",
            "short",
            &json!("soon gone"),
            Some(Duration::from_millis(100)),
        )
        .await
        .expect("set");
    store
        .kv_set("other", "plain", &json!(2), None)
        .await
        .expect("set");
    assert_eq!(
        store.kv_get("ns", "plain").await.expect("get"),
        Some(json!({"a": 1}))
    );
    assert_eq!(
        store.kv_get("ns", "short").await.expect("get"),
        Some(json!("soon gone"))
    );
    let keys: Vec<_> = store
        .kv_list("ns")
        .await
        .expect("list")
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(keys, ["plain", "short"]);

    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(store.kv_get("ns", "short").await.expect("get"), None);
    let listed = store.kv_list("ns").await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].key.as_str(), &listed[0].value, listed[0].expires),
        ("plain", &json!({"a": 1}), None)
    );
    assert!(
        !store.kv_delete("ns", "short").await.expect("delete"),
        "expired keys are gone"
    );

    store
        .kv_set("ns", "plain", &json!([1, 2]), None)
        .await
        .expect("overwrite");
    assert_eq!(
        store.kv_get("ns", "plain").await.expect("get"),
        Some(json!([1, 2]))
    );
    assert!(store.kv_delete("ns", "plain").await.expect("delete"));
    assert!(!store.kv_delete("ns", "plain").await.expect("delete twice"));
    assert_eq!(store.kv_get("ns", "plain").await.expect("get"), None);
    assert_eq!(
        store.kv_get("other", "plain").await.expect("get"),
        Some(json!(2))
    );
}

async fn a_trigger_tick_is_recorded_once(store: Arc<dyn Store>) {
    let tick = now();
    let mut racers = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            store.record_tick("ns.flow.daily", tick).await
        }));
    }
    let mut firsts = 0;
    for racer in racers {
        if racer.await.expect("racer").expect("record") {
            firsts += 1;
        }
    }
    assert_eq!(firsts, 1, "exactly one caller fires a tick");
    assert!(
        store
            .record_tick("ns.flow.daily", tick + TimeDelta::days(1))
            .await
            .expect("next")
    );
    assert!(
        store
            .record_tick("ns.flow.hourly", tick)
            .await
            .expect("other trigger")
    );

    assert_eq!(
        store.trigger_state_get("ns.flow.daily").await.expect("get"),
        None
    );
    store
        .trigger_state_set("ns.flow.daily", &json!({"next": "2026-01-01"}))
        .await
        .expect("set");
    store
        .trigger_state_set("ns.flow.daily", &json!({"next": "2026-01-02"}))
        .await
        .expect("set");
    assert_eq!(
        store.trigger_state_get("ns.flow.daily").await.expect("get"),
        Some(json!({"next": "2026-01-02"}))
    );
}

async fn concurrency_slots_respect_the_limit(store: Arc<dyn Store>) {
    assert!(store.acquire_slot("ns", "f", 2, "e1").await.expect("e1"));
    assert!(store.acquire_slot("ns", "f", 2, "e2").await.expect("e2"));
    assert!(!store.acquire_slot("ns", "f", 2, "e3").await.expect("e3"));
    assert!(
        store
            .acquire_slot("ns", "f", 2, "e1")
            .await
            .expect("e1 again"),
        "idempotent"
    );
    assert!(
        store
            .acquire_slot("ns", "g", 2, "e4")
            .await
            .expect("other flow")
    );
    assert_eq!(store.slot_count("ns", "f").await.expect("count"), 2);
    assert!(store.release_slot("e1").await.expect("release"));
    assert!(!store.release_slot("e1").await.expect("release twice"));
    assert!(
        store
            .acquire_slot("ns", "f", 2, "e3")
            .await
            .expect("e3 now")
    );

    let mut racers = Vec::new();
    for i in 0..10 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            store.acquire_slot("ns", "race", 3, &format!("r{i}")).await
        }));
    }
    let mut granted = 0;
    for racer in racers {
        if racer.await.expect("racer").expect("acquire") {
            granted += 1;
        }
    }
    assert_eq!(granted, 3);
    assert_eq!(store.slot_count("ns", "race").await.expect("count"), 3);
}

async fn sync_status_is_replaced_per_repo_and_per_flow(store: Arc<dyn Store>) {
    let mut status = SyncStatus {
        repo: "https://git.example.com/flows.git".into(),
        last_applied_revision: None,
        last_attempted_revision: Some("c1".into()),
        condition: "Reconciling".into(),
        reason: "Progressing".into(),
        message: "applying c1".into(),
        updated_at: now(),
    };
    assert_eq!(store.sync_status(&status.repo).await.expect("get"), None);
    store.put_sync_status(&status).await.expect("put");
    status.last_applied_revision = Some("c1".into());
    status.condition = "Ready".into();
    store.put_sync_status(&status).await.expect("replace");
    assert_eq!(
        store.sync_status(&status.repo).await.expect("get"),
        Some(status)
    );

    let flow = |ns: &str, id: &str, condition: &str| FlowSyncStatus {
        namespace: ns.into(),
        flow_id: id.into(),
        path: format!("flows/{ns}/{id}.yaml"),
        last_applied_revision: Some("c1".into()),
        last_attempted_revision: Some("c2".into()),
        condition: condition.into(),
        reason: "ValidationFailed".into(),
        message: "1 error".into(),
        diagnostics: json!([{"line": 3, "message": "unknown task type"}]),
        updated_at: now(),
    };
    store
        .put_flow_sync_status(&flow("b", "x", "Ready"))
        .await
        .expect("put");
    store
        .put_flow_sync_status(&flow("a", "y", "Ready"))
        .await
        .expect("put");
    store
        .put_flow_sync_status(&flow("a", "y", "Stalled"))
        .await
        .expect("replace");
    let all = store.flow_sync_statuses().await.expect("list");
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[0].namespace.as_str(), all[0].condition.as_str()),
        ("a", "Stalled")
    );
    assert_eq!(
        all[0].diagnostics,
        json!([{"line": 3, "message": "unknown task type"}])
    );
    assert!(
        store
            .delete_flow_sync_status("a", "y")
            .await
            .expect("delete")
    );
    assert!(
        !store
            .delete_flow_sync_status("a", "y")
            .await
            .expect("delete twice")
    );
    assert_eq!(store.flow_sync_statuses().await.expect("list").len(), 1);
}

async fn workers_register_and_heartbeat(store: Arc<dyn Store>) {
    let started = now() - TimeDelta::minutes(5);
    let worker = WorkerInfo {
        id: "w1".into(),
        host: "host-a".into(),
        version: "0.1.0".into(),
        group: Some("gpu".into()),
        started,
        last_heartbeat: started,
        running: 0,
    };
    store.register_worker(&worker).await.expect("register");
    assert_eq!(store.workers().await.expect("list"), [worker.clone()]);
    store.worker_heartbeat("w1", 3).await.expect("heartbeat");
    let listed = store.workers().await.expect("list");
    assert_eq!(listed[0].running, 3);
    assert!(listed[0].last_heartbeat > started);
    assert!(matches!(
        store.worker_heartbeat("ghost", 0).await,
        Err(StoreError::NotFound { what: "worker", .. })
    ));
}

async fn purge_removes_old_terminal_executions_in_batches(store: Arc<dyn Store>) {
    let old = now() - TimeDelta::days(40);
    let cutoff = now() - TimeDelta::days(30);
    let mut purged = Vec::new();
    for state in [State::Success, State::Failed, State::Killed] {
        let mut e = Execution::new("ns", "flow", 1, old);
        e.state = state;
        e.ended = Some(old + TimeDelta::minutes(1));
        let run = TaskRun::new(&e.id, "t", Dispatch::Inline, old);
        store
            .apply(&Transition {
                execution: Some(e.clone()),
                logs: vec![log(&e.id, Some(&run), Level::Info, "old")],
                task_runs: vec![run.clone()],
                release_slot: None,
            })
            .await
            .expect("old execution");
        purged.push((e.id, run.id));
    }
    let mut running = Execution::new("ns", "flow", 1, old);
    running.state = State::Running;
    store.create_execution(&running).await.expect("old running");
    let mut recent = Execution::new("ns", "flow", 1, now());
    recent.state = State::Success;
    recent.ended = Some(now());
    store.create_execution(&recent).await.expect("recent");
    assert!(store.record_tick("t", old).await.expect("old tick"));

    assert_eq!(
        store
            .purge_executions_before(cutoff, 2)
            .await
            .expect("purge"),
        2
    );
    assert_eq!(
        store
            .purge_executions_before(cutoff, 2)
            .await
            .expect("purge"),
        1
    );
    assert_eq!(
        store
            .purge_executions_before(cutoff, 2)
            .await
            .expect("purge"),
        0
    );
    for (execution_id, run_id) in &purged {
        assert_eq!(store.execution(execution_id).await.expect("read"), None);
        assert_eq!(store.task_run(run_id).await.expect("read"), None);
        assert!(
            store
                .logs(execution_id, &LogFilter::default())
                .await
                .expect("logs")
                .is_empty()
        );
    }
    let left = store
        .count_executions(&ExecutionFilter::default())
        .await
        .expect("count");
    assert_eq!(left, 2, "running and recent executions stay");
    assert!(store.execution(&running.id).await.expect("read").is_some());
    assert!(
        store.record_tick("t", old).await.expect("old tick"),
        "old ticks are purged too"
    );
}

async fn ping_answers(store: Arc<dyn Store>) {
    store.ping().await.expect("ping");
}

#[tokio::test]
async fn open_store_picks_the_backend_from_the_url() {
    let memory = open_store("sqlite::memory:")
        .await
        .expect("in-memory sqlite");
    memory.ping().await.expect("ping");
    memory
        .kv_set("ns", "k", &json!(1), None)
        .await
        .expect("set");
    assert_eq!(memory.kv_get("ns", "k").await.expect("get"), Some(json!(1)));
    assert!(matches!(
        open_store("postgres://localhost/baton").await,
        Err(StoreError::Unsupported(_))
    ));
    assert!(matches!(
        open_store("mysql://localhost/baton").await,
        Err(StoreError::Unsupported(_))
    ));
}

#[tokio::test]
async fn a_sqlite_file_is_created_and_reopened_with_its_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nested.db");
    let url = format!("sqlite://{}", path.display());
    let first = SqliteStore::open(&url).await.expect("create");
    first
        .deploy_revision(revision("ns", "f", "id: f\n", "c1"))
        .await
        .expect("deploy");
    first.close().await;
    assert!(path.exists());
    let second = SqliteStore::open(&url)
        .await
        .expect("reopen runs migrations again");
    assert_eq!(second.live_flows().await.expect("live").len(), 1);
}

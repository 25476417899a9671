//! The work queue: exclusive claims, worker groups, leases, completion.

use super::{execution_with_worker_runs, now};
use baton::store::model::{
    Attempt, Dispatch, Execution, State, StateChange, TaskRun, TaskRunLease,
};
use baton::store::{Store, Transition};
use chrono::TimeDelta;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub(super) async fn concurrent_claims_never_hand_a_task_run_to_two_workers(store: Arc<dyn Store>) {
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

pub(super) async fn claims_take_only_worker_task_runs_of_the_worker_group(store: Arc<dyn Store>) {
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

pub(super) async fn expired_leases_are_reported_and_cannot_complete(store: Arc<dyn Store>) {
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

pub(super) async fn completing_with_the_lease_stores_the_result_once(store: Arc<dyn Store>) {
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

pub(super) async fn a_task_run_lease_names_its_worker_until_completion(store: Arc<dyn Store>) {
    let (_, runs) = execution_with_worker_runs(&store, "ns", 1).await;
    let id = runs[0].id.clone();
    let queued = store.task_run_lease(&id).await.expect("lease");
    assert_eq!(
        queued,
        Some(TaskRunLease {
            state: State::Created,
            holder: None
        })
    );
    let before = now();
    let claimed = store
        .claim_task_runs("w", None, 1, Duration::from_secs(60))
        .await
        .expect("claim");
    let leased = store
        .task_run_lease(&id)
        .await
        .expect("lease")
        .expect("known");
    assert_eq!(leased.state, State::Running);
    let holder = leased.holder.expect("held");
    assert_eq!(holder.worker_id, "w");
    assert!(
        holder.expires >= before + TimeDelta::seconds(60),
        "{holder:?}"
    );

    let mut result = claimed[0].clone();
    result.state = State::Success;
    assert!(store.complete_task_run("w", &result).await.expect("done"));
    assert_eq!(
        store.task_run_lease(&id).await.expect("lease"),
        Some(TaskRunLease {
            state: State::Success,
            holder: None
        })
    );
    assert_eq!(
        store.task_run_lease("no-such-run").await.expect("lease"),
        None
    );
}

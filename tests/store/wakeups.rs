//! Wake-ups: writes that make work available wake subscribers; failed writes do not.

use super::{execution_with_worker_runs, now};
use baton::store::model::{Dispatch, Execution, State, TaskRun};
use baton::store::{Channel, Store, Subscription, Transition};
use std::sync::Arc;
use std::time::Duration;

/// True if `sub` wakes within `wait`.
pub(super) async fn wakes(sub: &mut Subscription, wait: Duration) -> bool {
    matches!(tokio::time::timeout(wait, sub.notified()).await, Ok(true))
}

pub(super) async fn queued_worker_runs_and_completions_wake_subscribers(store: Arc<dyn Store>) {
    let soon = Duration::from_secs(2);
    let quiet = Duration::from_millis(300);
    let mut workers = store.subscribe(Channel::TaskRunsReady).await.expect("sub");
    let mut engine = store
        .subscribe(Channel::ExecutionsChanged)
        .await
        .expect("sub");

    let (execution, _) = execution_with_worker_runs(&store, "ns", 2).await;
    assert!(wakes(&mut workers, soon).await, "queued runs wake workers");
    assert!(
        wakes(&mut engine, soon).await,
        "a new execution wakes the engine"
    );

    // Inline task runs and a conflicting write wake nobody.
    let mut stale = execution.clone();
    stale.version = 5;
    let conflict = store
        .apply(&Transition {
            execution: Some(stale),
            task_runs: vec![TaskRun::new(&execution.id, "w", Dispatch::Worker, now())],
            ..Transition::default()
        })
        .await;
    assert!(conflict.is_err());
    store
        .apply(&Transition {
            task_runs: vec![TaskRun::new(&execution.id, "i", Dispatch::Inline, now())],
            ..Transition::default()
        })
        .await
        .expect("inline run");
    assert!(!wakes(&mut workers, quiet).await, "nothing new for workers");
    assert!(
        !wakes(&mut engine, quiet).await,
        "nothing new for the engine"
    );

    let claimed = store
        .claim_task_runs("w", None, 1, Duration::from_secs(60))
        .await
        .expect("claim");
    let mut done = claimed[0].clone();
    done.state = State::Success;
    assert!(store.complete_task_run("w", &done).await.expect("complete"));
    assert!(
        wakes(&mut engine, soon).await,
        "a completion wakes the engine"
    );

    store
        .create_execution(&Execution::new("ns", "other", 1, now()))
        .await
        .expect("create");
    assert!(
        wakes(&mut engine, soon).await,
        "create_execution wakes the engine"
    );
}

//! Concurrent writers of one thing: deploys of one flow, engine steps on one execution.

use super::{now, revision};
use baton::store::model::{Execution, State};
use baton::store::{Store, StoreError, Transition};
use std::sync::Arc;

pub(super) async fn concurrent_deploys_number_revisions_once_each(store: Arc<dyn Store>) {
    let mut deployers = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        deployers.push(tokio::spawn(async move {
            let source = format!("id: f\n# v{i}\n");
            store
                .deploy_revision(revision("ns", "f", &source, "c"))
                .await
        }));
    }
    let mut numbers = Vec::new();
    for deployer in deployers {
        numbers.push(deployer.await.expect("deployer").expect("deploy").revision);
    }
    numbers.sort();
    assert_eq!(numbers, (1..=8).collect::<Vec<i64>>());

    let mut same = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        same.push(tokio::spawn(async move {
            store
                .deploy_revision(revision("ns", "g", "id: g\n", "c"))
                .await
        }));
    }
    for deployer in same {
        let deployed = deployer.await.expect("deployer").expect("deploy");
        assert_eq!(deployed.revision, 1, "identical sources deduplicate");
    }
}

pub(super) async fn concurrent_steps_on_one_execution_let_exactly_one_win(store: Arc<dyn Store>) {
    let execution = Execution::new("ns", "flow", 1, now());
    store.create_execution(&execution).await.expect("create");
    let mut steps = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        let mut next = execution.clone();
        next.version = 2;
        next.state = State::Running;
        next.error = Some(format!("step {i}"));
        steps.push(tokio::spawn(async move {
            let result = store.apply(&Transition::execution(next)).await;
            (i, result)
        }));
    }
    let mut winners = Vec::new();
    for step in steps {
        match step.await.expect("step") {
            (i, Ok(())) => winners.push(i),
            (_, Err(StoreError::Conflict { version: 2, .. })) => {}
            (_, Err(other)) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "one step wins: {winners:?}");
    let stored = store
        .execution(&execution.id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(stored.version, 2);
    assert_eq!(stored.error, Some(format!("step {}", winners[0])));
}

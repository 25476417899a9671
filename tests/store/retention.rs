//! Purging old executions.

use super::{log, now};
use baton::store::model::{Dispatch, Execution, Level, State, TaskRun};
use baton::store::{ExecutionFilter, LogFilter, Store, Transition};
use chrono::TimeDelta;
use std::sync::Arc;

pub(super) async fn purge_removes_old_terminal_executions_in_batches(store: Arc<dyn Store>) {
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

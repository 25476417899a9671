//! Purging everything old in batches, in one call.

use super::{log, now};
use baton::store::model::{Dispatch, Execution, Level, State, TaskRun};
use baton::store::{ExecutionFilter, Store, Transition};
use chrono::TimeDelta;
use std::sync::Arc;

pub(super) async fn purge_all_loops_over_batches_until_nothing_old_is_left(store: Arc<dyn Store>) {
    let old = now() - TimeDelta::days(40);
    for _ in 0..7 {
        let mut e = Execution::new("ns", "flow", 1, old);
        e.state = State::Success;
        e.ended = Some(old);
        let run = TaskRun::new(&e.id, "t", Dispatch::Inline, old);
        store
            .apply(&Transition {
                logs: vec![log(&e.id, Some(&run), Level::Info, "old")],
                execution: Some(e),
                task_runs: vec![run],
                release_slot: None,
            })
            .await
            .expect("old execution");
    }
    store
        .create_execution(&Execution::new("ns", "flow", 1, now()))
        .await
        .expect("recent");
    let cutoff = now() - TimeDelta::days(30);
    assert_eq!(store.purge_all_before(cutoff, 3).await.expect("purge"), 7);
    assert_eq!(store.purge_all_before(cutoff, 3).await.expect("again"), 0);
    let left = store
        .count_executions(&ExecutionFilter::default())
        .await
        .expect("count");
    assert_eq!(left, 1);
}

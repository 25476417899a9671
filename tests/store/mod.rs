//! The `Store` contract, written against `Arc<dyn Store>` so that every backend runs the same
//! suite: `backends()` lists the stores to test: SQLite in a temp dir always, and Postgres (in
//! a fresh schema) when `BATON_TEST_POSTGRES_URL` is set.

use std::sync::Arc;

use baton::store::model::{Dispatch, Execution, Level, NewLog, NewRevision, TaskRun};
use baton::store::sqlite::SqliteStore;
use baton::store::{Store, Transition};
use chrono::{DateTime, Utc};
use tempfile::TempDir;

mod corrupt;
mod executions;
mod flows;
mod kv;
mod leases;
mod logs;
mod open;
mod postgres;
mod purge;
mod queue;
mod races;
mod retention;
pub(crate) mod schema;
mod slots;
mod status;
mod tailing;
mod triggers;
mod wakeups;
mod workers;

/// A store under test, with whatever must live as long as it (fields drop in order: the
/// store first, then its directory or schema).
struct Backend {
    store: Arc<dyn Store>,
    _dir: Option<TempDir>,
    _schema: Option<schema::Schema>,
}

/// Connections per Postgres store in the shared suite: enough for its concurrency checks,
/// few enough for many tests at once on one server.
const SUITE_CONNECTIONS: u32 = 6;

/// Every backend the suite runs on.
async fn backends(test: &str) -> Vec<Backend> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("baton.db").display());
    let store = SqliteStore::open(&url).await.expect("open sqlite store");
    let mut backends = vec![Backend {
        store: Arc::new(store),
        _dir: Some(dir),
        _schema: None,
    }];
    if let Some(url) = schema::postgres_url(test) {
        let schema = schema::Schema::create(&url).await;
        let store = schema.store(SUITE_CONNECTIONS).await;
        backends.push(Backend {
            store: Arc::new(store),
            _dir: None,
            _schema: Some(schema),
        });
    }
    backends
}

/// One `#[tokio::test]` per check, each running the check on every backend.
macro_rules! store_tests {
    ($($module:ident::$check:ident),* $(,)?) => {
        mod on_every_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    for backend in super::backends(stringify!($check)).await {
                        super::$module::$check(backend.store.clone()).await;
                    }
                }
            )*
        }
    };
}

store_tests!(
    flows::revisions_are_numbered_and_identical_source_is_deduplicated,
    flows::deleted_flows_leave_the_live_list_but_keep_their_history,
    executions::apply_writes_execution_task_runs_and_logs_together,
    executions::conflicting_apply_writes_nothing,
    executions::search_filters_by_namespace_flow_state_time_and_labels,
    executions::executions_to_drive_are_the_non_terminal_ones_oldest_first,
    queue::concurrent_claims_never_hand_a_task_run_to_two_workers,
    queue::claims_take_only_worker_task_runs_of_the_worker_group,
    queue::expired_leases_are_reported_and_cannot_complete,
    queue::completing_with_the_lease_stores_the_result_once,
    queue::a_task_run_lease_names_its_worker_until_completion,
    logs::logs_filter_by_task_and_level_and_page_by_id,
    kv::kv_values_expire_after_their_ttl,
    triggers::a_trigger_tick_is_recorded_once,
    slots::concurrency_slots_respect_the_limit,
    status::sync_status_is_replaced_per_repo_and_per_flow,
    status::commit_details_of_the_applied_sha_are_kept,
    workers::workers_register_and_heartbeat,
    retention::purge_removes_old_terminal_executions_in_batches,
    open::ping_answers,
    leases::two_contenders_never_both_hold_a_lease,
    leases::a_lease_fails_over_after_expiry_and_its_term_grows,
    wakeups::queued_worker_runs_and_completions_wake_subscribers,
    tailing::tailing_logs_by_id_never_skips_a_line_of_concurrent_writers,
    races::concurrent_deploys_number_revisions_once_each,
    races::concurrent_steps_on_one_execution_let_exactly_one_win,
    purge::purge_all_loops_over_batches_until_nothing_old_is_left,
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

//! Clock jumps under the scheduler (its `ManualClock`), checked from the store: a jump back
//! never fires a tick twice, a jump forward fires the missed ticks per `recoverMissedSchedules`
//! (ALL: each once, LAST: the newest, NONE: only the on-time tick), and after jumping back
//! and forward again every tick date has exactly one execution.

use crate::support::{deploy_dir, finish};
use std::collections::BTreeMap;
use std::sync::Arc;

use baton::deploy::LiveRegistry;
use baton::store::model::Execution;
use baton::store::{ExecutionFilter, Page, Store, open_store};
use baton::trigger::{Launcher, ManualClock, Scheduler, StoreLauncher};
use chrono::{DateTime, Utc};

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().expect("time")
}

fn schedule_flow(id: &str, policy: &str) -> String {
    format!(
        "id: {id}\nnamespace: clock\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: tick\ntriggers:\n  - id: every\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: \"* * * * *\"\n    recoverMissedSchedules: {policy}\n"
    )
}

/// A scheduler over `all`, `last` and `none` flows (one per recovery policy) in a fresh
/// SQLite store, its clock at `start`.
async fn scheduler_at(
    start: &str,
) -> (
    tempfile::TempDir,
    Arc<dyn Store>,
    Scheduler,
    Arc<ManualClock>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    for policy in ["ALL", "LAST", "NONE"] {
        let id = policy.to_lowercase();
        let path = dir.path().join(format!("repo/flows/clock/{id}.yaml"));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, schedule_flow(&id, policy)).expect("write");
    }
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let store = open_store(&url).await.expect("store");
    let registry = Arc::new(LiveRegistry::new());
    deploy_dir(&store, &registry, &dir.path().join("repo"), "r1").await;
    let clock = Arc::new(ManualClock::new(utc(start)));
    let launcher: Arc<dyn Launcher> = Arc::new(StoreLauncher::new(store.clone(), registry.clone()));
    let scheduler = Scheduler::new(store.clone(), registry, launcher, clock.clone());
    (dir, store, scheduler, clock)
}

/// Evaluates at `at`, then ends every started execution (as an engine would) so the next
/// evaluation is not blocked by the no-overlap rule.
async fn evaluate_at(
    store: &Arc<dyn Store>,
    scheduler: &Scheduler,
    clock: &ManualClock,
    at: &str,
) -> Vec<Execution> {
    clock.set(utc(at));
    let fired = scheduler.evaluate().await.expect("evaluate");
    finish(store, &fired).await;
    fired
}

/// Every execution in the store, as flow id -> its tick dates.
async fn ticks_in_store(store: &Arc<dyn Store>) -> BTreeMap<String, Vec<String>> {
    let page = Page {
        offset: 0,
        limit: 10_000,
    };
    let found = store
        .search_executions(&ExecutionFilter::default(), page)
        .await
        .expect("search");
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in found {
        let date = e
            .trigger
            .as_ref()
            .and_then(|t| t["date"].as_str())
            .unwrap_or_default()
            .to_string();
        out.entry(e.flow_id.clone()).or_default().push(date);
    }
    for dates in out.values_mut() {
        dates.sort();
    }
    out
}

fn count(fired: &[Execution], flow: &str) -> usize {
    fired.iter().filter(|e| e.flow_id == flow).count()
}

#[tokio::test]
async fn a_clock_jumping_back_never_fires_a_tick_twice() {
    let (_dir, store, s, clock) = scheduler_at("2025-06-01T10:00:30Z").await;
    assert!(s.evaluate().await.expect("first pass").is_empty());
    let fired = evaluate_at(&store, &s, &clock, "2025-06-01T10:03:10Z").await;
    assert_eq!(count(&fired, "all"), 3, "10:01, 10:02, 10:03");
    // NTP steps the clock back 150 s, then it runs forward through the same minutes again.
    for at in [
        "2025-06-01T10:00:40Z",
        "2025-06-01T10:01:10Z",
        "2025-06-01T10:02:10Z",
        "2025-06-01T10:03:05Z",
    ] {
        let again = evaluate_at(&store, &s, &clock, at).await;
        assert!(again.is_empty(), "at {at} after the jump back: {again:?}");
    }
    let next = evaluate_at(&store, &s, &clock, "2025-06-01T10:04:05Z").await;
    assert_eq!(next.len(), 3, "10:04 fires once per flow");
    let ticks = ticks_in_store(&store).await;
    for (flow, dates) in &ticks {
        let mut unique = dates.clone();
        unique.dedup();
        assert_eq!(&unique, dates, "{flow}: a tick date executed twice");
    }
    assert_eq!(ticks["all"].len(), 4);
}

#[tokio::test]
async fn a_clock_jumping_forward_fires_missed_ticks_per_policy_once() {
    let (_dir, store, s, clock) = scheduler_at("2025-06-01T10:00:30Z").await;
    assert!(s.evaluate().await.expect("first pass").is_empty());
    // The clock leaps 30 minutes (a suspended VM resumes).
    let fired = evaluate_at(&store, &s, &clock, "2025-06-01T10:30:10Z").await;
    assert_eq!(count(&fired, "all"), 30, "ALL: 10:01 .. 10:30");
    assert_eq!(
        count(&fired, "last"),
        2,
        "LAST: the newest missed (10:29) and the on-time 10:30"
    );
    assert_eq!(
        count(&fired, "none"),
        1,
        "NONE: only the on-time 10:30 tick"
    );
    // Back 20 minutes, then forward past the leap: nothing before 10:31 fires again.
    evaluate_at(&store, &s, &clock, "2025-06-01T10:10:00Z").await;
    let after = evaluate_at(&store, &s, &clock, "2025-06-01T10:31:05Z").await;
    assert_eq!(after.len(), 3, "only 10:31, once per flow: {after:?}");
    let ticks = ticks_in_store(&store).await;
    let total: usize = ticks.values().map(Vec::len).sum();
    assert_eq!(total, 30 + 2 + 1 + 3);
    for (flow, dates) in &ticks {
        let mut unique = dates.clone();
        unique.dedup();
        assert_eq!(&unique, dates, "{flow}: a tick date executed twice");
    }
}

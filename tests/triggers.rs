//! Triggers: schedules against an injected clock (DST in Europe/Paris, recovery of missed
//! ticks, no double fire with two schedulers on one database), webhook triggers and flow
//! triggers on the real daemon, and the kestra-compat flow-trigger and webhook flows.

use crate::support::{deploy_dir, executions_of, finish};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use baton::deploy::LiveRegistry;
use baton::engine::{Engine, EngineConfig};
use baton::store::model::{Execution, State};
use baton::store::{ExecutionFilter, Page, Store, open_store};
use baton::template::Renderer;
use baton::trigger::{
    FlowTriggerListener, Launcher, ManualClock, RegistryResolver, Scheduler, StoreLauncher,
};
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::gitops::{Daemon, WorkRepo, eventually};

/// A store and a live registry deployed from flow files (as one daemon of a cluster has).
struct Deployed {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    registry: Arc<LiveRegistry>,
}

/// Deploys `files` into the database at `db` (created when missing).
async fn deploy(db: &Path, files: &[(&str, &str)]) -> Deployed {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    }
    let store = open_store(&format!("sqlite://{}", db.display()))
        .await
        .expect("store");
    let registry = Arc::new(LiveRegistry::new());
    deploy_dir(&store, &registry, dir.path(), "r1").await;
    Deployed {
        _dir: dir,
        store,
        registry,
    }
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().expect("time")
}

fn scheduler(d: &Deployed, clock: &Arc<ManualClock>) -> Scheduler {
    let launcher: Arc<dyn Launcher> =
        Arc::new(StoreLauncher::new(d.store.clone(), d.registry.clone()));
    Scheduler::new(d.store.clone(), d.registry.clone(), launcher, clock.clone())
}

fn schedule_flow(id: &str, cron: &str, extra: &str) -> String {
    format!(
        "id: {id}\nnamespace: sched\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: tick\ntriggers:\n  - id: every\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: \"{cron}\"\n{extra}"
    )
}

fn tick_dates(executions: &[Execution]) -> Vec<String> {
    executions
        .iter()
        .map(|e| {
            e.trigger
                .as_ref()
                .and_then(|t| t["date"].as_str())
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_daily_paris_schedule_fires_once_across_the_spring_gap_and_the_autumn_overlap() {
    let db = tempfile::tempdir().expect("tempdir");
    let flow = schedule_flow(
        "paris",
        "30 2 * * *",
        "    timezone: Europe/Paris\n    recoverMissedSchedules: NONE\n",
    );
    let d = deploy(
        &db.path().join("b.db"),
        &[("flows/sched/paris.yaml", &flow)],
    )
    .await;
    let clock = Arc::new(ManualClock::new(utc("2024-03-30T12:00:00Z")));
    let s = scheduler(&d, &clock);
    assert!(
        s.evaluate().await.expect("eval").is_empty(),
        "first sight does not fire"
    );
    // 02:30 does not exist on 2024-03-31 in Paris: it fires once, at 03:00 CEST (01:00 UTC).
    clock.set(utc("2024-03-31T00:59:00Z"));
    assert!(s.evaluate().await.expect("eval").is_empty());
    clock.set(utc("2024-03-31T01:00:05Z"));
    let fired = s.evaluate().await.expect("eval");
    assert_eq!(tick_dates(&fired), vec!["2024-03-31T01:00:00+00:00"]);
    finish(&d.store, &fired).await;
    clock.set(utc("2024-03-31T23:00:00Z"));
    assert!(s.evaluate().await.expect("eval").is_empty());
    clock.set(utc("2024-04-01T00:30:10Z"));
    assert_eq!(
        tick_dates(&s.evaluate().await.expect("eval")),
        vec!["2024-04-01T00:30:00+00:00"]
    );

    // 02:30 happens twice on 2024-10-27: it fires at the first (CEST, 00:30 UTC) only.
    clock.set(utc("2024-10-26T12:00:00Z"));
    s.evaluate().await.expect("eval");
    let execs = d
        .store
        .search_executions(&ExecutionFilter::default(), Page::first(100))
        .await
        .expect("search");
    finish(
        &d.store,
        &execs
            .into_iter()
            .filter(|e| !e.state.is_terminal())
            .collect::<Vec<_>>(),
    )
    .await;
    clock.set(utc("2024-10-27T00:30:10Z"));
    let fired = s.evaluate().await.expect("eval");
    assert_eq!(tick_dates(&fired), vec!["2024-10-27T00:30:00+00:00"]);
    finish(&d.store, &fired).await;
    clock.set(utc("2024-10-27T01:30:10Z"));
    assert!(
        s.evaluate().await.expect("eval").is_empty(),
        "the repeated 02:30 does not fire again"
    );
    clock.set(utc("2024-10-28T01:30:10Z"));
    assert_eq!(
        tick_dates(&s.evaluate().await.expect("eval")),
        vec!["2024-10-28T01:30:00+00:00"]
    );
}

#[tokio::test]
async fn missed_ticks_are_recovered_all_last_or_none() {
    let db = tempfile::tempdir().expect("tempdir");
    let files = [
        (
            "flows/sched/all.yaml",
            schedule_flow("all", "0 * * * *", ""),
        ),
        (
            "flows/sched/last.yaml",
            schedule_flow("last", "0 * * * *", "    recoverMissedSchedules: LAST\n"),
        ),
        (
            "flows/sched/none.yaml",
            schedule_flow("none", "0 * * * *", "    recoverMissedSchedules: NONE\n"),
        ),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let d = deploy(&db.path().join("b.db"), &refs).await;
    let clock = Arc::new(ManualClock::new(utc("2024-01-01T00:00:30Z")));
    let s = scheduler(&d, &clock);
    assert!(s.evaluate().await.expect("eval").is_empty());
    // Five hours of downtime; the 05:00 tick is on time.
    clock.set(utc("2024-01-01T05:00:30Z"));
    let fired = s.evaluate().await.expect("eval");
    let of = |id: &str| {
        fired
            .iter()
            .filter(|e| e.flow_id == id)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(of("all").len(), 5, "{:?}", tick_dates(&of("all")));
    assert_eq!(
        tick_dates(&of("last")),
        vec!["2024-01-01T04:00:00+00:00", "2024-01-01T05:00:00+00:00"]
    );
    assert_eq!(tick_dates(&of("none")), vec!["2024-01-01T05:00:00+00:00"]);
    // While those run, the next tick does not overlap them.
    clock.set(utc("2024-01-01T06:00:10Z"));
    assert!(
        s.evaluate().await.expect("eval").is_empty(),
        "no overlapping runs"
    );
    finish(&d.store, &fired).await;
    clock.set(utc("2024-01-01T07:00:10Z"));
    assert_eq!(s.evaluate().await.expect("eval").len(), 3);
}

#[tokio::test]
async fn two_schedulers_on_one_database_fire_each_tick_once() {
    let db = tempfile::tempdir().expect("tempdir");
    let flow = schedule_flow("shared", "* * * * *", "");
    let a = deploy(
        &db.path().join("b.db"),
        &[("flows/sched/shared.yaml", &flow)],
    )
    .await;
    let b = deploy(
        &db.path().join("b.db"),
        &[("flows/sched/shared.yaml", &flow)],
    )
    .await;
    let clock = Arc::new(ManualClock::new(utc("2024-05-01T10:00:30Z")));
    let (sa, sb) = (scheduler(&a, &clock), scheduler(&b, &clock));
    sa.evaluate().await.expect("eval");
    sb.evaluate().await.expect("eval");
    for minute in 1..=5 {
        clock.set(utc(&format!("2024-05-01T10:0{minute}:01Z")));
        let (fa, fb) = tokio::join!(sa.evaluate(), sb.evaluate());
        let (fa, fb) = (fa.expect("a"), fb.expect("b"));
        assert_eq!(
            fa.len() + fb.len(),
            1,
            "minute {minute}: {} + {}",
            fa.len(),
            fb.len()
        );
        finish(&a.store, &[fa, fb].concat()).await;
    }
}

#[tokio::test]
async fn a_disabled_schedule_stops_at_once() {
    let db = tempfile::tempdir().expect("tempdir");
    let dbp = db.path().join("b.db");
    let on = schedule_flow("toggle", "* * * * *", "");
    let d = deploy(&dbp, &[("flows/sched/toggle.yaml", &on)]).await;
    let clock = Arc::new(ManualClock::new(utc("2024-05-01T10:00:30Z")));
    let s = scheduler(&d, &clock);
    s.evaluate().await.expect("eval");
    clock.set(utc("2024-05-01T10:01:01Z"));
    let fired = s.evaluate().await.expect("eval");
    assert_eq!(fired.len(), 1);
    finish(&d.store, &fired).await;
    // A new revision with the trigger disabled replaces the registry.
    let off = on.replace(
        "    type: io.kestra.plugin.core.trigger.Schedule\n",
        "    type: io.kestra.plugin.core.trigger.Schedule\n    disabled: true\n",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("flows/sched")).expect("mkdir");
    std::fs::write(dir.path().join("flows/sched/toggle.yaml"), off).expect("write");
    deploy_dir(&d.store, &d.registry, dir.path(), "r2").await;
    clock.set(utc("2024-05-01T10:02:01Z"));
    assert!(s.evaluate().await.expect("eval").is_empty());
}

const COMPAT: &str = "tests/fixtures/kestra-compat/flows/valid";

fn compat(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(COMPAT)
            .join(name),
    )
    .expect("fixture")
}

/// A repo path for a kestra-compat flow (folders follow the namespace).
fn compat_path(namespace: &str, name: &str) -> String {
    format!("flows/{}/{name}", namespace.replace('.', "/"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_with_condition_starts_only_when_the_expression_holds() {
    let repo = WorkRepo::new();
    let sha = repo.commit(
        &[(
            &compat_path("io.kestra.tests", "webhook-with-condition.yaml"),
            Some(&compat("webhook-with-condition.yaml")),
        )],
        "webhook",
    );
    let daemon = Daemon::start(&repo.path().display().to_string(), |_| {}).await;
    daemon
        .wait_flow_at("io.kestra.tests", "webhook-with-condition", &sha)
        .await;
    let url = format!(
        "{}/api/v1/executions/webhook/io.kestra.tests/webhook-with-condition/webhookKey",
        daemon.base
    );
    let yes = daemon
        .client
        .post(&url)
        .json(&serde_json::json!({"hello": "world"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(yes.status(), 200);
    let execution: serde_json::Value = yes.json().await.expect("json");
    assert_eq!(execution["trigger"]["body"]["hello"], "world");
    let no = daemon
        .client
        .post(&url)
        .json(&serde_json::json!({"hello": "webhook"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(no.status(), 204);
    let wrong_key = daemon
        .client
        .post(url.replace("webhookKey", "nope"))
        .json(&serde_json::json!({"hello": "world"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(wrong_key.status(), 404);
    let get = daemon
        .client
        .get(format!("{url}?a=1&a=2"))
        .send()
        .await
        .expect("GET");
    assert_eq!(
        get.status(),
        204,
        "GET without a body does not meet the condition"
    );
    daemon.stop().await;
}

/// The engine, the registry resolver and the flow-trigger listener, as the daemon wires them.
async fn engine_with_listener(d: &Deployed, cancel: &CancellationToken) -> Engine {
    let resolver = Arc::new(RegistryResolver::new(d.registry.clone(), d.store.clone()));
    let files = tempfile::tempdir().expect("tempdir").keep();
    let engine = Engine::new(
        d.store.clone(),
        Renderer::new(),
        resolver,
        EngineConfig {
            data_dir: files,
            ..EngineConfig::default()
        },
    );
    let runner = engine.clone();
    let stop = cancel.child_token();
    tokio::spawn(async move { runner.run(stop).await });
    let launcher: Arc<dyn Launcher> = Arc::new(engine.clone());
    let listener = FlowTriggerListener::new(d.store.clone(), d.registry.clone(), launcher);
    tokio::spawn(listener.run(engine.subscribe_state_changes(), cancel.child_token()));
    engine
}

async fn wait_terminal(store: &Arc<dyn Store>, flow_id: &str, count: usize) -> Vec<Execution> {
    let ok = eventually(Duration::from_secs(20), || async {
        let found = executions_of(store, flow_id).await;
        found.len() >= count && found.iter().all(|e| e.state.is_terminal())
    })
    .await;
    let found = executions_of(store, flow_id).await;
    assert!(
        ok,
        "{flow_id}: {:?}",
        found.iter().map(|e| e.state).collect::<Vec<_>>()
    );
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kestra_flow_triggers_fire_on_upstream_success_as_the_manifest_says() {
    let db = tempfile::tempdir().expect("tempdir");
    let ns = "io.kestra.tests.trigger";
    let names = [
        "trigger-flow.yaml",
        "trigger-flow-listener.yaml",
        "trigger-flow-listener-no-inputs.yaml",
        "trigger-flow-listener-namespace-condition.yaml",
        "trigger-flow-listener-invalid.yaml",
    ];
    let texts: Vec<(String, String)> = names
        .iter()
        .map(|n| (compat_path(ns, n), compat(n)))
        .collect();
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let d = deploy(&db.path().join("b.db"), &refs).await;
    let cancel = CancellationToken::new();
    let engine = engine_with_listener(&d, &cancel).await;
    let upstream = engine
        .start_execution(ns, "trigger-flow", serde_json::Map::new(), Vec::new(), None)
        .await
        .expect("start");
    let upstream = engine.wait_for(&upstream.id).await.expect("wait");
    assert_eq!(upstream.state, State::Success);

    let listener = wait_terminal(&d.store, "trigger-flow-listener", 1).await;
    assert_eq!(listener.len(), 1);
    assert_eq!(listener[0].state, State::Success);
    assert_eq!(
        listener[0].inputs["from-parent"],
        format!("from parents: {}", upstream.id)
    );
    let runs = d.store.task_runs(&listener[0].id).await.expect("task runs");
    assert_eq!(
        runs[0].outputs["value"],
        format!("childs: from parents: {}", upstream.id)
    );
    assert_eq!(
        listener[0].trigger.as_ref().expect("trigger")["executionId"],
        upstream.id.as_str()
    );

    let no_inputs = wait_terminal(&d.store, "trigger-flow-listener-no-inputs", 1).await;
    assert_eq!(no_inputs.len(), 1);
    assert_eq!(no_inputs[0].state, State::Success);

    // It declares a required input its trigger never gives: started anyway, as Kestra does,
    // once per other SUCCESS execution of the namespace (never for its own).
    wait_terminal(&d.store, "trigger-flow-listener-namespace-condition", 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let by_namespace = executions_of(&d.store, "trigger-flow-listener-namespace-condition").await;
    let mut upstreams: Vec<String> = by_namespace
        .iter()
        .map(|e| {
            assert_eq!(e.state, State::Success);
            let trigger = e.trigger.as_ref().expect("trigger");
            assert_eq!(trigger["namespace"], ns);
            trigger["flowId"].as_str().expect("flowId").to_string()
        })
        .collect();
    upstreams.sort();
    assert_eq!(
        upstreams,
        [
            "trigger-flow",
            "trigger-flow-listener",
            "trigger-flow-listener-no-inputs"
        ]
    );
    // `{{ outputs.invalid.value }}` cannot be rendered: nothing starts, the others still do.
    assert!(
        executions_of(&d.store, "trigger-flow-listener-invalid")
            .await
            .is_empty()
    );
    cancel.cancel();
}

/// Executions of `flow_id`, oldest first.
async fn in_order(store: &Arc<dyn Store>, flow_id: &str) -> Vec<Execution> {
    let mut found = executions_of(store, flow_id).await;
    found.sort_by_key(|e| e.created);
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kestra_flow_trigger_sees_each_state_change_through_a_pause() {
    let db = tempfile::tempdir().expect("tempdir");
    let ns = "io.kestra.tests.trigger.pause";
    let names = [
        "trigger-flow-with-pause.yaml",
        "trigger-flow-listener-with-pause.yaml",
    ];
    let texts: Vec<(String, String)> = names
        .iter()
        .map(|n| (compat_path(ns, n), compat(n)))
        .collect();
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let d = deploy(&db.path().join("b.db"), &refs).await;
    let cancel = CancellationToken::new();
    let engine = engine_with_listener(&d, &cancel).await;
    let upstream = engine
        .start_execution(
            ns,
            "trigger-flow-with-pause",
            serde_json::Map::new(),
            Vec::new(),
            None,
        )
        .await
        .expect("start");
    let upstream = engine.wait_for(&upstream.id).await.expect("wait");
    assert_eq!(upstream.state, State::Success);
    assert_eq!(
        d.store.task_runs(&upstream.id).await.expect("runs").len(),
        3
    );

    wait_terminal(&d.store, "trigger-flow-listener-with-pause", 4).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let fired = in_order(&d.store, "trigger-flow-listener-with-pause").await;
    let statuses: Vec<&str> = fired
        .iter()
        .map(|e| {
            assert_eq!(e.state, State::Success);
            assert_eq!(
                e.trigger.as_ref().expect("trigger")["executionId"],
                upstream.id.as_str()
            );
            e.outputs["status"].as_str().expect("status output")
        })
        .collect();
    assert_eq!(statuses, ["RUNNING", "PAUSED", "RUNNING", "SUCCESS"]);
    cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kestra_multiple_condition_ignores_a_failed_upstream() {
    let db = tempfile::tempdir().expect("tempdir");
    let ns = "io.kestra.tests.trigger";
    let names = [
        "trigger-multiplecondition-flow-c.yaml",
        "trigger-multiplecondition-failed.yaml",
        "trigger-flow-listener-namespace-condition.yaml",
    ];
    let mut texts: Vec<(String, String)> = names
        .iter()
        .map(|n| (compat_path(ns, n), compat(n)))
        .collect();
    // Kestra's test runs a flow-d that is not among the fixtures: one Return task.
    texts.push((
        compat_path(ns, "trigger-multiplecondition-flow-d.yaml"),
        format!(
            "id: trigger-multiplecondition-flow-d\nnamespace: {ns}\ntasks:\n  - id: only\n    \
             type: io.kestra.plugin.core.debug.Return\n    format: d\n"
        ),
    ));
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let d = deploy(&db.path().join("b.db"), &refs).await;
    let cancel = CancellationToken::new();
    let engine = engine_with_listener(&d, &cancel).await;
    let c = engine
        .start_execution(
            ns,
            "trigger-multiplecondition-flow-c",
            serde_json::Map::new(),
            Vec::new(),
            None,
        )
        .await
        .expect("c");
    let c = engine.wait_for(&c.id).await.expect("wait c");
    assert_eq!(c.state, State::Failed);
    assert_eq!(d.store.task_runs(&c.id).await.expect("runs").len(), 1);
    tokio::time::sleep(Duration::from_secs(1)).await;
    for listener in [
        "trigger-flow-listener-namespace-condition",
        "trigger-multiplecondition-failed",
    ] {
        assert!(
            executions_of(&d.store, listener).await.is_empty(),
            "{listener} fired on a FAILED upstream"
        );
    }

    let flow_d = engine
        .start_execution(
            ns,
            "trigger-multiplecondition-flow-d",
            serde_json::Map::new(),
            Vec::new(),
            None,
        )
        .await
        .expect("d");
    engine.wait_for(&flow_d.id).await.expect("wait d");
    let fired = wait_terminal(&d.store, "trigger-flow-listener-namespace-condition", 1).await;
    assert_eq!(fired[0].state, State::Success);
    assert_eq!(
        fired[0].trigger.as_ref().expect("trigger")["flowId"],
        "trigger-multiplecondition-flow-d"
    );
    // flow-c never succeeded, so the MultipleCondition (flow-d and flow-c) is not met.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        executions_of(&d.store, "trigger-multiplecondition-failed")
            .await
            .is_empty()
    );
    assert_eq!(
        executions_of(&d.store, "trigger-flow-listener-namespace-condition")
            .await
            .len(),
        1
    );
    cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kestra_multiple_condition_fires_once_both_upstreams_succeeded() {
    let db = tempfile::tempdir().expect("tempdir");
    let ns = "io.kestra.tests.trigger";
    let names = [
        "trigger-multiplecondition-flow-a.yaml",
        "trigger-multiplecondition-flow-b.yaml",
        "trigger-multiplecondition-listener.yaml",
    ];
    let texts: Vec<(String, String)> = names
        .iter()
        .map(|n| (compat_path(ns, n), compat(n)))
        .collect();
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let d = deploy(&db.path().join("b.db"), &refs).await;
    let cancel = CancellationToken::new();
    let engine = engine_with_listener(&d, &cancel).await;
    let a = engine
        .start_execution(
            ns,
            "trigger-multiplecondition-flow-a",
            serde_json::Map::new(),
            Vec::new(),
            None,
        )
        .await
        .expect("a");
    engine.wait_for(&a.id).await.expect("wait a");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        executions_of(&d.store, "trigger-multiplecondition-listener")
            .await
            .is_empty(),
        "a alone does not fire"
    );
    let b = engine
        .start_execution(
            ns,
            "trigger-multiplecondition-flow-b",
            serde_json::Map::new(),
            Vec::new(),
            None,
        )
        .await
        .expect("b");
    engine.wait_for(&b.id).await.expect("wait b");
    let fired = wait_terminal(&d.store, "trigger-multiplecondition-listener", 1).await;
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].state, State::Success);
    assert_eq!(
        fired[0].trigger.as_ref().expect("trigger")["executionId"],
        b.id.as_str()
    );
    cancel.cancel();
}

#[tokio::test]
async fn the_store_launcher_checks_types_and_defaults_inputs_as_the_mode_says() {
    use baton::engine::inputs::Inputs;
    use baton::trigger::TriggerError;
    use serde_json::{Map, Value, json};
    let flow = "id: typed\nnamespace: sched\ninputs:\n  - id: who\n    type: STRING\n  - id: n\n    type: INT\n    defaults: 5\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n";
    let db = tempfile::tempdir().expect("tempdir");
    let d = deploy(&db.path().join("b.db"), &[("flows/sched/typed.yaml", flow)]).await;
    let launcher = StoreLauncher::new(d.store.clone(), d.registry.clone());
    let given = |value: Value| value.as_object().cloned().unwrap_or_else(Map::new);
    let start = |inputs: Inputs| launcher.start("sched", "typed", inputs, Vec::new(), None);

    let started = start(Inputs::Checked(given(json!({"who": "Ann", "x": 1}))))
        .await
        .expect("starts");
    assert_eq!(
        started.inputs,
        json!({"who": "Ann", "n": 5}),
        "defaulted, undeclared dropped"
    );
    let stored = d.store.execution(&started.id).await.expect("read");
    assert_eq!(stored.expect("stored").inputs, started.inputs);

    let refused = start(Inputs::Checked(given(json!({"who": "Ann", "n": "many"})))).await;
    assert!(
        matches!(refused, Err(TriggerError::Inputs(_))),
        "{refused:?}"
    );
    let refused = start(Inputs::Checked(Map::new())).await;
    assert!(
        matches!(refused, Err(TriggerError::Inputs(_))),
        "{refused:?}"
    );
    let as_given = start(Inputs::AsGiven(Map::new())).await.expect("starts");
    assert_eq!(
        as_given.inputs,
        json!({"n": 5}),
        "a missing required input stays unset"
    );
    let all = d
        .store
        .search_executions(&ExecutionFilter::default(), Page::first(10))
        .await
        .expect("search");
    assert_eq!(all.len(), 2, "refused starts store nothing");
}

//! Engine features beyond the kestra-compat suite: WaitFor loops, retries that create new
//! executions, the Resume task, the Toggle task as seen by the scheduler, and `logToFile`.

use crate::support::{deploy_dir, executions_of};
use std::sync::Arc;
use std::time::Duration;

use baton::deploy::LiveRegistry;
use baton::engine::{Engine, EngineConfig};
use baton::store::model::{Execution, State};
use baton::store::{Store, open_store};
use baton::template::Renderer;
use baton::trigger::webhook::{self, WebhookCall, WebhookOutcome};
use baton::trigger::{Launcher, ManualClock, RegistryResolver, Scheduler, StoreLauncher};
use serde_json::{Map, Value, json};

use crate::engine::Harness;

fn outputs_of<'a>(runs: &'a [baton::store::model::TaskRun], task: &str) -> Vec<&'a Value> {
    runs.iter()
        .filter(|t| t.task_id == task)
        .map(|t| &t.outputs)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_loops_until_its_condition_holds_and_counts_iterations() {
    let h = Harness::new().await;
    let flow = r#"
id: loop
namespace: features
tasks:
  - id: w
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ outputs.r.value == '3' }}"
    checkFrequency:
      interval: PT0.05S
    tasks:
      - id: r
        type: io.kestra.plugin.core.debug.Return
        format: "{{ outputs.w.iterationCount }}"
      - id: it
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.iteration }}"
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.w.iterationCount }}"
"#;
    let (e, runs) = h.run(flow, json!({})).await;
    assert_eq!(e.state, State::Success, "{:?}", e.error);
    let values: Vec<&Value> = outputs_of(&runs, "r").iter().map(|o| &o["value"]).collect();
    assert_eq!(values, [&json!("1"), &json!("2"), &json!("3")]);
    let iterations: Vec<&Value> = outputs_of(&runs, "it")
        .iter()
        .map(|o| &o["value"])
        .collect();
    assert_eq!(iterations, [&json!("1"), &json!("2"), &json!("3")]);
    assert_eq!(outputs_of(&runs, "after")[0]["value"], json!("3"));
    let w = runs.iter().find(|t| t.task_id == "w").expect("w");
    assert_eq!(w.outputs["iterationCount"], json!(3));
    assert_eq!(w.state, State::Success);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_reaching_max_iterations_fails_only_with_fail_on_max_reached() {
    let h = Harness::new().await;
    let flow = |fail: bool| {
        format!(
            r#"
id: maxed{fail}
namespace: features
tasks:
  - id: w
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{{{ false }}}}"
    failOnMaxReached: {fail}
    checkFrequency:
      maxIterations: 4
      interval: PT0.01S
    tasks:
      - id: r
        type: io.kestra.plugin.core.debug.Return
        format: x
"#
        )
    };
    let (e, runs) = h.run(&flow(true), json!({})).await;
    assert_eq!(e.state, State::Failed);
    assert_eq!(outputs_of(&runs, "r").len(), 4);
    let w = runs.iter().find(|t| t.task_id == "w").expect("w");
    assert!(
        w.error
            .as_deref()
            .unwrap_or_default()
            .contains("Max iterations reached"),
        "{:?}",
        w.error
    );
    let (e, runs) = h.run(&flow(false), json!({})).await;
    assert_eq!(e.state, State::Success);
    assert_eq!(outputs_of(&runs, "r").len(), 4);
}

/// Waits until `count` executions of the flow exist and all are terminal.
async fn all_terminal(store: &Arc<dyn Store>, flow_id: &str, count: usize) -> Vec<Execution> {
    for _ in 0..300 {
        let found = executions_of(store, flow_id).await;
        if found.len() >= count && found.iter().all(|e| e.state.is_terminal()) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let found = executions_of(store, flow_id).await;
    panic!("{:?}", found.iter().map(|e| e.state).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_new_execution_retries_end_retried_and_the_last_one_fails() {
    let h = Harness::new().await;
    let flow = r#"
id: renew
namespace: features
inputs:
  - id: who
    type: STRING
retry:
  type: constant
  behavior: CREATE_NEW_EXECUTION
  maxAttempts: 3
  interval: PT0.1S
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "no luck {{ inputs.who }}"
"#;
    let (first, runs) = h.run(flow, json!({"who": "Ann"})).await;
    assert_eq!(first.state, State::Retried);
    // Not retried in place: one attempt.
    assert_eq!(runs[0].attempts.len(), 1);
    let all = all_terminal(&h.store, "renew", 3).await;
    let mut states: Vec<State> = all.iter().map(|e| e.state).collect();
    states.sort_by_key(|s| s.as_str());
    assert_eq!(states, [State::Failed, State::Retried, State::Retried]);
    for e in all.iter().filter(|e| e.id != first.id) {
        assert_eq!(e.original_id.as_deref(), Some(first.id.as_str()));
        assert_eq!(e.inputs["who"], json!("Ann"));
    }
    // No fourth execution comes later.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(executions_of(&h.store, "renew").await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_a_crash_left_undone_is_created_once_when_an_engine_starts() {
    let h = Harness::new().await;
    let flow = "id: renewcrash\nnamespace: features\nretry:\n  type: constant\n  behavior: CREATE_NEW_EXECUTION\n  maxAttempts: 2\n  interval: PT0.1S\ntasks:\n  - id: fail\n    type: io.kestra.plugin.core.execution.Fail\n";
    let (first, _) = h.run(flow, json!({})).await;
    assert_eq!(first.state, State::Retried);
    // The retry's id was chosen and stored with the RETRIED state, before the retry existed.
    let recorded = first.variables["$baton"]["retryId"]
        .as_str()
        .expect("retry id recorded")
        .to_owned();
    let all = all_terminal(&h.store, "renewcrash", 2).await;
    assert!(
        all.iter().any(|e| e.id == recorded),
        "the retry runs under its recorded id"
    );

    // What a process killed between storing RETRIED and creating the retry leaves behind.
    let mut orphan = first.clone();
    orphan.id = uuid::Uuid::now_v7().to_string();
    let undone = uuid::Uuid::now_v7().to_string();
    orphan.variables["$baton"]["retryId"] = json!(undone);
    h.store.create_execution(&orphan).await.expect("stored");
    for _ in 0..2 {
        // Each start of the engine's loop looks for undone retries; the second finds none.
        let stop = tokio_util::sync::CancellationToken::new();
        let engine = h.engine.clone();
        let running = tokio::spawn({
            let stop = stop.clone();
            async move { engine.run(stop).await }
        });
        let retried = all_terminal(&h.store, "renewcrash", 4).await;
        stop.cancel();
        running.await.expect("engine loop ends");
        let retry = retried
            .iter()
            .find(|e| e.id == undone)
            .expect("retry created");
        assert_eq!(retry.state, State::Failed, "attempt 2 of 2 is the last");
        assert_eq!(retry.original_id.as_deref(), Some(orphan.id.as_str()));
    }
    assert_eq!(executions_of(&h.store, "renewcrash").await.len(), 4);
}

/// A RETRIED execution of flow `flow` whose recorded retry `retry_id` was never created, with
/// its creation date `created`.
fn undone_retry(first: &Execution, flow: &str, retry_id: &str, created: i64) -> Execution {
    let mut orphan = first.clone();
    orphan.id = uuid::Uuid::now_v7().to_string();
    orphan.flow_id = flow.to_owned();
    orphan.created = first.created + chrono::TimeDelta::milliseconds(created);
    orphan.variables["$baton"]["retryId"] = json!(retry_id);
    orphan
}

/// Runs `engine`'s loop while `body` runs.
async fn with_loop<T>(engine: &Engine, body: impl std::future::Future<Output = T>) -> T {
    let stop = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn({
        let (stop, engine) = (stop.clone(), engine.clone());
        async move { engine.run(stop).await }
    });
    let out = body.await;
    stop.cancel();
    running.await.expect("engine loop ends");
    out
}

const RENEW_LATER: &str = "id: renewlater\nnamespace: features\nretry:\n  type: constant\n  behavior: CREATE_NEW_EXECUTION\n  maxAttempts: 2\n  interval: PT0.1S\ntasks:\n  - id: fail\n    type: io.kestra.plugin.core.execution.Fail\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovering_retries_goes_on_past_one_that_fails() {
    let h = Harness::new().await;
    let (first, _) = h.run(RENEW_LATER, json!({})).await;
    all_terminal(&h.store, "renewlater", 2).await;
    // The newer one's flow is gone, so its retry cannot be created; it is looked at first and
    // must not keep the other from being created (the next recovery is minutes away).
    let good = uuid::Uuid::now_v7().to_string();
    let orphan = undone_retry(&first, "renewlater", &good, 1);
    h.store.create_execution(&orphan).await.expect("stored");
    let broken = undone_retry(&first, "nosuchflow", "never-created", 2);
    h.store.create_execution(&broken).await.expect("stored");
    let retried = with_loop(&h.engine, all_terminal(&h.store, "renewlater", 4)).await;
    let retry = retried
        .iter()
        .find(|e| e.id == good)
        .expect("retry created");
    assert_eq!(retry.original_id.as_deref(), Some(orphan.id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_engine_creates_undone_retries_without_a_restart() {
    let h = Harness::new().await;
    let resolver = Arc::new(baton::engine::StoreFlowResolver::new(Arc::clone(&h.store)));
    let config = EngineConfig {
        data_dir: h._dir.path().join("data"),
        poll_interval: Duration::from_millis(20),
        retry_recovery: Duration::from_millis(200),
    };
    let engine = Engine::new(Arc::clone(&h.store), Renderer::new(), resolver, config);
    let (first, _) = h.run(RENEW_LATER, json!({})).await;
    all_terminal(&h.store, "renewlater", 2).await;
    let good = uuid::Uuid::now_v7().to_string();
    let orphan = undone_retry(&first, "renewlater", &good, 1);
    let retried = with_loop(&engine, async {
        // Left undone while the loop runs (as a failed creation is): the recovery at its start
        // cannot have seen it.
        tokio::time::sleep(Duration::from_millis(100)).await;
        h.store.create_execution(&orphan).await.expect("stored");
        all_terminal(&h.store, "renewlater", 4).await
    })
    .await;
    let retry = retried
        .iter()
        .find(|e| e.id == good)
        .expect("retry created");
    assert_eq!(retry.original_id.as_deref(), Some(orphan.id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_retries_reads_the_recorded_retry() {
    let h = Harness::new().await;
    let flow = "id: follow\nnamespace: features\ntasks:\n  - id: fail\n    type: io.kestra.plugin.core.execution.Fail\n";
    let (done, _) = h.run(flow, json!({})).await;
    // A retry the flow's executions would not reveal (no `originalId` tying it to `old`):
    // only its recorded id leads to it.
    let mut old = done.clone();
    old.id = uuid::Uuid::now_v7().to_string();
    old.state = State::Retried;
    old.variables = json!({"$baton": {"retryId": done.id}});
    let followed = tokio::time::timeout(
        Duration::from_secs(5),
        h.engine.follow_retries(old.clone(), |_, _| {}),
    )
    .await
    .expect("found at once, not after polling a search")
    .expect("followed");
    assert_eq!(followed.id, done.id);
    assert_eq!(followed.state, State::Failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_task_fails_clearly_on_an_execution_that_is_not_paused() {
    let h = Harness::new().await;
    let (done, _) = h
        .run(
            "id: quick\nnamespace: features\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.debug.Return\n    format: x\n",
            json!({}),
        )
        .await;
    let flow = "id: resumer\nnamespace: features\ninputs:\n  - id: target\n    type: STRING\ntasks:\n  - id: resume\n    type: io.kestra.plugin.core.execution.Resume\n    executionId: \"{{ inputs.target }}\"\n";
    let (e, runs) = h.run(flow, json!({"target": done.id})).await;
    assert_eq!(e.state, State::Failed);
    let error = runs[0].error.clone().unwrap_or_default();
    assert!(error.contains("not PAUSED"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_task_resumes_a_pause_of_its_own_execution() {
    let h = Harness::new().await;
    let flow = r#"
id: selfresume
namespace: features
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: wait
        type: io.kestra.plugin.core.flow.Pause
      - id: resume
        type: io.kestra.plugin.core.execution.Resume
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: done
"#;
    let (e, runs) = h.run(flow, json!({})).await;
    assert_eq!(e.state, State::Success, "{:?}", e.error);
    assert_eq!(outputs_of(&runs, "after")[0]["value"], json!("done"));
}

/// A store and a live registry deployed from flow files, and an engine resolving from it.
async fn deployed(
    files: &[(&str, &str)],
) -> (tempfile::TempDir, Arc<dyn Store>, Arc<LiveRegistry>, Engine) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let full = dir.path().join("repo").join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    }
    let store = open_store(&format!("sqlite://{}", dir.path().join("b.db").display()))
        .await
        .expect("store");
    let registry = Arc::new(LiveRegistry::new());
    deploy_dir(&store, &registry, &dir.path().join("repo"), "r1").await;
    let resolver = Arc::new(RegistryResolver::new(registry.clone(), store.clone()));
    let engine = Engine::new(
        store.clone(),
        Renderer::new(),
        resolver,
        EngineConfig {
            data_dir: dir.path().join("data"),
            poll_interval: Duration::from_millis(20),
            ..EngineConfig::default()
        },
    );
    (dir, store, registry, engine)
}

const BAD_SWITCH: &str = "id: badswitch\nnamespace: features\ntasks:\n  - id: toggle\n    type: io.kestra.plugin.core.trigger.Toggle\n    flowId: target\n    trigger: nope\n";

/// Runs the `switch` flow (a Toggle task reading input `on`) to SUCCESS.
async fn run_switch(engine: &Engine, on: bool) {
    let mut inputs = Map::new();
    inputs.insert("on".into(), json!(on));
    let e = engine
        .start_execution("features", "switch", inputs, Vec::new(), None)
        .await
        .expect("starts");
    let done = engine.wait_for(&e.id).await.expect("ends");
    assert_eq!(done.state, State::Success, "{:?}", done.error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_toggled_off_schedule_does_not_fire_until_toggled_on_again() {
    let target = "id: target\nnamespace: features\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: tick\ntriggers:\n  - id: every\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: \"* * * * *\"\n";
    let switch = "id: switch\nnamespace: features\ninputs:\n  - id: on\n    type: BOOLEAN\ntasks:\n  - id: toggle\n    type: io.kestra.plugin.core.trigger.Toggle\n    flowId: target\n    trigger: every\n    enabled: \"{{ inputs.on }}\"\n";
    let (_dir, store, registry, engine) = deployed(&[
        ("flows/features/target.yaml", target),
        ("flows/features/switch.yaml", switch),
        ("flows/features/badswitch.yaml", BAD_SWITCH),
    ])
    .await;
    let clock = Arc::new(ManualClock::new(
        "2026-01-01T00:00:30Z".parse().expect("time"),
    ));
    let launcher: Arc<dyn Launcher> = Arc::new(StoreLauncher::new(store.clone(), registry.clone()));
    let scheduler = Scheduler::new(store.clone(), registry.clone(), launcher, clock.clone());
    assert!(
        scheduler.evaluate().await.expect("eval").is_empty(),
        "first sight"
    );
    run_switch(&engine, false).await;
    clock.set("2026-01-01T00:01:05Z".parse().expect("time"));
    assert!(
        scheduler.evaluate().await.expect("eval").is_empty(),
        "a disabled trigger does not fire"
    );
    run_switch(&engine, true).await;
    clock.set("2026-01-01T00:02:05Z".parse().expect("time"));
    let fired = scheduler.evaluate().await.expect("eval");
    assert_eq!(fired.len(), 1, "enabled again: the 00:02 tick fires");
    // Toggling a trigger the flow does not have fails the task.
    let e = engine
        .start_execution("features", "badswitch", Map::new(), Vec::new(), None)
        .await
        .expect("starts");
    let done = engine.wait_for(&e.id).await.expect("ends");
    assert_eq!(done.state, State::Failed);
    let runs = store.task_runs(&e.id).await.expect("runs");
    let error = runs[0].error.clone().unwrap_or_default();
    assert!(error.contains("unable to find trigger `nope`"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_toggled_webhook_answers_not_found_until_toggled_on_again() {
    // Disabled in YAML, so the toggle is what turns it on first.
    let target = "id: hooked\nnamespace: features\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hook\ntriggers:\n  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: s3cret\n    disabled: true\n";
    let switch = "id: switch\nnamespace: features\ninputs:\n  - id: on\n    type: BOOLEAN\ntasks:\n  - id: toggle\n    type: io.kestra.plugin.core.trigger.Toggle\n    flowId: hooked\n    trigger: hook\n    enabled: \"{{ inputs.on }}\"\n";
    let (_dir, store, registry, engine) = deployed(&[
        ("flows/features/hooked.yaml", target),
        ("flows/features/switch.yaml", switch),
    ])
    .await;
    let launcher: Arc<dyn Launcher> = Arc::new(StoreLauncher::new(store.clone(), registry.clone()));
    let call = || {
        let (registry, store, launcher) = (registry.clone(), store.clone(), launcher.clone());
        async move {
            let call = WebhookCall::default();
            let outcome = webhook::handle(
                &registry,
                store.as_ref(),
                &launcher,
                "features",
                "hooked",
                "s3cret",
                call,
            )
            .await
            .expect("handled");
            matches!(outcome, WebhookOutcome::Started { .. })
        }
    };
    assert!(!call().await, "disabled in YAML: not found");
    run_switch(&engine, true).await;
    assert!(call().await, "toggled on: starts an execution");
    run_switch(&engine, false).await;
    assert!(!call().await, "toggled off again: not found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_key_shared_by_triggers_is_answered_by_the_first_enabled_one() {
    let target = "id: shared\nnamespace: features\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hook\ntriggers:\n  - id: off\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: s3cret\n    disabled: true\n  - id: on\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: s3cret\n";
    let (_dir, store, registry, _engine) =
        deployed(&[("flows/features/shared.yaml", target)]).await;
    let launcher: Arc<dyn Launcher> = Arc::new(StoreLauncher::new(store.clone(), registry.clone()));
    let outcome = webhook::handle(
        &registry,
        store.as_ref(),
        &launcher,
        "features",
        "shared",
        "s3cret",
        WebhookCall::default(),
    )
    .await
    .expect("handled");
    let WebhookOutcome::Started { execution, .. } = outcome else {
        panic!("the enabled trigger answers: {outcome:?}");
    };
    let trigger = execution.trigger.expect("trigger recorded");
    assert_eq!(trigger["id"], json!("on"), "{trigger}");
}

/// The content of a stored `kestra:///` file of the harness.
fn stored(h: &Harness, uri: &Value) -> String {
    let rel = uri.as_str().expect("uri").trim_start_matches("kestra:///");
    std::fs::read_to_string(h._dir.path().join("data").join(rel)).expect("stored file")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_files_share_the_working_directory_and_store_their_outputs() {
    let h = Harness::new().await;
    let flow = r#"
id: files
namespace: features
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      given.txt: "from {{ flow.id }}"
    outputFiles:
      - "*.txt"
    tasks:
      - id: write
        type: io.kestra.plugin.core.storage.LocalFiles
        inputs:
          out/a.txt: "A {{ taskrun.id }}"
          b.txt: plain
      - id: read
        type: io.kestra.plugin.core.storage.LocalFiles
        outputs:
          - out/*
          - given.txt
  - id: end
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.read.uris['out/a.txt'] }}"
"#;
    let (e, runs) = h.run(flow, json!({})).await;
    assert_eq!(e.state, State::Success, "{:?}", e.error);
    let write = runs.iter().find(|t| t.task_id == "write").expect("write");
    let read = &outputs_of(&runs, "read")[0]["uris"];
    assert_eq!(stored(&h, &read["out/a.txt"]), format!("A {}", write.id));
    assert_eq!(stored(&h, &read["given.txt"]), "from files");
    let wd = &outputs_of(&runs, "wd")[0]["outputFiles"];
    let mut names: Vec<&String> = wd.as_object().expect("outputFiles").keys().collect();
    names.sort();
    assert_eq!(names, ["b.txt", "given.txt"]);
    assert_eq!(stored(&h, &wd["b.txt"]), "plain");
    let end = &outputs_of(&runs, "end")[0]["value"];
    assert!(
        end.as_str()
            .unwrap_or_default()
            .starts_with("kestra:///features/files/executions/")
    );
    // The shared directory is gone once the WorkingDirectory ended.
    let wd_run = runs.iter().find(|t| t.task_id == "wd").expect("wd");
    assert!(!h._dir.path().join("data/work").join(&wd_run.id).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_to_file_writes_the_lines_to_a_file_output_instead_of_the_log_table() {
    let h = Harness::new().await;
    let flow = r#"
id: tofile
namespace: features
tasks:
  - id: quiet
    type: io.kestra.plugin.core.log.Log
    logToFile: true
    message:
      - "first {{ flow.id }}"
      - second
  - id: loud
    type: io.kestra.plugin.core.log.Log
    message: visible
"#;
    let (e, runs) = h.run(flow, json!({})).await;
    assert_eq!(e.state, State::Success, "{:?}", e.error);
    let logs = h
        .store
        .logs(&e.id, &baton::store::LogFilter::default())
        .await
        .expect("logs");
    let tasks: Vec<_> = logs.iter().filter_map(|l| l.task_id.as_deref()).collect();
    assert_eq!(tasks, ["loud"]);
    let file = stored(&h, &outputs_of(&runs, "quiet")[0]["logFile"]);
    let lines: Vec<&str> = file.lines().collect();
    assert_eq!(lines.len(), 2, "{file}");
    assert!(lines[0].ends_with("INFO first tofile"), "{file}");
    assert!(lines[1].ends_with("INFO second"), "{file}");
}

#[test]
fn baton_run_follows_create_new_execution_retries_to_the_last_execution() {
    let dir = tempfile::tempdir().expect("tempdir");
    let flow = dir.path().join("renew.yaml");
    std::fs::write(
        &flow,
        "id: renewcli\nnamespace: features\ntasks:\n  - id: fail\n    type: io.kestra.plugin.core.execution.Fail\n    retry:\n      type: constant\n      behavior: CREATE_NEW_EXECUTION\n      maxAttempts: 2\n      interval: PT0.1S\n",
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("run")
        .arg(&flow)
        .arg("--database")
        .arg(format!("sqlite://{}", dir.path().join("b.db").display()))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .expect("baton runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout.matches("ended RETRIED; retried as").count(),
        1,
        "{stdout}"
    );
    assert!(stdout.contains("ended FAILED"), "{stdout}");
}

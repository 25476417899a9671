//! The engine through the real SQLite store: the kestra-compat acceptance suite, the tutorial
//! flow, concurrency limits, kill, restart, subflows and crash recovery.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use baton::engine::{Engine, EngineConfig, StoreFlowResolver, flow_identity};
use baton::engine::view::public_outputs;
use baton::store::model::{Execution, Label, NewRevision, State, TaskRun};
use baton::store::{LogFilter, Store, open_store};
use baton::template::Renderer;
use serde_json::{Map, Value, json};

const COMPAT: &str = "tests/fixtures/kestra-compat";

/// Kestra-compat entries that cannot pass yet, each with its reason.
const SKIPPED: &[(&str, &str)] = &[
    ("waitfor", "WaitFor is not supported yet"),
    ("waitfor-max-duration", "WaitFor is not supported yet"),
    ("waitfor-multiple-tasks", "WaitFor is not supported yet"),
    ("waitfor-no-success", "WaitFor is not supported yet"),
    ("resume-execution", "the Resume task is not supported yet"),
    ("trigger-toggle", "the Toggle task needs the trigger module"),
    ("retry-new-execution-task-attempts", "flow retry CREATE_NEW_EXECUTION is not supported yet"),
    ("retry-new-execution-task-duration", "flow retry CREATE_NEW_EXECUTION is not supported yet"),
];

pub struct Harness {
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    pub _dir: tempfile::TempDir,
}

impl Harness {
    pub async fn new() -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("baton.db").display());
        let store = open_store(&url).await.expect("store opens");
        let engine = engine_on(&store, dir.path());
        Harness { store, engine, _dir: dir }
    }

    pub async fn deploy(&self, path: &Path) -> (String, String) {
        deploy(&self.store, path).await
    }

    pub async fn deploy_source(&self, source: &str) -> (String, String) {
        let (namespace, id) = flow_identity(source).expect("flow has an identity");
        self.store
            .deploy_revision(NewRevision { namespace: namespace.clone(), id: id.clone(), source: source.into(), commit: None, path: None, author: None })
            .await
            .expect("deploys");
        (namespace, id)
    }

    pub async fn run(&self, source: &str, inputs: Value) -> (Execution, Vec<TaskRun>) {
        let (ns, id) = self.deploy_source(source).await;
        let e = self.engine.start_execution(&ns, &id, inputs.as_object().cloned().unwrap_or_default(), Vec::new(), None).await.expect("starts");
        let done = tokio::time::timeout(Duration::from_secs(30), self.engine.wait_for(&e.id)).await.expect("ends in time").expect("ends");
        let runs = self.store.task_runs(&done.id).await.expect("task runs");
        (done, runs)
    }
}

pub fn engine_on(store: &Arc<dyn Store>, data: &Path) -> Engine {
    let resolver = Arc::new(StoreFlowResolver::new(Arc::clone(store)));
    let config = EngineConfig { data_dir: data.join("data"), poll_interval: Duration::from_millis(20) };
    Engine::new(Arc::clone(store), Renderer::new(), resolver, config)
}

async fn deploy(store: &Arc<dyn Store>, path: &Path) -> (String, String) {
    let source = std::fs::read_to_string(path).expect("flow file reads");
    let (namespace, id) = flow_identity(&source).expect("flow has an identity");
    store
        .deploy_revision(NewRevision { namespace: namespace.clone(), id: id.clone(), source, commit: None, path: None, author: None })
        .await
        .expect("deploys");
    (namespace, id)
}

// --- the kestra-compat suite -------------------------------------------------------------------

/// Task types this issue covers (core tasks and flowables; triggers are not run here).
fn in_scope(type_name: &str) -> bool {
    if type_name.contains(".trigger.Schedule") || type_name.ends_with(".trigger.Flow") {
        return true;
    }
    let Some(t) = baton::spec::catalogue::task_type(type_name) else { return false };
    let flowable = t.category == baton::spec::Category::Flowable;
    let kind = t.parse(json!({}));
    let inline = kind.as_ref().is_ok_and(baton::tasks::is_inline);
    let unsupported = ["Resume", "Toggle", "LocalFiles", "WaitFor"].iter().any(|s| type_name.ends_with(s));
    (flowable || inline || type_name.ends_with("Sleep") || type_name.ends_with(".Fetch") || type_name.ends_with(".Log")) && !unsupported
}

struct Scenario {
    id: String,
    file: PathBuf,
    run: Value,
}

fn scenarios() -> (Vec<Scenario>, usize, Vec<String>) {
    let manifest: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(format!("{COMPAT}/manifest.json")).expect("manifest")).expect("manifest JSON");
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut out_of_scope = Vec::new();
    for entry in &manifest {
        let id = entry["id"].as_str().unwrap_or_default().to_string();
        if entry["core_only"] != json!(true) || entry["expect_valid"] != json!(true) || entry.get("run").is_none_or(Value::is_null) {
            continue;
        }
        let types: Vec<&str> = entry["types"].as_array().map(|t| t.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        if !types.iter().all(|t| in_scope(t)) {
            out_of_scope.push(id);
            continue;
        }
        if SKIPPED.iter().any(|(s, _)| *s == id) {
            skipped += 1;
            continue;
        }
        let file = Path::new(COMPAT).join(entry["file"].as_str().unwrap_or_default());
        let mut runs = vec![entry["run"].clone()];
        runs.extend(entry["additional_runs"].as_array().cloned().unwrap_or_default());
        for (i, run) in runs.into_iter().enumerate() {
            out.push(Scenario { id: if i == 0 { id.clone() } else { format!("{id}#{i}") }, file: file.clone(), run });
        }
    }
    (out, skipped, out_of_scope)
}

fn fresh_inputs(run: &Value) -> Map<String, Value> {
    let mut inputs = run["inputs"].as_object().cloned().unwrap_or_default();
    for v in inputs.values_mut() {
        if v == "<fresh random id>" {
            *v = Value::String(uuid::Uuid::new_v4().simple().to_string());
        }
    }
    inputs
}

async fn play(h: &Harness, s: &Scenario) -> Result<(), String> {
    let source = std::fs::read_to_string(&s.file).map_err(|e| e.to_string())?;
    let (ns, id) = flow_identity(&source)?;
    let labels: Vec<Label> = s.run["labels"].as_object().map(|m| m.iter().map(|(k, v)| Label::new(k, v.as_str().unwrap_or_default())).collect()).unwrap_or_default();
    let e = h.engine.start_execution(&ns, &id, fresh_inputs(&s.run), labels, None).await.map_err(|e| e.to_string())?;
    let expected_state = s.run["state"].as_str();
    let followup = &s.run["followup"];
    let wait = |states: Vec<State>| {
        let engine = h.engine.clone();
        let id = e.id.clone();
        async move { tokio::time::timeout(Duration::from_secs(40), engine.wait_for_state(&id, &states)).await.map_err(|_| format!("did not reach {states:?} in time"))?.map_err(|e| e.to_string()) }
    };
    let terminal: Vec<State> = baton::store::model::ALL_STATES.into_iter().filter(|s| s.is_terminal()).collect();
    let mut done = match expected_state {
        Some("PAUSED") => wait(vec![State::Paused]).await?,
        Some("RUNNING") => {
            let e = wait(vec![State::Running]).await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
            e
        }
        _ => wait(terminal.clone()).await?,
    };
    if let Some(state) = expected_state
        && done.state.as_str() != state
    {
        return Err(format!("state {} (error {:?}), expected {state}", done.state, done.error));
    }
    let runs = h.store.task_runs(&done.id).await.map_err(|e| e.to_string())?;
    check(&s.run, &done, &runs)?;
    if followup.is_object() {
        let action = followup["action"].as_str().unwrap_or_default();
        if action.contains("restart") {
            h.engine.restart(&done.id).await.map_err(|e| e.to_string())?;
            tokio::time::sleep(Duration::from_millis(50)).await;
        } else if action.contains("kill") {
            h.engine.kill(&done.id).await.map_err(|e| e.to_string())?;
        } else {
            h.engine.resume(&done.id, Map::new()).await.map_err(|e| e.to_string())?;
        }
        done = wait(terminal).await?;
        if let Some(state) = followup["state"].as_str()
            && done.state.as_str() != state
        {
            return Err(format!("after follow-up: state {} (error {:?}), expected {state}", done.state, done.error));
        }
        let runs = h.store.task_runs(&done.id).await.map_err(|e| e.to_string())?;
        check(followup, &done, &runs).map_err(|e| format!("after follow-up: {e}"))?;
    }
    Ok(())
}

fn check(run: &Value, e: &Execution, runs: &[TaskRun]) -> Result<(), String> {
    if let Some(n) = run["task_runs"].as_u64()
        && runs.len() as u64 != n
    {
        let ids: Vec<String> = runs.iter().map(|t| format!("{}={}", t.task_id, t.state)).collect();
        return Err(format!("{} task runs, expected {n}: {ids:?}", runs.len()));
    }
    for (task, state) in run["task_states"].as_object().into_iter().flatten() {
        let found: Vec<&str> = runs.iter().filter(|t| &t.task_id == task).map(|t| t.state.as_str()).collect();
        if !found.contains(&state.as_str().unwrap_or_default()) {
            return Err(format!("task `{task}` states {found:?}, expected {state}"));
        }
    }
    for (key, n) in run["attempts"].as_object().into_iter().flatten() {
        let tr = task_run(runs, key).ok_or_else(|| format!("no task run `{key}`"))?;
        if tr.attempts.len() as u64 != n.as_u64().unwrap_or_default() {
            return Err(format!("`{key}` has {} attempts, expected {n}", tr.attempts.len()));
        }
    }
    for (key, expected) in run["outputs"].as_object().into_iter().flatten() {
        let (head, path) = split_key(key);
        let tr = task_run(runs, head).ok_or_else(|| format!("no task run `{head}` for output `{key}`"))?;
        let mut v = public_outputs(tr);
        for seg in path {
            v = v.get(seg).cloned().unwrap_or(Value::Null);
        }
        matches(&v, expected).map_err(|m| format!("output `{key}` = {v}: {m}"))?;
    }
    for (key, expected) in run["expected_labels"].as_object().into_iter().flatten() {
        if key.starts_with("system.") {
            continue;
        }
        let expected = expected.as_str().unwrap_or_default();
        let want = if let Some(task) = expected.strip_prefix("<task run id of ").and_then(|s| s.strip_suffix('>')) {
            runs.iter().find(|t| t.task_id == task).map(|t| t.id.clone()).unwrap_or_default()
        } else if expected == "<execution id>" {
            e.id.clone()
        } else {
            expected.to_string()
        };
        let got = e.labels.iter().find(|l| &l.key == key).map(|l| l.value.clone());
        if got.as_deref() != Some(want.as_str()) {
            return Err(format!("label `{key}` = {got:?}, expected {want}"));
        }
    }
    for (pos, task) in run["task_run_order"].as_object().into_iter().flatten() {
        let i: usize = pos.parse().unwrap_or_default();
        let got = runs.get(i).map(|t| t.task_id.as_str());
        if got != task.as_str() {
            return Err(format!("task run {i} is {got:?}, expected {task}"));
        }
    }
    Ok(())
}

fn split_key(key: &str) -> (&str, Vec<&str>) {
    if let Some(rest) = key.strip_prefix("$taskRunList[") {
        let close = rest.find(']').unwrap_or(0);
        let head = &key[..close + 14];
        let tail = rest[close + 1..].trim_start_matches('.');
        return (head, tail.split('.').filter(|s| !s.is_empty()).collect());
    }
    let mut parts = key.split('.');
    let head = parts.next().unwrap_or_default();
    (head, parts.collect())
}

fn task_run<'a>(runs: &'a [TaskRun], key: &str) -> Option<&'a TaskRun> {
    if let Some(i) = key.strip_prefix("$taskRunList[").and_then(|r| r.strip_suffix(']')) {
        return runs.get(i.parse::<usize>().ok()?);
    }
    runs.iter().rev().find(|t| t.task_id == key)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn matches(v: &Value, expected: &Value) -> Result<(), String> {
    if let Value::Object(m) = expected {
        if let Some(c) = m.get("contains") {
            return if text(v).contains(&text(c)) { Ok(()) } else { Err(format!("does not contain {c}")) };
        }
        if let Some(c) = m.get("startsWith") {
            return if text(v).starts_with(&text(c)) { Ok(()) } else { Err(format!("does not start with {c}")) };
        }
        if m.contains_key("notNull") {
            return if v.is_null() { Err("is null".into()) } else { Ok(()) };
        }
        if let Some(secs) = m.get("withinSecondsOfNow").and_then(Value::as_i64) {
            let d = chrono::DateTime::parse_from_rfc3339(&text(v)).map_err(|e| e.to_string())?;
            let age = (chrono::Utc::now() - d.with_timezone(&chrono::Utc)).num_seconds().abs();
            return if age <= secs { Ok(()) } else { Err(format!("{age}s from now")) };
        }
    }
    if expected == "MISSING" {
        return if v.is_null() { Ok(()) } else { Err("should be missing".into()) };
    }
    if v == expected || text(v) == text(expected) { Ok(()) } else { Err(format!("expected {expected}")) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kestra_compat_core_flows_end_as_kestra_says() {
    let h = Harness::new().await;
    for entry in std::fs::read_dir(format!("{COMPAT}/flows/valid")).expect("valid flows") {
        let path = entry.expect("entry").path();
        let source = std::fs::read_to_string(&path).expect("reads");
        if let Ok((namespace, id)) = flow_identity(&source) {
            let _ = h.store.deploy_revision(NewRevision { namespace, id, source, commit: None, path: None, author: None }).await;
        }
    }
    let (scenarios, skipped, out_of_scope) = scenarios();
    let results = futures::future::join_all(scenarios.iter().map(|s| async {
        let r = tokio::time::timeout(Duration::from_secs(60), play(&h, s)).await.unwrap_or_else(|_| Err("timed out".into()));
        (s.id.clone(), r)
    }))
    .await;
    let failures: Vec<String> = results.iter().filter_map(|(id, r)| r.as_ref().err().map(|e| format!("{id}: {e}"))).collect();
    println!(
        "kestra-compat: {} passed, {} failed, {} skipped (listed), {} out of scope ({})",
        results.len() - failures.len(),
        failures.len(),
        skipped,
        out_of_scope.len(),
        out_of_scope.join(", ")
    );
    for (id, reason) in SKIPPED {
        println!("  skipped {id}: {reason}");
    }
    assert!(failures.is_empty(), "failing scenarios:\n{}", failures.join("\n"));
}

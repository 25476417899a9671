//! The worker against the real SQLite store: task runs inserted with a payload, as an engine in
//! another process would, are claimed, run, logged and completed; leases, kills and payload-less
//! task runs. `Harness` is shared by the script and HTTP task tests.

use std::sync::Arc;
use std::time::{Duration, Instant};

use baton::files::FileStore;
use baton::store::model::{Dispatch, Execution, LogEntry, State, TaskRun, WorkerPayload};
use baton::store::sqlite::SqliteStore;
use baton::store::{LogFilter, Store, Transition};
use baton::tasks::{DirNamespaceFiles, NamespaceFiles};
use baton::worker::{Worker, WorkerConfig, WorkerError};
use chrono::Utc;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Namespace of every test execution.
pub const NAMESPACE: &str = "company.team";
/// Flow id of every test execution.
pub const FLOW: &str = "worker_test";

/// A real SQLite store, a file store and a running worker in a temp dir.
pub struct Harness {
    pub store: Arc<dyn Store>,
    pub files: FileStore,
    pub dir: TempDir,
    pub execution: Execution,
    pub db_url: String,
    pub worker_id: String,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<Result<(), WorkerError>>>,
}

impl Harness {
    /// A harness whose worker uses test-friendly timings.
    pub async fn start() -> Harness {
        Harness::start_with(|_| {}, None).await
    }

    /// A harness whose worker config is adjusted by `adjust`, with optional namespace files.
    pub async fn start_with(
        adjust: impl FnOnce(&mut WorkerConfig),
        namespace_files: Option<Arc<dyn NamespaceFiles>>,
    ) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = format!("sqlite://{}", dir.path().join("baton.db").display());
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db_url).await.expect("open store"));
        let files = FileStore::new(dir.path().join("files"));
        let execution = Execution::new(NAMESPACE, FLOW, 1, Utc::now());
        store.create_execution(&execution).await.expect("execution");
        let mut config = WorkerConfig {
            threads: 4,
            data_dir: dir.path().join("data"),
            heartbeat: Duration::from_millis(200),
            poll: Duration::from_millis(20),
            max_poll: Duration::from_millis(100),
            shutdown_grace: Duration::from_secs(5),
            ..WorkerConfig::default()
        };
        adjust(&mut config);
        let mut worker = Worker::new(Arc::clone(&store), files.clone(), config);
        if let Some(namespace_files) = namespace_files {
            worker = worker.with_namespace_files(namespace_files);
        }
        let worker_id = worker.id().to_owned();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(worker.run(async move {
            let _ = stopped.await;
        }));
        Harness {
            store,
            files,
            dir,
            execution,
            db_url,
            worker_id,
            shutdown: Some(shutdown),
            handle: Some(handle),
        }
    }

    /// Queues `task` for a worker with the template context `vars`; returns the task run id.
    pub async fn submit(&self, task: Value, vars: Value) -> String {
        let task = task.as_object().cloned().expect("task is an object");
        let task_id = task["id"].as_str().expect("task id").to_owned();
        let mut run = TaskRun::new(&self.execution.id, &task_id, Dispatch::Worker, Utc::now());
        let mut vars = vars.as_object().cloned().unwrap_or_default();
        vars.entry("flow")
            .or_insert(json!({"namespace": NAMESPACE, "id": FLOW}));
        vars.entry("execution")
            .or_insert(json!({"id": self.execution.id}));
        vars.entry("task")
            .or_insert(json!({"id": task_id, "type": task["type"]}));
        vars.entry("taskrun").or_insert(json!({"id": run.id}));
        run.payload = Some(
            WorkerPayload {
                task,
                vars: Value::Object(vars),
                namespace: NAMESPACE.to_owned(),
                flow_id: FLOW.to_owned(),
            }
            .to_value(),
        );
        let id = run.id.clone();
        self.insert(run).await;
        id
    }

    /// Inserts a task run as it is.
    pub async fn insert(&self, run: TaskRun) {
        self.store
            .apply(&Transition {
                task_runs: vec![run],
                ..Transition::default()
            })
            .await
            .expect("insert task run");
    }

    /// Waits until the task run is terminal (at most `limit`).
    pub async fn wait_for(&self, id: &str, limit: Duration) -> TaskRun {
        let start = Instant::now();
        loop {
            let run = self
                .store
                .task_run(id)
                .await
                .expect("read")
                .expect("exists");
            if run.state.is_terminal() {
                return run;
            }
            assert!(
                start.elapsed() < limit,
                "task run {id} still {:?} after {limit:?}",
                run.state
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until the task run is terminal (at most a minute).
    pub async fn wait(&self, id: &str) -> TaskRun {
        self.wait_for(id, Duration::from_secs(60)).await
    }

    /// Submits and waits.
    pub async fn run(&self, task: Value, vars: Value) -> TaskRun {
        let id = self.submit(task, vars).await;
        self.wait(&id).await
    }

    /// The stored log lines of a task run.
    pub async fn logs(&self, task_run_id: &str) -> Vec<LogEntry> {
        self.store
            .logs(
                &self.execution.id,
                &LogFilter {
                    task_run_id: Some(task_run_id.to_owned()),
                    ..LogFilter::default()
                },
            )
            .await
            .expect("logs")
    }

    /// The stored log messages of a task run, joined by newlines.
    pub async fn log_text(&self, task_run_id: &str) -> String {
        self.logs(task_run_id)
            .await
            .into_iter()
            .map(|l| l.message)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Stops the worker and waits for it.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("worker task").expect("worker run");
        }
    }
}

/// The template context of a task whose earlier tasks produced `outputs`.
pub fn vars_with_outputs(outputs: Value) -> Value {
    json!({ "outputs": outputs })
}

/// A `TaskRun` output value, failing with the run's error when missing.
pub fn output<'a>(run: &'a TaskRun, pointer: &str) -> &'a Value {
    run.outputs.pointer(pointer).unwrap_or_else(|| {
        panic!(
            "no output {pointer} in {} (state {:?}, error {:?})",
            run.outputs, run.state, run.error
        )
    })
}

fn shell(id: &str, commands: &[&str]) -> Value {
    json!({"id": id, "type": "io.kestra.plugin.scripts.shell.Commands", "commands": commands})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shell_commands_claimed_from_the_store_succeed_with_outputs_and_logs() {
    let h = Harness::start().await;
    let run = h
        .run(
            shell(
                "hello",
                &[
                    "echo 'hello {{ flow.namespace }}'",
                    "echo '::{\"outputs\":{\"answer\":42}}::'",
                ],
            ),
            json!({}),
        )
        .await;
    assert_eq!(run.state, State::Success, "error: {:?}", run.error);
    assert_eq!(output(&run, "/vars/answer"), &json!(42));
    assert_eq!(output(&run, "/exitCode"), &json!(0));
    let attempt = run.attempts.last().expect("attempt");
    assert_eq!(attempt.worker_id.as_deref(), Some(h.worker_id.as_str()));
    assert_eq!(attempt.state, State::Success);
    assert!(h.log_text(&run.id).await.contains("hello company.team"));
    let history: Vec<State> = run.history.iter().map(|c| c.state).collect();
    assert_eq!(history, [State::Created, State::Running, State::Success]);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn log_to_file_sends_a_worker_tasks_lines_to_a_file_output_not_the_log_table() {
    let h = Harness::start().await;
    let mut task = shell("quiet", &["echo 'to the file'", "echo 'on stderr' >&2"]);
    task["logToFile"] = json!(true);
    let run = h.run(task, json!({})).await;
    assert_eq!(run.state, State::Warning, "stderr output: {:?}", run.error);
    assert!(h.logs(&run.id).await.is_empty(), "no line in the log table");
    let uri = output(&run, "/logFile").as_str().expect("a URI");
    assert!(uri.ends_with("/attempt-0.log"), "{uri}");
    let path = h.files.root.join(uri.trim_start_matches("kestra:///"));
    let file = std::fs::read_to_string(&path).expect("log file");
    // stdout and stderr are separate pipes: their lines may come in either order.
    let mut lines: Vec<&str> = file
        .lines()
        .map(|l| l.split_once(' ').map_or(l, |x| x.1))
        .collect();
    lines.sort();
    assert_eq!(lines, ["INFO to the file", "WARN on stderr"], "{file}");
    // Without logToFile, the same task logs to the table and has no file.
    let run = h
        .run(shell("loud", &["echo 'to the table'"]), json!({}))
        .await;
    assert!(h.log_text(&run.id).await.contains("to the table"));
    assert!(run.outputs.get("logFile").is_none());
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_worker_registers_and_heartbeats() {
    let h = Harness::start().await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let workers = h.store.workers().await.expect("workers");
    let me = workers
        .iter()
        .find(|w| w.id == h.worker_id)
        .expect("registered");
    assert!(me.last_heartbeat > me.started, "{me:?}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_task_run_without_payload_fails_with_a_clear_error() {
    let h = Harness::start().await;
    let run = TaskRun::new(&h.execution.id, "orphan", Dispatch::Worker, Utc::now());
    let id = run.id.clone();
    h.insert(run).await;
    let run = h.wait(&id).await;
    assert_eq!(run.state, State::Failed);
    assert!(
        run.error
            .as_deref()
            .is_some_and(|e| e.contains("no payload")),
        "{:?}",
        run.error
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn task_runs_run_concurrently_up_to_the_thread_count() {
    let h = Harness::start_with(|c| c.threads = 3, None).await;
    let start = Instant::now();
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            h.submit(shell(&format!("s{i}"), &["sleep 1"]), json!({}))
                .await,
        );
    }
    for id in &ids {
        assert_eq!(h.wait(id).await.state, State::Success);
    }
    assert!(
        start.elapsed() < Duration::from_millis(2500),
        "3 one-second tasks on 3 threads took {:?}",
        start.elapsed()
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_task_run_marked_killing_is_stopped_and_reported_killed() {
    let h = Harness::start().await;
    let id = h.submit(shell("long", &["sleep 30"]), json!({})).await;
    let running = wait_state(&h, &id, State::Running).await;
    // The engine's kill: the stored task run goes to KILLING (the lease is kept by upserts).
    let mut killing = running.clone();
    killing.state = State::Killing;
    h.insert(killing).await;
    let start = Instant::now();
    let run = h.wait_for(&id, Duration::from_secs(15)).await;
    assert_eq!(run.state, State::Killed, "error: {:?}", run.error);
    assert!(start.elapsed() < Duration::from_secs(10));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lost_lease_stops_the_task_and_its_result_is_never_reported() {
    let h = Harness::start().await;
    let marker = h.dir.path().join("finished");
    let id = h
        .submit(
            shell("lease", &[&format!("sleep 4; touch {}", marker.display())]),
            json!({}),
        )
        .await;
    wait_state(&h, &id, State::Running).await;
    // Expire the lease in the database, as if the worker had been partitioned away too long.
    let pool = sqlx::SqlitePool::connect(&h.db_url).await.expect("connect");
    sqlx::query("UPDATE task_runs SET lease_expires = 0 WHERE id = ?")
        .bind(&id)
        .execute(&pool)
        .await
        .expect("expire lease");
    let expired = h
        .store
        .expired_leases(Utc::now())
        .await
        .expect("expired leases");
    assert!(expired.iter().any(|r| r.id == id));
    tokio::time::sleep(Duration::from_secs(5)).await;
    let run = h.store.task_run(&id).await.expect("read").expect("exists");
    assert_eq!(run.state, State::Running, "the worker must not report it");
    assert!(run.ended.is_none());
    assert!(!marker.exists(), "the task must have been stopped");
    h.stop().await;
}

/// Waits until the task run reaches `state`.
pub async fn wait_state(h: &Harness, id: &str, state: State) -> TaskRun {
    let start = Instant::now();
    loop {
        let run = h.store.task_run(id).await.expect("read").expect("exists");
        if run.state == state {
            return run;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "task run {id} never reached {state:?} (is {:?})",
            run.state
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A namespace-files source over a repository directory.
pub fn repo_namespace_files(root: &std::path::Path) -> Arc<dyn NamespaceFiles> {
    Arc::new(DirNamespaceFiles::new(root))
}

/// An engine and a worker that share nothing but the SQLite database file (each opens its own
/// connection pool, as two processes would).
pub struct EngineAndWorker {
    pub engine: baton::engine::Engine,
    pub engine_store: Arc<dyn Store>,
    pub worker: Harness,
}

impl EngineAndWorker {
    /// Starts both over a fresh database.
    pub async fn start() -> EngineAndWorker {
        let worker = Harness::start().await;
        let engine_store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(&worker.db_url)
                .await
                .expect("second connection"),
        );
        let resolver = Arc::new(baton::engine::StoreFlowResolver::new(Arc::clone(
            &engine_store,
        )));
        let config = baton::engine::EngineConfig {
            data_dir: worker.dir.path().join("files"),
            ..baton::engine::EngineConfig::default()
        };
        let engine = baton::engine::Engine::new(
            Arc::clone(&engine_store),
            baton::template::Renderer::new(),
            resolver,
            config,
        );
        EngineAndWorker {
            engine,
            engine_store,
            worker,
        }
    }

    /// Deploys a flow source; returns (namespace, id).
    pub async fn deploy(&self, source: &str) -> (String, String) {
        let (namespace, id) = baton::engine::flow_identity(source).expect("flow identity");
        self.engine_store
            .deploy_revision(baton::store::model::NewRevision {
                namespace: namespace.clone(),
                id: id.clone(),
                source: source.to_owned(),
                commit: None,
                path: None,
                author: None,
            })
            .await
            .expect("deploy");
        (namespace, id)
    }

    /// Runs one execution of a deployed flow to its end.
    pub async fn execute(
        &self,
        flow: &(String, String),
        inputs: serde_json::Map<String, Value>,
    ) -> (Execution, Vec<TaskRun>) {
        let execution = self
            .engine
            .start_execution(&flow.0, &flow.1, inputs, Vec::new(), None)
            .await
            .expect("start");
        let done = tokio::time::timeout(
            Duration::from_secs(120),
            self.engine.wait_for(&execution.id),
        )
        .await
        .expect("execution ends in time")
        .expect("wait");
        let runs = self
            .engine_store
            .task_runs(&done.id)
            .await
            .expect("task runs");
        (done, runs)
    }

    /// Every log message of an execution, joined by newlines.
    pub async fn log_text(&self, execution_id: &str) -> String {
        self.engine_store
            .logs(execution_id, &LogFilter::default())
            .await
            .expect("logs")
            .into_iter()
            .map(|l| l.message)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

const SHELL_FLOW: &str = r#"
id: shell_end_to_end
namespace: company.team
inputs:
  - id: who
    type: STRING
    defaults: world
tasks:
  - id: make
    type: io.kestra.plugin.scripts.shell.Commands
    outputFiles: ["greeting.txt"]
    commands:
      - echo "hello {{ inputs.who }}" > greeting.txt
      - echo '::{"outputs":{"count":3}}::'
  - id: read
    type: io.kestra.plugin.scripts.shell.Commands
    inputFiles:
      in.txt: "{{ outputs.make.outputFiles['greeting.txt'] }}"
    commands:
      - cat in.txt
  - id: report
    type: io.kestra.plugin.core.log.Log
    message: "count is {{ outputs.make.vars.count }}"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_engine_and_a_worker_sharing_only_the_database_run_a_shell_flow() {
    let both = EngineAndWorker::start().await;
    let flow = both.deploy(SHELL_FLOW).await;
    let mut inputs = serde_json::Map::new();
    inputs.insert("who".into(), json!("baton"));
    let (done, runs) = both.execute(&flow, inputs).await;
    assert_eq!(done.state, State::Success, "error: {:?}", done.error);
    let make = runs.iter().find(|r| r.task_id == "make").expect("make");
    assert_eq!(make.dispatch, Dispatch::Worker);
    assert!(make.payload.is_some());
    assert_eq!(
        make.attempts.last().and_then(|a| a.worker_id.as_deref()),
        Some(both.worker.worker_id.as_str())
    );
    let logs = both.log_text(&done.id).await;
    assert!(logs.contains("hello baton"), "{logs}");
    assert!(logs.contains("count is 3"), "{logs}");
    both.worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_script_fails_the_execution_and_a_kill_reaches_the_worker() {
    let both = EngineAndWorker::start().await;
    let failing = both
        .deploy("id: failing\nnamespace: company.team\ntasks:\n  - id: boom\n    type: io.kestra.plugin.scripts.shell.Commands\n    commands: [\"exit 4\"]\n")
        .await;
    let (done, _) = both.execute(&failing, serde_json::Map::new()).await;
    assert_eq!(done.state, State::Failed);
    let slow = both
        .deploy("id: slow\nnamespace: company.team\ntasks:\n  - id: nap\n    type: io.kestra.plugin.scripts.shell.Commands\n    commands: [\"sleep 60\"]\n")
        .await;
    let execution = both
        .engine
        .start_execution(&slow.0, &slow.1, serde_json::Map::new(), Vec::new(), None)
        .await
        .expect("start");
    let start = Instant::now();
    loop {
        let runs = both
            .engine_store
            .task_runs(&execution.id)
            .await
            .expect("runs");
        if runs.iter().any(|r| r.state == State::Running) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "never running");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    both.engine.kill(&execution.id).await.expect("kill");
    let done = tokio::time::timeout(Duration::from_secs(30), both.engine.wait_for(&execution.id))
        .await
        .expect("killed in time")
        .expect("wait");
    assert_eq!(done.state, State::Killed);
    assert!(start.elapsed() < Duration::from_secs(20));
    let runs = both
        .engine_store
        .task_runs(&execution.id)
        .await
        .expect("runs");
    assert_eq!(runs[0].state, State::Killed, "{:?}", runs[0]);
    both.worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_query_runs_on_the_worker() {
    let Some(url) = std::env::var("BATON_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        println!("skipped: BATON_TEST_POSTGRES_URL is not set");
        return;
    };
    let rest = url.split_once("://").map(|(_, r)| r).expect("postgres URL");
    let (userinfo, location) = rest.split_once('@').expect("user and password in the URL");
    let (username, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let h = Harness::start().await;
    let task = json!({
        "id": "pg",
        "type": "io.kestra.plugin.jdbc.postgresql.Query",
        "url": format!("jdbc:postgresql://{location}"),
        "username": username,
        "password": password,
        "sql": "SELECT 40 + 2 AS answer, '{{ flow.namespace }}' AS ns",
        "fetchType": "FETCH_ONE",
    });
    let run = h.run(task, json!({})).await;
    assert_eq!(run.state, State::Success, "error: {:?}", run.error);
    assert_eq!(output(&run, "/row/answer"), &json!(42));
    assert_eq!(output(&run, "/row/ns"), &json!(NAMESPACE));
    h.stop().await;
}

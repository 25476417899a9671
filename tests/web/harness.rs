//! A running web server over a seeded SQLite store in a temp dir.

use std::sync::Arc;

use baton::store::model::{
    Attempt, CommitDetails, Dispatch, Execution, FlowSyncStatus, Label, Level, NewLog, NewRevision,
    State, StateChange, SyncStatus, TaskRun, WorkerInfo,
};
use baton::store::sqlite::SqliteStore;
use baton::store::{ExecutionFilter, Store, Transition};
use baton::web::api::{self, Access, RepoInfo, WebContext};
use baton::web::status;
use chrono::{Duration, Utc};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// The flow every test server has deployed.
pub const HELLO: &str = include_str!("../fixtures/web/hello.yaml");
/// A secret input value that must never be served.
pub const SECRET: &str = "hunter2-very-secret";
/// A log line trying to inject markup.
pub const EVIL_LOG: &str = "<script>alert('log')</script>";
/// A repository URL with credentials that must never be served.
pub const REPO_URL: &str = "https://deploy:ghp_tok3n@git.example.com/acme/flows.git";

/// A server under test.
pub struct Server {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub finished: String,
    pub running: String,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    _dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Server {
    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET without credentials.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("GET answers")
    }

    /// GET, body as text, asserting the status.
    pub async fn text(&self, path: &str, status: u16) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.text().await.expect("body")
    }

    /// How many executions the store holds.
    pub async fn execution_count(&self) -> i64 {
        self.store
            .count_executions(&ExecutionFilter::default())
            .await
            .expect("count")
    }
}

async fn seed(store: &Arc<dyn Store>) -> (String, String) {
    store
        .deploy_revision(NewRevision {
            namespace: "company.team".into(),
            id: "hello".into(),
            source: HELLO.replace("says hello", "first"),
            commit: Some("1111111111111111111111111111111111111111".into()),
            path: Some("flows/company/team/hello.yaml".into()),
            author: Some("Ann".into()),
        })
        .await
        .expect("deploy r1");
    let live = store
        .deploy_revision(NewRevision {
            namespace: "company.team".into(),
            id: "hello".into(),
            source: HELLO.into(),
            commit: Some("2222222222222222222222222222222222222222".into()),
            path: Some("flows/company/team/hello.yaml".into()),
            author: Some("Bob <bob@example.com>".into()),
        })
        .await
        .expect("deploy r2");
    let now = Utc::now();
    let t0 = now - Duration::seconds(30);
    let mut done = Execution::new("company.team", "hello", live.revision, t0);
    done.commit = live.commit.clone();
    done.inputs = serde_json::json!({"name": "<b>bold</b>", "password": SECRET, "count": null});
    done.labels = vec![Label::new("team", "<i>data</i>")];
    store.create_execution(&done).await.expect("create");
    let mut runs = Vec::new();
    for (i, task) in ["greet", "branch", "inner"].iter().enumerate() {
        let start = t0 + Duration::seconds(i as i64 * 5);
        let mut run = TaskRun::new(&done.id, *task, Dispatch::Worker, start);
        run.state = State::Success;
        run.ended = Some(start + Duration::seconds(4));
        run.attempts = vec![Attempt {
            state: State::Success,
            started: start,
            ended: run.ended,
            message: None,
            worker_id: Some("w1".into()),
        }];
        runs.push(run);
    }
    let mut logs = vec![NewLog::new(&done.id, Level::Info, "hello world", t0)];
    let mut evil = NewLog::new(&done.id, Level::Warn, EVIL_LOG, t0 + Duration::seconds(1));
    evil.task_id = Some("greet".into());
    evil.task_run_id = Some(runs[0].id.clone());
    logs.push(evil);
    let mut debug = NewLog::new(
        &done.id,
        Level::Debug,
        "debug detail",
        t0 + Duration::seconds(2),
    );
    debug.task_id = Some("inner".into());
    logs.push(debug);
    done.state = State::Success;
    done.started = Some(t0);
    done.ended = Some(t0 + Duration::seconds(15));
    done.history.push(StateChange {
        state: State::Success,
        date: t0 + Duration::seconds(15),
    });
    done.version += 1;
    store
        .apply(&Transition {
            execution: Some(done.clone()),
            task_runs: runs,
            logs,
            release_slot: None,
        })
        .await
        .expect("apply");

    let mut running = Execution::new("company.team", "hello", live.revision, now);
    running.state = State::Running;
    running.started = Some(now);
    store
        .create_execution(&running)
        .await
        .expect("create running");

    store
        .put_sync_status(&SyncStatus {
            repo: "main-repo".into(),
            last_applied_revision: live.commit.clone(),
            last_attempted_revision: Some("3333333333333333333333333333333333333333".into()),
            condition: "Stalled".into(),
            reason: "ValidationFailed".into(),
            message: "1 flow file did not validate".into(),
            updated_at: now,
            last_applied_commit: Some(CommitDetails {
                message: "Add <b>hello</b> flow".into(),
                author: "Bob <bob@example.com>".into(),
                time: now - Duration::hours(1),
            }),
            last_attempted_commit: Some(CommitDetails {
                message: "Break the broken flow".into(),
                author: "Eve <eve@example.com>".into(),
                time: now,
            }),
        })
        .await
        .expect("sync status");
    store
        .put_flow_sync_status(&FlowSyncStatus {
            namespace: "company.team".into(),
            flow_id: "broken".into(),
            path: "flows/company/team/broken.yaml".into(),
            last_applied_revision: None,
            last_attempted_revision: Some("3333333333333333333333333333333333333333".into()),
            condition: "Stalled".into(),
            reason: "ValidationFailed".into(),
            message: "<img src=x onerror=alert(1)>".into(),
            diagnostics: serde_json::json!([{"file": "flows/company/team/broken.yaml", "line": 7, "column": 3,
                "severity": "error", "code": "unknown-type", "message": "Invalid type: io.nope"}]),
            updated_at: now,
        })
        .await
        .expect("flow sync status");
    store
        .register_worker(&WorkerInfo {
            id: "w1".into(),
            host: "host-a".into(),
            version: "0.1.0".into(),
            group: None,
            started: t0,
            last_heartbeat: now,
            running: 1,
        })
        .await
        .expect("worker");
    (done.id, running.id)
}

/// Starts a server with `access` over a freshly seeded store.
pub async fn serve(access: Access) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("baton.db").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.expect("open store"));
    let (finished, running) = seed(&store).await;
    let ctx = WebContext::new(Arc::clone(&store))
        .with_access(access)
        .with_repo(RepoInfo {
            url: REPO_URL.into(),
            branch: "main".into(),
            sync_key: "main-repo".into(),
        });
    let app = api::standalone_router(ctx.clone()).merge(status::router(ctx));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Server {
        base,
        store,
        finished,
        running,
        client: reqwest::Client::new(),
        stop: Some(stop),
        _dir: dir,
    }
}

/// Asserts a problem+json answer with `status`; returns its `detail`.
pub async fn problem(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status().as_u16(), status);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = response.json().await.expect("problem JSON");
    assert_eq!(body["status"], status);
    assert!(body["type"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    body["detail"].as_str().expect("detail").to_string()
}

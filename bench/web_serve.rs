//! A stand-alone web server for the benchmark, the browser screenshots and schemathesis, until
//! `baton server` serves the pages itself: opens a SQLite store, optionally deploys the flows
//! of a repository directory and fills the store with generated executions (through the `Store`
//! trait), then serves the status pages and the API on 127.0.0.1.
//!
//! `web_serve (--db PATH | --store URL) [--repo DIR] [--fill N] [--port P] [--api-token T]`
//! (`--store postgres://...` benchmarks the PostgreSQL backend).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use baton::files::FileStore;
use baton::load::{Limits, parse_str};
use baton::store::model::{
    Attempt, Dispatch, Execution, Label, Level, NewLog, NewRevision, State, StateChange, TaskRun,
};
use baton::store::model::{CommitDetails, SyncStatus, WorkerInfo};
use baton::store::open_store;
use baton::store::{Store, Transition};
use baton::web::api::{self, Access, RepoInfo, WebContext};
use baton::web::status;
use chrono::{Duration, Utc};
use futures::{StreamExt, TryStreamExt};

#[derive(Default)]
struct Args {
    db: PathBuf,
    store: Option<String>,
    repo: Option<PathBuf>,
    fill: usize,
    port: u16,
    api_token: Option<String>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--db" => args.db = value()?.into(),
            "--store" => args.store = Some(value()?),
            "--repo" => args.repo = Some(value()?.into()),
            "--fill" => args.fill = value()?.parse()?,
            "--port" => args.port = value()?.parse()?,
            "--api-token" => args.api_token = Some(value()?),
            other => anyhow::bail!("unknown flag {other}"),
        }
    }
    anyhow::ensure!(
        !args.db.as_os_str().is_empty() || args.store.is_some(),
        "--db or --store is required"
    );
    Ok(args)
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

async fn deploy(store: &Arc<dyn Store>, repo: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    yaml_files(&repo.join("flows"), &mut files);
    files.sort();
    let mut flows = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file)?;
        // Flows taking required properties from namespace plugin defaults do not parse alone;
        // the store keeps the source as written, so only the names are needed here.
        let doc = match parse_str(&source, &Limits::default()) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("skipping {}: {e}", file.display());
                continue;
            }
        };
        let name = |k: &str| {
            doc.value
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let (namespace, id) = (name("namespace"), name("id"));
        let path = file
            .strip_prefix(repo)
            .unwrap_or(&file)
            .display()
            .to_string();
        store
            .deploy_revision(NewRevision {
                namespace: namespace.clone(),
                id: id.clone(),
                source,
                commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
                path: Some(path),
                author: Some("bench".into()),
            })
            .await?;
        flows.push((namespace, id));
    }
    Ok(flows)
}

const STATES: [State; 5] = [
    State::Success,
    State::Success,
    State::Success,
    State::Failed,
    State::Warning,
];

fn generated(n: usize, flows: &[(String, String)]) -> Transition {
    let (namespace, flow_id) = &flows[n % flows.len()];
    let created = Utc::now() - Duration::seconds((n as i64 * 7) % (7 * 86_400));
    let mut e = Execution::new(namespace, flow_id, 1, created);
    let state = STATES[n % STATES.len()];
    e.state = state;
    e.started = Some(created);
    e.ended = Some(created + Duration::seconds(3));
    e.history.push(StateChange {
        state,
        date: created + Duration::seconds(3),
    });
    e.labels = vec![Label::new("bench", (n % 10).to_string())];
    let task_runs: Vec<TaskRun> = (0..2)
        .map(|i| {
            let start = created + Duration::seconds(i);
            let mut run = TaskRun::new(&e.id, format!("task_{i}"), Dispatch::Worker, start);
            let retried = i == 1 && state == State::Failed;
            run.state = if retried {
                State::Failed
            } else {
                State::Success
            };
            run.ended = Some(start + Duration::seconds(if retried { 2 } else { 1 }));
            let attempt = |state, from: i64, to: i64| Attempt {
                state,
                started: start + Duration::milliseconds(from),
                ended: Some(start + Duration::milliseconds(to)),
                message: None,
                worker_id: Some("bench-worker".into()),
            };
            run.attempts = if retried {
                vec![
                    attempt(State::Failed, 0, 800),
                    attempt(State::Failed, 1000, 2000),
                ]
            } else {
                vec![attempt(State::Success, 0, 1000)]
            };
            run
        })
        .collect();
    let logs = vec![NewLog::new(
        &e.id,
        Level::Info,
        format!("generated execution {n}"),
        created,
    )];
    Transition {
        execution: Some(e),
        task_runs,
        logs,
        release_slot: None,
    }
}

/// Uploaded FILE inputs go beside the SQLite file, or to a temporary directory.
fn files_root(args: &Args) -> FileStore {
    let dir = match args.db.parent() {
        Some(parent) if !args.db.as_os_str().is_empty() => parent.join("files"),
        _ => std::env::temp_dir().join(format!("web_serve_files_{}", std::process::id())),
    };
    FileStore::new(dir)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let url = match &args.store {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", args.db.display()),
    };
    let store: Arc<dyn Store> = open_store(&url).await?;
    let mut flows = match &args.repo {
        Some(repo) => deploy(&store, repo).await?,
        None => Vec::new(),
    };
    if flows.is_empty() {
        flows = store
            .live_flows()
            .await?
            .into_iter()
            .map(|f| (f.namespace, f.id))
            .collect();
    }
    if args.fill > 0 {
        anyhow::ensure!(!flows.is_empty(), "--fill needs deployed flows (--repo)");
        let started = std::time::Instant::now();
        // A few transitions in flight: PostgreSQL commits overlap, SQLite queues them.
        let flows = &flows;
        let store = &store;
        futures::stream::iter(0..args.fill)
            .map(|n| async move { store.apply(&generated(n, flows)).await })
            .buffer_unordered(8)
            .try_collect::<Vec<_>>()
            .await?;
        eprintln!(
            "filled {} executions in {:.1} s",
            args.fill,
            started.elapsed().as_secs_f64()
        );
    }
    store
        .register_worker(&WorkerInfo {
            id: "bench-worker".into(),
            host: "127.0.0.1".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            group: None,
            started: Utc::now(),
            last_heartbeat: Utc::now(),
            running: 0,
        })
        .await?;
    store
        .put_sync_status(&SyncStatus {
            repo: "bench".into(),
            last_applied_revision: Some("0123456789abcdef0123456789abcdef01234567".into()),
            last_attempted_revision: Some("0123456789abcdef0123456789abcdef01234567".into()),
            condition: "Ready".into(),
            reason: "Applied".into(),
            message: format!("{} flows applied", flows.len()),
            updated_at: Utc::now(),
            last_applied_commit: Some(CommitDetails {
                message: "bench: deploy the example flows".into(),
                author: "bench <bench@example.com>".into(),
                time: Utc::now(),
            }),
            last_attempted_commit: None,
        })
        .await?;
    let ctx = WebContext::new(Arc::clone(&store))
        .with_access(Access {
            api_token: args.api_token.clone(),
            ..Access::default()
        })
        .with_files(files_root(&args), api::context::MAX_UPLOAD_BYTES)
        .with_repo(RepoInfo {
            url: args
                .repo
                .as_ref()
                .map_or_else(String::new, |r| r.display().to_string()),
            branch: "main".into(),
            sync_key: "bench".into(),
        });
    let app = api::standalone_router(ctx.clone()).merge(status::router(ctx));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    eprintln!("serving on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

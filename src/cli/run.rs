//! `baton run FILE`: deploys the flow (and every flow under `--flows DIR`) into the store, runs
//! one execution to its end with live progress, and exits 0 on SUCCESS or WARNING.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use serde_json::{Map, Value, json};

use crate::deploy::NamespaceSet;
use crate::engine::view::public_outputs;
use crate::engine::{Engine, EngineConfig, StoreFlowResolver, flow_identity};
use crate::files::FileStore;
use crate::load::{DirTree, Tree};
use crate::store::model::{NewRevision, State};
use crate::store::{Store, open_store};
use crate::tasks::DirNamespaceFiles;
use crate::template::Renderer;
use crate::worker::{Worker, WorkerConfig};

/// Flags of `baton run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The flow file to run.
    pub file: PathBuf,
    /// An input, as `key=value` (repeatable).
    #[arg(long = "input", value_name = "KEY=VALUE")]
    pub inputs: Vec<String>,
    /// A directory of flows to deploy too (subflows, flow triggers); repeatable.
    #[arg(long = "flows", value_name = "DIR")]
    pub flows: Vec<PathBuf>,
    /// The store URL.
    #[arg(long, default_value = "sqlite://baton.db", env = "BATON_DATABASE")]
    pub database: String,
    /// Where tasks write files.
    #[arg(long, default_value = "baton-data")]
    pub data_dir: PathBuf,
    /// Print one JSON object at the end instead of progress lines.
    #[arg(long)]
    pub json: bool,
    /// Task runs the in-process worker runs at once (default: the number of cores).
    #[arg(long)]
    pub worker_threads: Option<usize>,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: Args) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.database)
        .await
        .with_context(|| format!("opening {}", args.database))?;
    for dir in &args.flows {
        for file in flow_files(dir)? {
            deploy(&store, &file).await?;
        }
    }
    let (namespace, id) = deploy(&store, &args.file).await?;
    let mut inputs = Map::new();
    for pair in &args.inputs {
        let Some((k, v)) = pair.split_once('=') else {
            bail!("--input `{pair}`: expected KEY=VALUE")
        };
        inputs.insert(k.to_string(), Value::String(v.to_string()));
    }
    let namespaces = Arc::new(repo_namespaces(&repo_root(&args.file))?);
    let resolver = Arc::new(StoreFlowResolver::with_hooks(
        Arc::clone(&store),
        namespaces,
    ));
    let config = EngineConfig {
        data_dir: args.data_dir.clone(),
        ..EngineConfig::default()
    };
    let engine = Engine::new(Arc::clone(&store), Renderer::new(), resolver, config);
    let worker = start_worker(&store, &args);
    let mut events = engine.subscribe_events();
    let execution = engine
        .start_execution(&namespace, &id, inputs, Vec::new(), None)
        .await?;
    let colour = std::io::stdout().is_terminal();
    if !args.json {
        println!(
            "execution {} of {namespace}.{id} ({})",
            execution.id, execution.state
        );
    }
    let printer = (!args.json).then(|| {
        let exec_id = execution.id.clone();
        tokio::spawn(async move {
            let mut last = std::collections::HashMap::new();
            while let Ok(ev) = events.recv().await {
                // One line per state change (a step may rewrite a task run without changing it).
                if ev.execution_id != exec_id
                    || last.insert((ev.task_id.clone(), ev.value.clone()), ev.state)
                        == Some(ev.state)
                {
                    continue;
                }
                let value = ev.value.map(|v| format!(" [{v}]")).unwrap_or_default();
                let state = paint(ev.state, colour);
                println!(
                    "{} {}{value} {state}",
                    ev.date.format("%H:%M:%S%.3f"),
                    ev.task_id
                );
            }
        })
    });
    let first = engine.wait_for(&execution.id).await?;
    let json_only = args.json;
    let done = engine
        .follow_retries(first, |old, new| {
            if !json_only {
                println!("execution {} ended RETRIED; retried as {}", old.id, new.id);
            }
        })
        .await?;
    if let Some(p) = printer {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        p.abort();
    }
    worker.stop().await;
    let task_runs = store.task_runs(&done.id).await?;
    if args.json {
        let runs: Vec<Value> = task_runs
            .iter()
            .map(|t| json!({"taskId": t.task_id, "value": t.value, "state": t.state, "attempts": t.attempts.len(), "outputs": public_outputs(t)}))
            .collect();
        println!(
            "{}",
            json!({"id": done.id, "state": done.state, "outputs": done.outputs, "taskRuns": runs})
        );
    } else {
        let error = done
            .error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        println!(
            "execution {} ended {}{error}",
            done.id,
            paint(done.state, colour)
        );
    }
    Ok(if matches!(done.state, State::Success | State::Warning) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The in-process worker running script and HTTP tasks, and how to stop it.
struct RunningWorker {
    shutdown: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<Result<(), crate::worker::WorkerError>>,
}

impl RunningWorker {
    async fn stop(self) {
        let _ = self.shutdown.send(());
        match self.handle.await {
            Ok(Err(error)) => eprintln!("worker: {error}"),
            Err(error) => eprintln!("worker: {error}"),
            Ok(Ok(())) => {}
        }
    }
}

/// Starts a worker over the same store; namespace files come from the repository holding the
/// flow file (the nearest ancestor with a `namespaces/` directory), else the current directory.
fn start_worker(store: &Arc<dyn Store>, args: &Args) -> RunningWorker {
    let mut config = WorkerConfig {
        data_dir: args.data_dir.clone(),
        ..WorkerConfig::default()
    };
    if let Some(threads) = args.worker_threads {
        config.threads = threads.max(1);
    }
    let repo = repo_root(&args.file);
    let worker = Worker::new(Arc::clone(store), FileStore::new(&args.data_dir), config)
        .with_namespace_files(Arc::new(DirNamespaceFiles::new(repo)));
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(worker.run(async move {
        let _ = stopped.await;
    }));
    RunningWorker { shutdown, handle }
}

/// The repository holding `file`: the nearest ancestor with a `namespaces/` directory, else the
/// current directory.
fn repo_root(file: &Path) -> PathBuf {
    file.canonicalize()
        .ok()
        .and_then(|file| {
            file.ancestors()
                .skip(1)
                .find(|dir| dir.join("namespaces").is_dir())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The repository's `namespaces/<ns>/namespace.yaml` variables and plugin defaults, applied as
/// the daemon applies them. A broken namespace file is an error: running without its settings
/// would run the flow against the wrong connection or credentials.
fn repo_namespaces(root: &Path) -> anyhow::Result<NamespaceSet> {
    if !root.join("namespaces").is_dir() {
        return Ok(NamespaceSet::default());
    }
    let tree = DirTree::new(root).with_context(|| format!("reading {}", root.display()))?;
    let paths: Vec<String> = tree
        .list()
        .with_context(|| format!("listing {}", root.display()))?
        .into_iter()
        .filter(|p| p.starts_with("namespaces/"))
        .collect();
    let (set, diagnostics) = NamespaceSet::read(&tree, &paths);
    if let Some(first) = diagnostics.first() {
        bail!(
            "{}:{}:{}: {}",
            first.file,
            first.line,
            first.column,
            first.message
        );
    }
    Ok(set)
}

fn paint(state: State, colour: bool) -> String {
    if !colour {
        return state.to_string();
    }
    let code = match state {
        State::Success => "32",
        State::Warning => "33",
        State::Failed | State::Killed | State::Cancelled => "31",
        _ => "36",
    };
    format!("\x1b[{code}m{state}\x1b[0m")
}

/// Deploys one flow file; returns its namespace and id.
pub async fn deploy(store: &Arc<dyn Store>, path: &Path) -> anyhow::Result<(String, String)> {
    let source =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let (namespace, id) =
        flow_identity(&source).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    crate::engine::parse_flow(&source, &[])
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    store
        .deploy_revision(NewRevision {
            namespace: namespace.clone(),
            id: id.clone(),
            source,
            commit: None,
            path: Some(path.display().to_string()),
            author: None,
        })
        .await?;
    Ok((namespace, id))
}

fn flow_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

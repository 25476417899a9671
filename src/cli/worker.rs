//! `baton worker`: a standalone worker process. It shares only the database with the engine
//! (`baton server` or `baton run` elsewhere): it claims script and HTTP task runs, runs them and
//! reports, until Ctrl-C or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::files::FileStore;
use crate::store::open_store;
use crate::tasks::{DirNamespaceFiles, NamespaceFiles, NoNamespaceFiles};
use crate::worker::{Worker, WorkerConfig};

/// Flags of `baton worker`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The store URL (the engine's database).
    #[arg(long, default_value = "sqlite://baton.db", env = "BATON_DATABASE")]
    pub database: String,
    /// Where task files and working directories live (shared with the engine for `kestra://`
    /// files when both run on one machine).
    #[arg(long, default_value = "baton-data")]
    pub data_dir: PathBuf,
    /// Task runs run at once (default: the number of cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Only claim task runs of this worker group (`workerGroup.key`).
    #[arg(long)]
    pub group: Option<String>,
    /// Repository root whose `namespaces/<ns>/files/` serve `namespaceFiles`.
    #[arg(long)]
    pub repo: Option<PathBuf>,
    /// How long a claim stays valid without a heartbeat (`30s`, `500ms`, `PT1M`): the delay
    /// before the task runs of a dead worker are failed and retried elsewhere.
    #[arg(long, value_parser = parse_lease)]
    pub lease: Option<std::time::Duration>,
}

fn parse_lease(text: &str) -> Result<std::time::Duration, String> {
    crate::cli::server::parse_interval(text).map_err(|e| e.to_string())
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
    let mut config = WorkerConfig {
        data_dir: args.data_dir.clone(),
        group: args.group.clone(),
        ..WorkerConfig::default()
    };
    if let Some(lease) = args.lease {
        // Renew well within the lease, so one slow round-trip does not lose it.
        config.lease = lease;
        config.heartbeat = config.heartbeat.min(lease / 4);
    }
    if let Some(threads) = args.threads {
        config.threads = threads.max(1);
    }
    let namespace_files: Arc<dyn NamespaceFiles> = match &args.repo {
        Some(root) => Arc::new(DirNamespaceFiles::new(root)),
        None => Arc::new(NoNamespaceFiles),
    };
    let worker = Worker::new(store, FileStore::new(&args.data_dir), config)
        .with_namespace_files(namespace_files);
    eprintln!("worker {} started", worker.id());
    worker.run(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

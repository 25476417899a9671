//! `baton server`: one process running the sync loop, the scheduler, the flow-trigger
//! listener, the engine (and, when it exists, the in-process worker) and the HTTP server, all
//! stopped by one cancellation token on SIGTERM/SIGINT.

mod config;
mod in_process;

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::deploy::{
    LiveRegistry, NamespaceFilter, ReconcileOptions, Reconciler, SyncLoop, SyncSource, follow,
};
use crate::engine::{Engine, EngineConfig};
use crate::source::{Credentials, Repo, Secret, SourceSpec, sanitize_url};
use crate::store::Store;
use crate::store::model::Execution;
use crate::template::Renderer;
use crate::trigger::{
    FlowTriggerListener, Launcher, Leadership, RegistryResolver, Scheduler, SystemClock,
    while_leader,
};
use crate::web::{AppState, router};

pub use config::{Args, ServerConfig, parse_interval};

/// Runs the daemon until SIGTERM or SIGINT.
pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BATON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A logger installed by the binary already wins.
    let _ = match args.log_format.as_deref() {
        Some("json") => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .try_init(),
        None | Some("text") => tracing_subscriber::fmt().with_env_filter(filter).try_init(),
        Some(other) => anyhow::bail!("--log-format: `{other}` is neither text nor json"),
    };
    let config = ServerConfig::load(args)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        tracing::info!(listen = %config.listen, repo = %sanitize_url(&config.repo), "baton server starting");
        run(config, listener, shutdown_signal()).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// The daemon on an already bound listener, until `shutdown` resolves; tests bind 127.0.0.1:0.
pub async fn run(
    config: ServerConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = crate::store::open_store(&config.database)
        .await
        .with_context(|| format!("opening the store {}", sanitize_url(&config.database)))?;
    let registry = Arc::new(LiveRegistry::new());
    let repo_name = repo_name(&config);
    let reconciler = Arc::new(Reconciler::new(
        store.clone(),
        registry.clone(),
        reconcile_options(&config, &repo_name)?,
    ));
    let restored = reconciler
        .restore()
        .await
        .context("restoring the live flows from the store")?;
    tracing::info!(flows = restored, "live flows restored from the store");
    let source = open_source(&config).await?;
    let sync = Arc::new(SyncLoop::new(
        source,
        reconciler.clone(),
        config.poll_interval,
    ));
    let (wake, health) = (sync.waker(), sync.health());

    let cancel = CancellationToken::new();
    let tasks = TaskTracker::new();
    let engine = start_engine(&store, &registry, &config.data_dir, &tasks, &cancel);
    let EngineParts {
        launcher,
        changes,
        control,
    } = engine;
    in_process::start_worker(&config, &store, &registry, &tasks, &cancel);

    let leadership = Arc::new(Leadership::new(
        store.clone(),
        Leadership::process_holder(),
        config.leader_lease,
    ));
    // Take the lease (if free) before serving, so a lone daemon leads from its first request.
    leadership.attempt(&mut None).await;
    tasks.spawn(leadership.clone().run(cancel.child_token()));
    let leading = leadership.subscribe();
    tasks.spawn(while_leader(leading.clone(), cancel.child_token(), {
        let sync = sync.clone();
        move |tenure| {
            let sync = sync.clone();
            async move { sync.run(tenure).await }
        }
    }));
    tasks.spawn(while_leader(leading.clone(), cancel.child_token(), {
        let (store, registry, launcher) = (store.clone(), registry.clone(), launcher.clone());
        move |tenure| {
            let scheduler = Scheduler::new(
                store.clone(),
                registry.clone(),
                launcher.clone(),
                Arc::new(SystemClock),
            );
            scheduler.run(tenure)
        }
    }));
    let follow_every = config.poll_interval.min(FOLLOW_INTERVAL);
    tasks.spawn(follow(
        reconciler,
        health.clone(),
        leading,
        follow_every,
        cancel.child_token(),
    ));
    let listener_task = FlowTriggerListener::new(store.clone(), registry.clone(), launcher.clone());
    tasks.spawn(listener_task.run(changes, cancel.child_token()));

    let state = AppState {
        health,
        wake,
        webhook_secret: config.webhook_secret.clone().map(Secret::new),
        branch: config.branch.clone(),
        control: Some(control),
        access: Some(config.access.clone()),
        files: Some(crate::files::FileStore::new(config.data_dir.join("files"))),
        ..AppState::new(store, registry, launcher, repo_name)
    };
    let http_cancel = cancel.clone();
    let server = axum::serve(listener, router(state)).with_graceful_shutdown(async move {
        tokio::select! {
            _ = shutdown => {}
            _ = http_cancel.cancelled() => {}
        }
    });
    let served = server.await;
    // The HTTP server has stopped accepting: stop every loop, give running work its grace.
    cancel.cancel();
    tasks.close();
    if tokio::time::timeout(config.grace_period, tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!(grace = ?config.grace_period, "background work did not stop within the grace period");
    }
    served.context("serving HTTP")
}

/// The engine as the rest of the daemon sees it.
struct EngineParts {
    /// What triggers start executions with.
    launcher: Arc<dyn Launcher>,
    /// Execution state changes, for flow triggers.
    changes: broadcast::Receiver<Execution>,
    /// Kill, restart, resume and replay for the API.
    control: Arc<dyn crate::web::api::control::ExecutionControl>,
}

/// The engine of this process, seeing the live registry; its loop stops with `cancel`.
fn start_engine(
    store: &Arc<dyn Store>,
    registry: &Arc<LiveRegistry>,
    data_dir: &std::path::Path,
    tasks: &TaskTracker,
    cancel: &CancellationToken,
) -> EngineParts {
    let resolver = Arc::new(RegistryResolver::new(registry.clone(), store.clone()));
    let config = EngineConfig {
        data_dir: data_dir.join("files"),
        ..EngineConfig::default()
    };
    let engine = Engine::new(store.clone(), Renderer::new(), resolver, config);
    let changes = engine.subscribe_state_changes();
    let driver = engine.clone();
    let stop = cancel.child_token();
    tasks.spawn(async move { driver.run(stop).await });
    EngineParts {
        launcher: Arc::new(engine.clone()),
        changes,
        control: Arc::new(engine),
    }
}

fn is_url(repo: &str) -> bool {
    repo.contains("://") || (repo.contains('@') && repo.contains(':'))
}

fn repo_name(config: &ServerConfig) -> String {
    if is_url(&config.repo) {
        sanitize_url(&config.repo)
    } else {
        std::fs::canonicalize(&config.repo)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| config.repo.clone())
    }
}

fn reconcile_options(config: &ServerConfig, repo: &str) -> anyhow::Result<ReconcileOptions> {
    let mut options = ReconcileOptions::new(repo);
    options.prune = config.prune;
    options.allow_empty = config.allow_empty;
    options.namespace_filter = config
        .namespace_filter
        .as_deref()
        .map(NamespaceFilter::new)
        .transpose()?;
    Ok(options)
}

async fn open_source(config: &ServerConfig) -> anyhow::Result<SyncSource> {
    if config.follow_worktree {
        anyhow::ensure!(
            !is_url(&config.repo),
            "--follow-worktree needs a local path, not a URL"
        );
        return Ok(SyncSource::Worktree(config.repo.clone().into()));
    }
    let spec = if is_url(&config.repo) {
        let credentials = Credentials {
            token: config.git_token.clone().map(Secret::new),
            ..Credentials::default()
        };
        SourceSpec::Remote {
            url: config.repo.clone(),
            credentials,
        }
    } else {
        SourceSpec::Local {
            path: config.repo.clone().into(),
        }
    };
    let (branch, data_dir) = (config.branch.clone(), config.data_dir.clone());
    let repo = tokio::task::spawn_blocking(move || Repo::open(spec, &branch, &data_dir))
        .await
        .context("opening the repository")??;
    Ok(SyncSource::Git(Arc::new(repo)))
}

/// How often a daemon that does not lead looks for a revision the leader applied.
const FOLLOW_INTERVAL: Duration = Duration::from_secs(2);

/// How long tests and callers wait for readiness by default.
pub const READY_TIMEOUT: Duration = Duration::from_secs(30);

//! The worker loop: register, then claim as many task runs as there are free slots, run them
//! concurrently, and poll again (quickly while busy, backing off while idle) until shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::config::WorkerConfig;
use super::containers;
use super::error::WorkerError;
use super::execution::{Shared, run_claimed};
use super::leases::{self, Running};
use super::services::WorkerServices;
use crate::files::FileStore;
use crate::runner::WORKER_LABEL;
use crate::store::model::WorkerInfo;
use crate::store::{Channel, Store, Subscription};
use crate::tasks::{DockerEngine, Facilities, NamespaceFiles, NoNamespaceFiles};
use crate::template::Renderer;

/// A worker: claims task runs of its group from the store and runs them.
pub struct Worker {
    store: Arc<dyn Store>,
    config: WorkerConfig,
    facilities: Facilities,
    id: String,
}

impl Worker {
    /// A worker over `store`, storing task files in `files`; no namespace files until
    /// `with_namespace_files`, Docker through `DOCKER_HOST` or the local socket.
    pub fn new(store: Arc<dyn Store>, files: FileStore, config: WorkerConfig) -> Worker {
        let id = config
            .id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let facilities = Facilities {
            services: Arc::new(WorkerServices::new(Arc::clone(&store), files.clone())),
            files,
            namespace_files: Arc::new(NoNamespaceFiles),
            renderer: Renderer::new(),
            docker: DockerEngine::default(),
            work_root: config.work_root(),
        };
        Worker {
            store,
            config,
            facilities,
            id,
        }
    }

    /// Uses `files` for `namespaceFiles` of script tasks.
    pub fn with_namespace_files(mut self, files: Arc<dyn NamespaceFiles>) -> Worker {
        self.facilities.namespace_files = files;
        self
    }

    /// Uses `docker` for the Docker task runner.
    pub fn with_docker(mut self, docker: DockerEngine) -> Worker {
        self.facilities.docker = docker;
        self
    }

    /// This worker's id (as registered in the store and written in attempts).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs until `shutdown` resolves, then waits up to `shutdown_grace` for running task runs
    /// (those still running then are stopped and left unreported).
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), WorkerError> {
        let work_root = self.config.work_root();
        tokio::fs::create_dir_all(&work_root)
            .await
            .map_err(|source| WorkerError::WorkRoot {
                worker_id: self.id.clone(),
                path: work_root,
                source,
            })?;
        self.register().await?;
        let running = Running::default();
        let stop_heartbeat = CancellationToken::new();
        let sweeper = tokio::spawn(containers::sweep_loop(
            Arc::clone(&self.store),
            self.facilities.docker.clone(),
            self.id.clone(),
            self.config.container_sweep,
            stop_heartbeat.clone(),
        ));
        let heartbeat = tokio::spawn(leases::heartbeat_loop(
            Arc::clone(&self.store),
            self.id.clone(),
            running.clone(),
            self.config.lease,
            self.config.heartbeat,
            stop_heartbeat.clone(),
        ));
        let mut facilities = self.facilities.clone();
        // The sweep knows this worker's containers by this label.
        facilities.docker = facilities.docker.with_label(WORKER_LABEL, &self.id);
        let shared = Arc::new(Shared {
            store: Arc::clone(&self.store),
            facilities,
            worker_id: self.id.clone(),
        });
        let mut tasks = JoinSet::new();
        tokio::pin!(shutdown);
        self.claim_loop(&shared, &running, &mut tasks, &mut shutdown)
            .await;
        self.drain(&running, &mut tasks).await;
        containers::settle(self.config.shutdown_grace, &self.id).await;
        stop_heartbeat.cancel();
        let _ = heartbeat.await;
        let _ = sweeper.await;
        Ok(())
    }

    async fn register(&self) -> Result<(), WorkerError> {
        let now = Utc::now();
        let info = WorkerInfo {
            id: self.id.clone(),
            host: host_name(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            group: self.config.group.clone(),
            started: now,
            last_heartbeat: now,
            running: 0,
        };
        self.store
            .register_worker(&info)
            .await
            .map_err(|source| WorkerError::Register {
                worker_id: self.id.clone(),
                source,
            })
    }

    /// Claims and starts task runs until shutdown.
    async fn claim_loop(
        &self,
        shared: &Arc<Shared>,
        running: &Running,
        tasks: &mut JoinSet<()>,
        shutdown: &mut (impl Future<Output = ()> + Unpin),
    ) {
        let threads = self.config.threads.max(1);
        let mut idle = self.config.poll;
        // Woken as soon as a task run is queued (from any process on Postgres); the pauses
        // below are only the safety net for wake-ups lost while reconnecting.
        let mut ready = match self.store.subscribe(Channel::TaskRunsReady).await {
            Ok(subscription) => Some(subscription),
            Err(error) => {
                tracing::warn!(worker_id = %self.id, %error, "no wake-ups: polling only");
                None
            }
        };
        loop {
            while tasks.try_join_next().is_some() {}
            let free = threads.saturating_sub(running.len());
            let claimed = if free == 0 {
                Vec::new()
            } else {
                self.claim(free).await
            };
            let started = claimed.len();
            for run in claimed {
                let handle = running.insert(&run.id);
                let shared = Arc::clone(shared);
                let running = running.clone();
                let span = tracing::info_span!("task_run",
                    execution_id = %run.execution_id, task_run_id = %run.id);
                tasks.spawn(
                    async move {
                        let id = run.id.clone();
                        run_claimed(&shared, run, handle).await;
                        running.remove(&id);
                    }
                    .instrument(span),
                );
            }
            let pause = if started > 0 && started == free {
                // Everything claimable was taken: there may be more waiting.
                idle = self.config.poll;
                Duration::ZERO
            } else if started > 0 || free == 0 {
                idle = self.config.poll;
                self.config.poll
            } else {
                let pause = idle;
                idle = (idle * 2).min(self.config.max_poll);
                pause
            };
            tokio::select! {
                () = &mut *shutdown => return,
                () = tokio::time::sleep(pause) => {}
                Some(_) = tasks.join_next(), if free == 0 => {}
                () = woken(&mut ready), if free > 0 && pause > Duration::ZERO => {}
            }
        }
    }

    async fn claim(&self, limit: usize) -> Vec<crate::store::model::TaskRun> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match self
            .store
            .claim_task_runs(
                &self.id,
                self.config.group.as_deref(),
                limit,
                self.config.lease,
            )
            .await
        {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(worker_id = %self.id, %error, "cannot claim task runs");
                Vec::new()
            }
        }
    }

    /// Waits for running task runs, abandoning those still running after the grace.
    async fn drain(&self, running: &Running, tasks: &mut JoinSet<()>) {
        let grace = tokio::time::sleep(self.config.shutdown_grace);
        tokio::pin!(grace);
        loop {
            tokio::select! {
                next = tasks.join_next() => if next.is_none() { return },
                () = &mut grace => break,
            }
        }
        for (_, handle) in running.snapshot() {
            handle.abandon();
        }
        while tasks.join_next().await.is_some() {}
    }
}

/// Resolves at the next wake-up; never without a subscription (or once the store is gone).
async fn woken(subscription: &mut Option<Subscription>) {
    if let Some(s) = subscription
        && s.notified().await
    {
        return;
    }
    std::future::pending().await
}

fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

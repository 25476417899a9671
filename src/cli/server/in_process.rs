//! The daemon's own worker: it claims task runs from the store like a `baton worker` process
//! would, and reads namespace files from the live registry (the files of the deployed commit).

use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::deploy::LiveRegistry;
use crate::files::FileStore;
use crate::store::Store;
use crate::tasks::{NamespaceFiles, WorkerTaskError};
use crate::worker::{Worker, WorkerConfig};

use super::config::ServerConfig;

/// Namespace files of the live revision (a namespace also sees its parents' files).
pub struct RegistryNamespaceFiles(pub Arc<LiveRegistry>);

#[async_trait]
impl NamespaceFiles for RegistryNamespaceFiles {
    async fn list(&self, namespace: &str) -> Result<Vec<String>, WorkerTaskError> {
        Ok(self.0.snapshot().namespace_file_names(namespace))
    }

    async fn read(&self, namespace: &str, path: &str) -> Result<Vec<u8>, WorkerTaskError> {
        self.0
            .snapshot()
            .namespace_file(namespace, path)
            .ok_or_else(|| WorkerTaskError::NamespaceFiles {
                namespace: namespace.to_string(),
                reason: format!("`{path}` is not in the deployed revision"),
            })
    }
}

/// Starts the in-process worker unless the daemon runs with `--no-worker`.
pub fn start_worker(
    config: &ServerConfig,
    store: &Arc<dyn Store>,
    registry: &Arc<LiveRegistry>,
    tasks: &TaskTracker,
    cancel: &CancellationToken,
) {
    if !config.worker {
        tracing::info!(
            "no in-process worker (--no-worker): task runs wait for `baton worker` processes"
        );
        return;
    }
    let files_root = config.data_dir.join("files");
    let mut worker_config = WorkerConfig {
        data_dir: files_root.clone(),
        ..WorkerConfig::default()
    };
    if let Some(threads) = config.worker_threads {
        worker_config.threads = threads.max(1);
    }
    let worker = Worker::new(
        Arc::clone(store),
        FileStore::new(&files_root),
        worker_config,
    )
    .with_namespace_files(Arc::new(RegistryNamespaceFiles(Arc::clone(registry))));
    let stop = cancel.child_token();
    tasks.spawn(async move {
        if let Err(e) = worker.run(stop.cancelled_owned()).await {
            tracing::error!(error = %e, "the in-process worker stopped");
        }
    });
}

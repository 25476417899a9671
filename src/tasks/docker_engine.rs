//! The Docker engine a worker runs containers on: connected on first use and shared by every
//! task run, so the version negotiation happens once per worker, not once per task.

use std::sync::Arc;

use bollard::Docker;
use tokio::sync::OnceCell;

use crate::runner::RunnerError;
use crate::runner::docker::{connect_to, docker_host};

/// A lazily connected Docker client (`DOCKER_HOST` or the local socket by default).
#[derive(Debug, Clone)]
pub struct DockerEngine {
    host: String,
    client: Arc<OnceCell<Docker>>,
}

impl Default for DockerEngine {
    fn default() -> Self {
        DockerEngine::new(docker_host())
    }
}

impl DockerEngine {
    /// The engine at `host` (`unix:///path` or `tcp://host:port`), not connected yet.
    pub fn new(host: impl Into<String>) -> Self {
        DockerEngine {
            host: host.into(),
            client: Arc::new(OnceCell::new()),
        }
    }

    /// Where it connects.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The connected client; a failed connection is retried on the next call.
    pub async fn client(&self) -> Result<Docker, RunnerError> {
        self.client
            .get_or_try_init(|| connect_to(&self.host))
            .await
            .cloned()
    }

    /// A client for `host` when a task names its own engine, else the shared one.
    pub async fn client_for(&self, host: Option<&str>) -> Result<Docker, RunnerError> {
        match host {
            Some(host) if host != self.host => connect_to(host).await,
            _ => self.client().await,
        }
    }
}

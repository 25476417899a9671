//! The Docker engine a worker runs containers on: connected on first use and shared by every
//! task run, so the version negotiation happens once per worker, not once per task.

use std::collections::BTreeMap;
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
    labels: BTreeMap<String, String>,
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
            labels: BTreeMap::new(),
        }
    }

    /// The same engine, also putting `key=value` on every container a task starts on it (a
    /// worker stamps its id, which its container sweep reads back).
    pub fn with_label(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.to_owned(), value.to_owned());
        self
    }

    /// The labels every container started on it carries.
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
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

//! What the handlers share: the store, the live registry, the launcher, the sync loop's health
//! and waker, and the push-webhook secret.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::deploy::{LiveRegistry, SyncHealth};
use crate::source::Secret;
use crate::store::Store;
use crate::trigger::Launcher;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub registry: Arc<LiveRegistry>,
    pub launcher: Arc<dyn Launcher>,
    pub health: Arc<SyncHealth>,
    /// Notified by a verified push webhook: the sync loop fetches at once.
    pub wake: Arc<Notify>,
    /// The shared secret of push webhooks; none refuses them all.
    pub webhook_secret: Option<Secret>,
    /// The repository's name in the sync status (sanitized URL or path).
    pub repo: String,
    /// The tracked branch.
    pub branch: String,
    /// Kill, restart, resume and replay: the engine of this process (none: store-only actions).
    pub control: Option<Arc<dyn crate::web::api::control::ExecutionControl>>,
    /// The access policy from the daemon's configuration (none: from the environment).
    pub access: Option<crate::web::api::access::Access>,
    /// Where the API stores uploaded FILE inputs (the engine's and workers' file store).
    pub files: Option<crate::files::FileStore>,
}

impl AppState {
    /// A state serving `store` and `registry` under the repository name `repo` on `main`,
    /// starting executions with `launcher`; no sync loop behind it (a fresh `SyncHealth` and
    /// waker), no push-webhook secret, no engine control, access from the environment, no file
    /// store. Callers set what they have with struct update syntax, so that a new field gets
    /// its default here only.
    pub fn new(
        store: Arc<dyn Store>,
        registry: Arc<LiveRegistry>,
        launcher: Arc<dyn Launcher>,
        repo: impl Into<String>,
    ) -> AppState {
        AppState {
            store,
            registry,
            launcher,
            health: Arc::new(SyncHealth::default()),
            wake: Arc::new(Notify::new()),
            webhook_secret: None,
            repo: repo.into(),
            branch: "main".to_string(),
            control: None,
            access: None,
            files: None,
        }
    }
}

//! `WebContext`: what every page and API handler reads (the store, the execution actions, the
//! access policy and the repository being synced), cloned into each request.

use std::sync::Arc;

use super::access::{Access, AccessError, ReadAccess};
use super::control::{ExecutionControl, StoreControl};
use crate::files::FileStore;
use crate::store::Store;

/// Default largest multipart start body: uploads are files, bigger than JSON inputs.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// The repository the server syncs from, as shown on the overview.
#[derive(Debug, Clone, Default)]
pub struct RepoInfo {
    /// The repository URL (shown sanitized).
    pub url: String,
    /// The branch followed.
    pub branch: String,
    /// The key its sync status is stored under (`Store::sync_status`).
    pub sync_key: String,
}

/// Shared state of the web handlers.
#[derive(Clone)]
pub struct WebContext {
    /// The store every page reads.
    pub store: Arc<dyn Store>,
    /// Execution actions of the write API.
    pub control: Arc<dyn ExecutionControl>,
    /// Who may read and write.
    pub access: Arc<Access>,
    /// The synced repository, if any.
    pub repo: Option<Arc<RepoInfo>>,
    /// The live registry of the daemon (the revision it serves), if any.
    pub registry: Option<Arc<crate::deploy::LiveRegistry>>,
    /// The sync loop's health (durations, last success), if this process syncs.
    pub sync_health: Option<Arc<crate::deploy::SyncHealth>>,
    /// Where uploaded FILE inputs are stored (none: uploads are refused).
    pub files: Option<Arc<FileStore>>,
    /// The largest multipart body of a start (uploaded files included).
    pub max_upload_bytes: usize,
    /// SECRET input ids per flow revision, read once.
    pub secrets: Arc<super::secrets::SecretCache>,
}

impl WebContext {
    /// A public, read-only context over a store, with store-backed execution actions.
    pub fn new(store: Arc<dyn Store>) -> Self {
        WebContext {
            control: Arc::new(StoreControl::new(Arc::clone(&store))),
            store,
            access: Arc::new(Access::default()),
            repo: None,
            registry: None,
            sync_health: None,
            files: None,
            max_upload_bytes: MAX_UPLOAD_BYTES,
            secrets: Arc::default(),
        }
    }

    /// Replaces the access policy.
    pub fn with_access(mut self, access: Access) -> Self {
        self.access = Arc::new(access);
        self
    }

    /// Replaces the execution actions (attach the engine).
    pub fn with_control(mut self, control: Arc<dyn ExecutionControl>) -> Self {
        self.control = control;
        self
    }

    /// Stores uploaded FILE inputs in `files`, accepting multipart starts up to `max_bytes`.
    pub fn with_files(mut self, files: FileStore, max_bytes: usize) -> Self {
        self.files = Some(Arc::new(files));
        self.max_upload_bytes = max_bytes;
        self
    }

    /// Sets the synced repository.
    pub fn with_repo(mut self, repo: RepoInfo) -> Self {
        self.repo = Some(Arc::new(repo));
        self
    }
}

impl Access {
    /// The policy from the environment: `BATON_AUTH` (`none`, `basic:user:pass`,
    /// `bearer:TOKEN`) and `BATON_API_TOKEN` (empty or unset: writes disabled).
    pub fn from_env() -> Result<Access, AccessError> {
        let read = match std::env::var("BATON_AUTH") {
            Ok(spec) => ReadAccess::parse(&spec)?,
            Err(_) => ReadAccess::Public,
        };
        let api_token = std::env::var("BATON_API_TOKEN")
            .ok()
            .filter(|t| !t.is_empty());
        Ok(Access { read, api_token })
    }
}

impl WebContext {
    /// The context of the daemon's state: its store, its repository, the access policy from
    /// the environment (an invalid `BATON_AUTH` locks reads rather than opening them).
    pub fn from_app(state: &crate::web::AppState) -> Self {
        let access = state
            .access
            .clone()
            .map(Ok)
            .unwrap_or_else(Access::from_env);
        let access = access.unwrap_or_else(|err| {
            tracing::error!(error = %err, "BATON_AUTH is invalid: the pages and read API refuse every request");
            Access {
                read: ReadAccess::Bearer(uuid::Uuid::new_v4().to_string()),
                api_token: None,
            }
        });
        let mut context = WebContext::new(Arc::clone(&state.store))
            .with_access(access)
            .with_repo(RepoInfo {
                url: state.repo.clone(),
                branch: state.branch.clone(),
                sync_key: state.repo.clone(),
            });
        context.registry = Some(Arc::clone(&state.registry));
        context.sync_health = Some(Arc::clone(&state.health));
        if let Some(files) = &state.files {
            context = context.with_files(files.clone(), MAX_UPLOAD_BYTES);
        }
        match &state.control {
            Some(control) => context.with_control(Arc::clone(control)),
            None => context,
        }
    }
}

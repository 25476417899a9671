//! What templates rendered by a worker see of the outside world: secrets from `SECRET_<NAME>`
//! environment variables (base64), the KV store through the store, files through the file store.
//!
//! Template functions are sync; `tasks` renders on the blocking pool, where these block on the
//! async store.

use std::sync::Arc;

use serde_json::Value;

use crate::files::FileStore;
use crate::store::Store;
use crate::template::{EnvServices, TemplateServices};

/// Template services of a worker.
#[derive(Clone)]
pub struct WorkerServices {
    store: Arc<dyn Store>,
    files: FileStore,
}

impl WorkerServices {
    /// Services over `store` and `files`.
    pub fn new(store: Arc<dyn Store>, files: FileStore) -> Self {
        WorkerServices { store, files }
    }
}

fn runtime() -> Result<tokio::runtime::Handle, String> {
    tokio::runtime::Handle::try_current().map_err(|e| format!("no async runtime: {e}"))
}

impl TemplateServices for WorkerServices {
    fn secret(&self, namespace: &str, key: &str) -> Result<String, String> {
        EnvServices.secret(namespace, key)
    }

    fn kv(&self, namespace: &str, key: &str) -> Result<Option<Value>, String> {
        runtime()?
            .block_on(self.store.kv_get(namespace, key))
            .map_err(|e| e.to_string())
    }

    fn read_file(&self, uri: &str) -> Result<String, String> {
        let path = runtime()?
            .block_on(self.files.path_of(uri))
            .map_err(|e| e.to_string())?;
        std::fs::read_to_string(&path).map_err(|e| format!("`{uri}`: {e}"))
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}

//! The engine's window on the outside world for templates (`TemplateServices`: secrets from
//! `SECRET_*` environment variables, KV from the store, files from the data directory) and for
//! tasks (`TaskServices`: KV and logs from the store).

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::store::model::Level;
use crate::store::{LogFilter, Store};
use crate::tasks::{LogLine, TaskServices};
use crate::template::{EnvServices, TemplateServices};

/// Services backed by the store and the data directory.
pub struct StoreServices {
    pub store: Arc<dyn Store>,
    pub data_dir: PathBuf,
}

impl TemplateServices for StoreServices {
    fn secret(&self, namespace: &str, key: &str) -> Result<String, String> {
        EnvServices.secret(namespace, key)
    }

    fn kv(&self, namespace: &str, key: &str) -> Result<Option<Value>, String> {
        // Templates are sync; the store is async. This needs the multi-threaded runtime.
        let handle = tokio::runtime::Handle::try_current().map_err(|e| e.to_string())?;
        if handle.runtime_flavor() != tokio::runtime::RuntimeFlavor::MultiThread {
            return Err("kv() needs the multi-threaded runtime".into());
        }
        tokio::task::block_in_place(|| handle.block_on(self.store.kv_get(namespace, key)))
            .map_err(|e| e.to_string())
    }

    fn read_file(&self, uri: &str) -> Result<String, String> {
        let path = if let Some(rest) = uri.strip_prefix("kestra://") {
            let rest = rest.trim_start_matches('/');
            if rest.split('/').any(|s| s == "..") {
                return Err(format!("`{uri}`: `..` is not allowed"));
            }
            self.data_dir.join(rest)
        } else if let Some(rest) = uri.strip_prefix("file://") {
            PathBuf::from(rest)
        } else {
            return Err(format!("`{uri}` is not a kestra:// or file:// URI"));
        };
        std::fs::read_to_string(&path).map_err(|e| format!("`{uri}`: {e}"))
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}

#[async_trait]
impl TaskServices for StoreServices {
    async fn kv_get(&self, namespace: &str, key: &str) -> Result<Option<Value>, String> {
        self.store
            .kv_get(namespace, key)
            .await
            .map_err(|e| e.to_string())
    }

    async fn kv_set(
        &self,
        namespace: &str,
        key: &str,
        value: &Value,
        ttl: Option<std::time::Duration>,
    ) -> Result<(), String> {
        self.store
            .kv_set(namespace, key, value, ttl)
            .await
            .map_err(|e| e.to_string())
    }

    async fn kv_delete(&self, namespace: &str, key: &str) -> Result<bool, String> {
        self.store
            .kv_delete(namespace, key)
            .await
            .map_err(|e| e.to_string())
    }

    async fn execution_logs(
        &self,
        execution_id: &str,
        task_ids: &[String],
        min_level: &str,
    ) -> Result<Vec<LogLine>, String> {
        let min: Level = min_level
            .parse()
            .map_err(|e: crate::store::model::UnknownLevel| e.to_string())?;
        let logs = self
            .store
            .logs(execution_id, &LogFilter::default())
            .await
            .map_err(|e| e.to_string())?;
        Ok(logs
            .into_iter()
            .filter(|l| l.level >= min)
            .filter(|l| {
                task_ids.is_empty() || l.task_id.as_ref().is_some_and(|t| task_ids.contains(t))
            })
            .map(|l| LogLine {
                level: l.level.as_str().into(),
                message: l.message,
                task_id: l.task_id,
                timestamp: Some(l.timestamp.to_rfc3339()),
            })
            .collect())
    }
}

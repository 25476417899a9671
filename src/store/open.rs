//! `open_store`: picks the backend from the URL scheme.

use std::sync::Arc;

use crate::store::error::{StoreError, StoreResult};
use crate::store::interface::Store;
use crate::store::sqlite::SqliteStore;

/// Opens the store a URL names: `sqlite://path`, `sqlite::memory:` or `postgres://...`.
pub async fn open_store(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        return Ok(Arc::new(SqliteStore::open(url).await?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(StoreError::Unsupported(
            "postgres backend not built yet".to_string(),
        ));
    }
    let scheme = url.split(':').next().unwrap_or_default();
    Err(StoreError::Unsupported(format!(
        "unknown store URL scheme `{scheme}` (expected sqlite: or postgres:)"
    )))
}

//! Opening stores: URL dispatch, file creation and reopening, readiness.

use super::revision;
use baton::store::sqlite::SqliteStore;
use baton::store::{Store, StoreError, open_store};
use serde_json::json;
use std::sync::Arc;

pub(super) async fn ping_answers(store: Arc<dyn Store>) {
    store.ping().await.expect("ping");
}

#[tokio::test]
async fn open_store_picks_the_backend_from_the_url() {
    let memory = open_store("sqlite::memory:")
        .await
        .expect("in-memory sqlite");
    memory.ping().await.expect("ping");
    memory
        .kv_set("ns", "k", &json!(1), None)
        .await
        .expect("set");
    assert_eq!(memory.kv_get("ns", "k").await.expect("get"), Some(json!(1)));
    assert!(matches!(
        open_store("postgres://localhost/baton").await,
        Err(StoreError::Unsupported(_))
    ));
    assert!(matches!(
        open_store("mysql://localhost/baton").await,
        Err(StoreError::Unsupported(_))
    ));
}

#[tokio::test]
async fn a_sqlite_file_is_created_and_reopened_with_its_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("data").join("nested.db");
    let url = format!("sqlite://{}", path.display());
    let first = SqliteStore::open(&url).await.expect("create");
    first
        .deploy_revision(revision("ns", "f", "id: f\n", "c1"))
        .await
        .expect("deploy");
    first.close().await;
    assert!(
        path.exists(),
        "the missing directory and the file are created"
    );
    let second = SqliteStore::open(&url)
        .await
        .expect("reopen runs migrations again");
    assert_eq!(second.live_flows().await.expect("live").len(), 1);
}

//! CREATE_NEW_EXECUTION retries survive a crash. When an execution ends RETRIED, the id of the
//! execution that retries it is chosen at once and stored with the RETRIED state, in the same
//! write (`$baton.retryId`); the retry is created right after. A process that dies in between
//! leaves a RETRIED execution whose retry does not exist (as does a failed creation, which the
//! process only logs): an engine creates it when its loop starts and again every
//! `EngineConfig::retry_recovery`, and since the id is fixed, two engines doing so (or a
//! recovery racing the original process) create it once.

use std::sync::Arc;

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::Inner;
use crate::engine::core::retry_meta;
use crate::engine::error::EngineError;
use crate::engine::view::INTERNAL;
use crate::store::model::{Execution, State};
use crate::store::{ExecutionFilter, Page};

/// How far back a starting engine looks for RETRIED executions whose retry is missing.
const LOOKBACK_DAYS: i64 = 7;
/// RETRIED executions read per store query.
const PAGE: i64 = 200;
/// Namespace of the derived retry ids (UUID v5).
const RETRY_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6261_746f_6e2d_7265_7472_792d_6964_7331);

/// The id of the execution retrying execution `old_id`: derived, so it is the same wherever
/// and however often it is computed.
pub(super) fn retry_id(old_id: &str) -> String {
    uuid::Uuid::new_v5(&RETRY_NAMESPACE, old_id.as_bytes()).to_string()
}

/// Records the retry's id in the execution's bookkeeping, before it is stored RETRIED.
pub(super) fn record_retry_id(e: &mut Execution) {
    let id = retry_id(&e.id);
    if !e.variables.is_object() {
        e.variables = json!({});
    }
    if let Some(vars) = e.variables.as_object_mut() {
        let meta = vars.entry(INTERNAL).or_insert_with(|| json!({}));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert("retryId".into(), Value::String(id));
        }
    }
}

/// The recorded retry id of a RETRIED execution (`None` for executions stored before ids were
/// recorded: their retries exist under other ids, so nothing is recovered for them).
pub(super) fn recorded_retry_id(e: &Execution) -> Option<&str> {
    retry_meta(e, "retryId").and_then(Value::as_str)
}

/// Creates the missing retries of the RETRIED executions of the last days; returns how many.
/// One execution's failure is logged and the others are still looked at (the next recovery
/// tries it again); only a failed search ends it early.
pub(super) async fn recover(inner: &Arc<Inner>) -> Result<usize, EngineError> {
    let filter = ExecutionFilter {
        states: vec![State::Retried],
        from: Some(Utc::now() - Duration::days(LOOKBACK_DAYS)),
        ..Default::default()
    };
    let mut created = 0;
    for offset in (0..).step_by(PAGE as usize) {
        let page = Page {
            offset,
            limit: PAGE,
        };
        let found = inner.store.search_executions(&filter, page).await?;
        for old in &found {
            match recover_one(inner, old).await {
                Ok(true) => created += 1,
                Ok(false) => {}
                Err(error) => tracing::warn!(execution_id = %old.id, %error,
                    "cannot create the retry of a RETRIED execution"),
            }
        }
        if (found.len() as i64) < PAGE {
            break;
        }
    }
    Ok(created)
}

/// Creates the retry of RETRIED execution `old` if it has a recorded id and does not exist;
/// returns whether it did.
async fn recover_one(inner: &Arc<Inner>, old: &Execution) -> Result<bool, EngineError> {
    let Some(id) = recorded_retry_id(old) else {
        return Ok(false);
    };
    if inner.store.execution(id).await?.is_some() {
        return Ok(false);
    }
    super::commands::retry_as_new(inner, old).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::record_retry_id;
    use crate::engine::driver::{Engine, EngineConfig, commands};
    use crate::engine::{StoreFlowResolver, flow_identity};
    use crate::store::model::{Execution, NewRevision, State};
    use crate::store::{ExecutionFilter, Page, Store, open_store};
    use crate::template::Renderer;

    const FLOW: &str = "id: again\nnamespace: unit\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n";

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn creating_the_same_retry_twice_returns_the_existing_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("b.db").display());
        let store: Arc<dyn Store> = open_store(&url).await.expect("store");
        let (namespace, id) = flow_identity(FLOW).expect("identity");
        let revision = NewRevision {
            namespace,
            id,
            source: FLOW.into(),
            commit: None,
            path: None,
            author: None,
        };
        let deployed = store.deploy_revision(revision).await.expect("deploy");
        let resolver = Arc::new(StoreFlowResolver::new(Arc::clone(&store)));
        let config = EngineConfig {
            data_dir: dir.path().join("data"),
            ..EngineConfig::default()
        };
        let engine = Engine::new(Arc::clone(&store), Renderer::new(), resolver, config);
        let mut old = Execution::new("unit", "again", deployed.revision, chrono::Utc::now());
        old.state = State::Retried;
        record_retry_id(&mut old);
        store.create_execution(&old).await.expect("stored");

        let first = commands::retry_as_new(&engine.inner, &old)
            .await
            .expect("created");
        // A recovery racing the process that stored RETRIED: the id is taken already.
        let second = commands::retry_as_new(&engine.inner, &old)
            .await
            .expect("the existing retry, not a conflict");
        assert_eq!(second.id, first.id);
        let stored = store
            .execution(&first.id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(
            second.created, stored.created,
            "the stored one, not a new one"
        );
        let filter = ExecutionFilter {
            flow_id: Some("again".into()),
            ..ExecutionFilter::default()
        };
        let all = store
            .search_executions(&filter, Page::first(10))
            .await
            .expect("search");
        assert_eq!(all.len(), 2, "the RETRIED execution and one retry");
    }
}

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

//! Keeping secrets out of responses: inputs declared `SECRET` in the execution's flow revision
//! are replaced by a mask before an execution leaves the server (API and pages alike).

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use super::context::WebContext;
use super::control::parse_flow;
use crate::spec::InputType;
use crate::store::model::Execution;

/// What a secret input shows instead of its value.
pub const MASK: &str = "******";

/// Masks the SECRET inputs of each execution (flow revisions read once per request).
pub async fn redact(ctx: &WebContext, executions: &mut [Execution]) {
    let mut secret_ids: HashMap<(String, String, i64), Vec<String>> = HashMap::new();
    for execution in executions.iter_mut() {
        let key = (
            execution.namespace.clone(),
            execution.flow_id.clone(),
            execution.flow_revision,
        );
        if !secret_ids.contains_key(&key) {
            let ids = secret_inputs(ctx, &key).await;
            secret_ids.insert(key.clone(), ids);
        }
        let Some(ids) = secret_ids.get(&key) else {
            continue;
        };
        if let Value::Object(inputs) = &mut execution.inputs {
            for id in ids {
                if let Some(value) = inputs.get_mut(id)
                    && !value.is_null()
                {
                    *value = Value::String(MASK.into());
                }
            }
        }
    }
}

/// Secret input ids per flow revision. A revision never changes, so what is read once stays
/// true; the cache is emptied past `CACHE_LIMIT` revisions to stay small.
#[derive(Debug, Default)]
pub struct SecretCache(Mutex<HashMap<RevisionKey, Vec<String>>>);

type RevisionKey = (String, String, i64);

const CACHE_LIMIT: usize = 10_000;

async fn secret_inputs(ctx: &WebContext, key: &RevisionKey) -> Vec<String> {
    if let Some(ids) = ctx.secrets.0.lock().ok().and_then(|c| c.get(key).cloned()) {
        return ids;
    }
    let (namespace, id, revision) = key;
    let Ok(Some(stored)) = ctx.store.flow_revision(namespace, id, *revision).await else {
        // Not cached: a revision may be missing only for now (or the store failed).
        return Vec::new();
    };
    let ids = secret_ids(&stored.source);
    if let Ok(mut cache) = ctx.secrets.0.lock() {
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key.clone(), ids.clone());
    }
    ids
}

fn secret_ids(source: &str) -> Vec<String> {
    parse_flow(source)
        .map(|flow| {
            flow.inputs
                .iter()
                .filter(|i| i.kind == InputType::Secret)
                .map(|i| i.id.clone())
                .collect()
        })
        .unwrap_or_default()
}

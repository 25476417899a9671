//! Start-up: rebuild the live registry from the store's live revisions before the first sync,
//! so a restart neither redeploys nor loses anything, and triggers run at once.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::store::model::FlowRevision;
use crate::validate::validate_flow_source;

use super::reconcile::namespaces_state_key;
use super::{DeployError, LiveFlow, NamespaceSet, Reconciler, Registry};

impl Reconciler {
    /// Loads the live revisions (of the filtered namespaces), the namespace configuration and
    /// the last applied revision from the store, and swaps them in. Returns how many flows are
    /// live.
    pub async fn restore(&self) -> Result<usize, DeployError> {
        let store = self.store();
        let options = self.options();
        let revisions: Vec<FlowRevision> = store
            .live_flows()
            .await?
            .into_iter()
            .filter(|r| {
                options
                    .namespace_filter
                    .as_ref()
                    .is_none_or(|f| f.matches(&r.namespace))
            })
            .collect();
        let namespaces: NamespaceSet = store
            .trigger_state_get(&namespaces_state_key(&options.repo))
            .await?
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        let status = store.sync_status(&options.repo).await?;
        let namespaces = Arc::new(namespaces);
        let typed = {
            let namespaces = namespaces.clone();
            tokio::task::spawn_blocking(move || type_revisions(revisions, &namespaces)).await?
        };
        let count = typed.len();
        let revision = status.and_then(|s| s.last_applied_revision);
        self.set_last_applied(revision.clone()).await;
        self.registry()
            .swap(Registry::new(typed, namespaces, None, revision));
        Ok(count)
    }
}

/// The typed flow of each stored revision (they were valid when deployed; one that no longer
/// parses, after an upgrade of baton, is left out and will be redeployed by the next sync).
fn type_revisions(
    revisions: Vec<FlowRevision>,
    namespaces: &NamespaceSet,
) -> BTreeMap<(String, String), Arc<LiveFlow>> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if cores <= 1 || revisions.len() < 32 {
        return type_chunk(revisions, namespaces);
    }
    let chunk = revisions.len().div_ceil(cores);
    let mut parts: Vec<Vec<FlowRevision>> = Vec::new();
    let mut rest = revisions;
    while !rest.is_empty() {
        let tail = rest.split_off(chunk.min(rest.len()));
        parts.push(std::mem::replace(&mut rest, tail));
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || type_chunk(part, namespaces)))
            .collect();
        let mut out = BTreeMap::new();
        for worker in workers {
            match worker.join() {
                Ok(map) => out.extend(map),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

fn type_chunk(
    revisions: Vec<FlowRevision>,
    namespaces: &NamespaceSet,
) -> BTreeMap<(String, String), Arc<LiveFlow>> {
    let mut out = BTreeMap::new();
    for revision in revisions {
        let path = revision.path.clone().unwrap_or_default();
        let context = namespaces.context_for(&revision.namespace);
        let (flow, diagnostics) = validate_flow_source(&path, &revision.source, &context);
        match flow {
            Some(flow) => {
                let uid = (revision.namespace.clone(), revision.id.clone());
                out.insert(
                    uid,
                    Arc::new(LiveFlow {
                        flow: Arc::new(flow),
                        revision,
                    }),
                );
            }
            None => tracing::warn!(
                namespace = %revision.namespace,
                flow = %revision.id,
                errors = diagnostics.len(),
                "a stored revision no longer validates; it waits for the next sync"
            ),
        }
    }
    out
}

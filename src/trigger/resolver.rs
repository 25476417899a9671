//! `RegistryResolver`: the engine's view of flows in the daemon. The live revision comes from
//! the live registry (one consistent snapshot, namespace plugin defaults already applied);
//! pinned older revisions (restarts, replays) come from the store with the registry's namespace
//! configuration; `{{ namespace.x }}` variables are the registry's inherited ones.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::deploy::LiveRegistry;
use crate::engine::{FlowError, FlowResolver, NamespaceHooks, ResolvedFlow, StoreFlowResolver};
use crate::spec::PluginDefault;
use crate::store::Store;

/// Flows for the engine, from the live registry first.
pub struct RegistryResolver {
    registry: Arc<LiveRegistry>,
    stored: StoreFlowResolver,
}

/// The registry's namespace configuration, for revisions read from the store.
struct RegistryNamespaces(Arc<LiveRegistry>);

impl NamespaceHooks for RegistryNamespaces {
    fn plugin_defaults(&self, namespace: &str) -> Vec<PluginDefault> {
        self.0
            .snapshot()
            .namespaces()
            .context_for(namespace)
            .plugin_defaults
    }

    fn variables(&self, namespace: &str) -> Map<String, Value> {
        match self.0.snapshot().namespace_variables(namespace) {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

impl RegistryResolver {
    /// A resolver over the live registry, falling back to `store` for older revisions.
    pub fn new(registry: Arc<LiveRegistry>, store: Arc<dyn Store>) -> RegistryResolver {
        let hooks = Arc::new(RegistryNamespaces(registry.clone()));
        RegistryResolver {
            registry,
            stored: StoreFlowResolver::with_hooks(store, hooks),
        }
    }
}

#[async_trait]
impl FlowResolver for RegistryResolver {
    async fn resolve(
        &self,
        namespace: &str,
        id: &str,
        revision: Option<i64>,
    ) -> Result<ResolvedFlow, FlowError> {
        if let Some(live) = self.registry.get(namespace, id)
            && revision.is_none_or(|r| r == live.revision.revision)
        {
            return Ok(ResolvedFlow {
                flow: live.flow.clone(),
                revision: live.revision.revision,
                commit: live.revision.commit.clone(),
            });
        }
        if revision.is_none() {
            // Not live in this daemon (pruned, filtered out): not runnable.
            return Err(FlowError::NotFound {
                namespace: namespace.into(),
                id: id.into(),
            });
        }
        self.stored.resolve(namespace, id, revision).await
    }

    fn namespace_variables(&self, namespace: &str) -> Map<String, Value> {
        match self.registry.snapshot().namespace_variables(namespace) {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

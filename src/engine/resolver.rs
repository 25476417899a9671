//! `FlowResolver`: how the engine finds the flow an execution runs. `StoreFlowResolver` reads
//! a revision's source from the store, parses it (`load`), applies plugin defaults (the flow's,
//! then those the `NamespaceHooks` supply) and caches the result by (namespace, id, revision).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::engine::error::FlowError;
use crate::spec::defaults::apply_plugin_defaults;
use crate::spec::{Flow, PluginDefault};
use crate::store::Store;

/// A flow resolved for an execution, with the revision (and commit) it pins.
#[derive(Debug, Clone)]
pub struct ResolvedFlow {
    pub flow: Arc<Flow>,
    pub revision: i64,
    pub commit: Option<String>,
}

/// Finds flows by namespace, id and revision (`None`: the live one).
#[async_trait]
pub trait FlowResolver: Send + Sync {
    /// The flow, parsed with its plugin defaults applied.
    async fn resolve(
        &self,
        namespace: &str,
        id: &str,
        revision: Option<i64>,
    ) -> Result<ResolvedFlow, FlowError>;
    /// Namespace variables (`{{ namespace.x }}`) of a namespace.
    fn namespace_variables(&self, namespace: &str) -> Map<String, Value>;
}

/// Namespace-level configuration the deploy module supplies (defaults and variables).
pub trait NamespaceHooks: Send + Sync {
    /// Plugin defaults of a namespace and its parents, nearest first.
    fn plugin_defaults(&self, namespace: &str) -> Vec<PluginDefault>;
    /// Variables of a namespace (inherited ones merged).
    fn variables(&self, namespace: &str) -> Map<String, Value>;
}

/// No namespace configuration.
#[derive(Debug, Default)]
pub struct NoNamespaceHooks;

impl NamespaceHooks for NoNamespaceHooks {
    fn plugin_defaults(&self, _namespace: &str) -> Vec<PluginDefault> {
        Vec::new()
    }
    fn variables(&self, _namespace: &str) -> Map<String, Value> {
        Map::new()
    }
}

type Key = (String, String, i64);

/// Resolves flows from the store's revisions, cached.
pub struct StoreFlowResolver {
    store: Arc<dyn Store>,
    hooks: Arc<dyn NamespaceHooks>,
    cache: Mutex<HashMap<Key, ResolvedFlow>>,
}

impl StoreFlowResolver {
    /// A resolver over `store` without namespace configuration.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self::with_hooks(store, Arc::new(NoNamespaceHooks))
    }

    /// A resolver over `store` with namespace configuration.
    pub fn with_hooks(store: Arc<dyn Store>, hooks: Arc<dyn NamespaceHooks>) -> Self {
        StoreFlowResolver {
            store,
            hooks,
            cache: Mutex::new(HashMap::new()),
        }
    }
}

/// Parses a flow source, applying the flow's own plugin defaults then the namespace's.
pub fn parse_flow(source: &str, namespace_defaults: &[PluginDefault]) -> Result<Flow, String> {
    let doc = crate::load::parse_str(source, &crate::load::Limits::default())
        .map_err(|e| e.to_string())?;
    let mut value = doc.value;
    let mut defaults: Vec<PluginDefault> = match value
        .get("pluginDefaults")
        .or_else(|| value.get("taskDefaults"))
    {
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("pluginDefaults: {e}"))?,
        None => Vec::new(),
    };
    defaults.extend_from_slice(namespace_defaults);
    apply_plugin_defaults(&mut value, &defaults);
    Flow::from_value(value).map_err(|e| e.to_string())
}

#[async_trait]
impl FlowResolver for StoreFlowResolver {
    async fn resolve(
        &self,
        namespace: &str,
        id: &str,
        revision: Option<i64>,
    ) -> Result<ResolvedFlow, FlowError> {
        if let Some(rev) = revision
            && let Ok(cache) = self.cache.lock()
            && let Some(hit) = cache.get(&(namespace.to_string(), id.to_string(), rev))
        {
            return Ok(hit.clone());
        }
        let store_err = |e: crate::store::StoreError| FlowError::Store {
            namespace: namespace.into(),
            id: id.into(),
            message: e.to_string(),
        };
        let stored = match revision {
            Some(rev) => self
                .store
                .flow_revision(namespace, id, rev)
                .await
                .map_err(store_err)?
                .ok_or_else(|| FlowError::RevisionNotFound {
                    namespace: namespace.into(),
                    id: id.into(),
                    revision: rev,
                })?,
            None => self
                .store
                .live_flow(namespace, id)
                .await
                .map_err(store_err)?
                .ok_or_else(|| FlowError::NotFound {
                    namespace: namespace.into(),
                    id: id.into(),
                })?,
        };
        if stored.deleted {
            return Err(FlowError::NotFound {
                namespace: namespace.into(),
                id: id.into(),
            });
        }
        let key = (namespace.to_string(), id.to_string(), stored.revision);
        if let Ok(cache) = self.cache.lock()
            && let Some(hit) = cache.get(&key)
        {
            return Ok(hit.clone());
        }
        let flow = parse_flow(&stored.source, &self.hooks.plugin_defaults(namespace)).map_err(
            |message| FlowError::Invalid {
                namespace: namespace.into(),
                id: id.into(),
                message,
            },
        )?;
        let resolved = ResolvedFlow {
            flow: Arc::new(flow),
            revision: stored.revision,
            commit: stored.commit.clone(),
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(key, resolved.clone());
        }
        Ok(resolved)
    }

    fn namespace_variables(&self, namespace: &str) -> Map<String, Value> {
        self.hooks.variables(namespace)
    }
}

/// The namespace and id a flow source declares (to deploy it).
pub fn flow_identity(source: &str) -> Result<(String, String), String> {
    let doc = crate::load::parse_str(source, &crate::load::Limits::default())
        .map_err(|e| e.to_string())?;
    let field = |k: &str| {
        doc.value
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("no `{k}`"))
    };
    Ok((field("namespace")?, field("id")?))
}

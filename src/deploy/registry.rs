//! The live registry: every deployed flow with its revision, the namespace configuration and
//! files of the live revision. A reconcile builds a whole new [`Registry`] and swaps it in at
//! once, so an execution or a trigger never sees half a commit.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde_json::Value;
use tokio::sync::watch;

use crate::load::Tree;
use crate::spec::Flow;
use crate::store::model::FlowRevision;

use super::NamespaceSet;

/// One live flow: its typed definition (namespace plugin defaults applied) and its revision.
#[derive(Debug, Clone)]
pub struct LiveFlow {
    pub flow: Arc<Flow>,
    pub revision: FlowRevision,
}

/// The set of live flows at one revision.
#[derive(Clone, Default)]
pub struct Registry {
    flows: BTreeMap<(String, String), Arc<LiveFlow>>,
    namespaces: Arc<NamespaceSet>,
    tree: Option<Arc<dyn Tree>>,
    revision: Option<String>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("flows", &self.flows.len())
            .field("revision", &self.revision)
            .finish()
    }
}

impl Registry {
    /// A registry of `flows` at `revision`.
    pub fn new(
        flows: BTreeMap<(String, String), Arc<LiveFlow>>,
        namespaces: Arc<NamespaceSet>,
        tree: Option<Arc<dyn Tree>>,
        revision: Option<String>,
    ) -> Registry {
        Registry {
            flows,
            namespaces,
            tree,
            revision,
        }
    }

    /// The live flow `namespace.id`.
    pub fn get(&self, namespace: &str, id: &str) -> Option<Arc<LiveFlow>> {
        self.flows
            .get(&(namespace.to_string(), id.to_string()))
            .cloned()
    }

    /// Every live flow, by namespace and id.
    pub fn flows(&self) -> impl Iterator<Item = &Arc<LiveFlow>> {
        self.flows.values()
    }

    /// The flows map, for building the next registry.
    pub(crate) fn flow_map(&self) -> &BTreeMap<(String, String), Arc<LiveFlow>> {
        &self.flows
    }

    /// How many flows are live.
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    /// True when no flow is live.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// The revision (commit sha or worktree snapshot) this registry was built from.
    pub fn revision(&self) -> Option<&str> {
        self.revision.as_deref()
    }

    /// The namespace configuration of the live revision.
    pub fn namespaces(&self) -> &Arc<NamespaceSet> {
        &self.namespaces
    }

    /// The tree of the live revision (`None` until the first sync after a start).
    pub(crate) fn tree(&self) -> Option<&Arc<dyn Tree>> {
        self.tree.as_ref()
    }

    /// `{{ namespace.x }}` for flows of `namespace`: inherited variables, children overriding.
    pub fn namespace_variables(&self, namespace: &str) -> Value {
        self.namespaces.variables_for(namespace)
    }

    /// The bytes of namespace file `name` (a path under `namespaces/<ns>/files/`) as of the live
    /// revision; a child namespace's file shadows its parent's.
    pub fn namespace_file(&self, namespace: &str, name: &str) -> Option<Vec<u8>> {
        let path = self.namespaces.file_path(namespace, name)?;
        self.tree.as_ref()?.read(path).ok()
    }

    /// The names of the namespace files visible to `namespace`.
    pub fn namespace_file_names(&self, namespace: &str) -> Vec<String> {
        let mut names: Vec<String> = crate::validate::namespace_chain(namespace)
            .iter()
            .filter_map(|ns| self.namespaces.files.get(ns))
            .flat_map(|files| files.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// The registry shared by the sync loop (writer), triggers, the engine and the API (readers).
#[derive(Debug)]
pub struct LiveRegistry {
    current: RwLock<Arc<Registry>>,
    changes: watch::Sender<u64>,
}

impl Default for LiveRegistry {
    fn default() -> Self {
        LiveRegistry::new()
    }
}

impl LiveRegistry {
    /// An empty registry.
    pub fn new() -> LiveRegistry {
        LiveRegistry {
            current: RwLock::new(Arc::new(Registry::default())),
            changes: watch::channel(0).0,
        }
    }

    /// The registry as it is now; hold it for as long as one consistent view is needed.
    pub fn snapshot(&self) -> Arc<Registry> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces the whole registry at once and tells subscribers.
    pub fn swap(&self, next: Registry) {
        let next = Arc::new(next);
        match self.current.write() {
            Ok(mut guard) => *guard = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
        self.changes.send_modify(|generation| *generation += 1);
    }

    /// A receiver that changes each time the registry is swapped.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// The live flow `namespace.id` in the current registry.
    pub fn get(&self, namespace: &str, id: &str) -> Option<Arc<LiveFlow>> {
        self.snapshot().get(namespace, id)
    }
}

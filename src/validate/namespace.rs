//! What a flow inherits from its namespaces: plugin defaults and variables of
//! `namespaces/<ns>/namespace.yaml`, for its namespace and every parent (`company.dev` inherits
//! from `company`), nearest first; plus what the repo knows about other flows.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::load::RepoFiles;
use crate::spec::{NamespaceConfig, PluginDefault};

use super::diagnostic::{Diagnostic, Finding};

/// `company.dev.x` -> `["company.dev.x", "company.dev", "company"]` (nearest first).
pub fn namespace_chain(namespace: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = namespace;
    while !current.is_empty() {
        out.push(current.to_string());
        match current.rfind('.') {
            Some(cut) => current = &current[..cut],
            None => break,
        }
    }
    out
}

/// What validating one flow needs to know beyond its own file.
#[derive(Debug, Clone, Default)]
pub struct NamespaceContext {
    /// Plugin defaults of the flow's namespace and its parents, nearest first.
    pub plugin_defaults: Vec<PluginDefault>,
    /// Variable names those namespaces declare (readable as `vars.X`).
    pub variables: HashSet<String>,
    /// `namespace.id` of every flow of the repo; `None` skips the "flow not found" check.
    pub flow_ids: Option<HashSet<String>>,
    /// Subflow calls of the other flows (`namespace.id` -> called `namespace.id`s), so that a
    /// changed file closing a cycle is caught.
    pub calls: BTreeMap<String, BTreeSet<String>>,
}

/// The parsed `namespace.yaml` of every namespace of a repo.
#[derive(Debug, Clone, Default)]
pub struct NamespaceConfigs {
    pub by_namespace: HashMap<String, NamespaceConfig>,
}

impl NamespaceConfigs {
    /// Parses the namespace files of `files`; bad ones become diagnostics and are ignored.
    pub fn from_repo(files: &RepoFiles) -> (Self, Vec<Diagnostic>) {
        let mut by_namespace = HashMap::new();
        let mut diagnostics = Vec::new();
        for file in &files.namespaces {
            let doc = match &file.doc {
                Ok(doc) => doc,
                Err(e) => {
                    diagnostics.push(super::flow_source::load_diagnostic(&file.path, e));
                    continue;
                }
            };
            match serde_path_to_error::deserialize::<_, NamespaceConfig>(&doc.value) {
                Ok(config) => {
                    by_namespace.insert(file.namespace.clone(), config);
                }
                Err(e) => {
                    let pointer = path_pointer(e.path());
                    let message = format!("invalid namespace file: {}", e.into_inner());
                    let finding = Finding::error("invalid-namespace-file", pointer, message);
                    diagnostics.push(finding.place(&file.path, &doc.positions));
                }
            }
        }
        (NamespaceConfigs { by_namespace }, diagnostics)
    }

    /// The context of a flow in `namespace`.
    pub fn context_for(&self, namespace: &str) -> NamespaceContext {
        let mut ctx = NamespaceContext::default();
        for ns in namespace_chain(namespace) {
            if let Some(config) = self.by_namespace.get(&ns) {
                ctx.plugin_defaults
                    .extend(config.plugin_defaults.iter().cloned());
                ctx.variables.extend(config.variables.keys().cloned());
            }
        }
        ctx
    }
}

fn path_pointer(path: &serde_path_to_error::Path) -> String {
    let text = path.to_string();
    if text == "." {
        return String::new();
    }
    text.split('.').map(|s| format!("/{s}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_is_nearest_first() {
        assert_eq!(
            namespace_chain("company.dev.x"),
            ["company.dev.x", "company.dev", "company"]
        );
        assert_eq!(namespace_chain("a"), ["a"]);
        assert!(namespace_chain("").is_empty());
    }
}

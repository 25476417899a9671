//! The namespace folders of one revision: `namespaces/<ns>/namespace.yaml` (variables and
//! plugin defaults, inherited parent -> child: `company` -> `company.dev`) and the namespace
//! files under `namespaces/<ns>/files/`. Only these few files are read, never the flows, so a
//! reconcile of a large repository stays cheap.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::load::{Limits, Tree, parse_document};
use crate::spec::NamespaceConfig;
use crate::spec::defaults::deep_merge;
use crate::validate::{Diagnostic, NamespaceConfigs, NamespaceContext, namespace_chain};

/// The namespace configuration and files of one revision.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NamespaceSet {
    /// Parsed `namespace.yaml` per namespace.
    pub configs: HashMap<String, NamespaceConfig>,
    /// Repo path of each namespace's config file.
    pub config_paths: BTreeMap<String, String>,
    /// Namespace files: namespace -> file name (under `files/`) -> repo path.
    pub files: BTreeMap<String, BTreeMap<String, String>>,
}

/// `namespaces/<ns>/<rest>` -> `(ns, rest)`.
pub(crate) fn namespace_entry(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("namespaces/")?;
    let (ns, rest) = rest.split_once('/')?;
    (!ns.is_empty() && !rest.is_empty()).then_some((ns, rest))
}

/// True for a namespace configuration file path.
pub(crate) fn is_namespace_config(path: &str) -> bool {
    namespace_entry(path)
        .is_some_and(|(_, rest)| matches!(rest, "namespace.yaml" | "namespace.yml"))
}

impl NamespaceSet {
    /// Reads the namespace folders among `paths` (a tree listing); bad files become diagnostics.
    pub fn read(tree: &dyn Tree, paths: &[String]) -> (NamespaceSet, Vec<Diagnostic>) {
        let mut set = NamespaceSet::default();
        let mut diagnostics = Vec::new();
        for path in paths {
            let Some((ns, rest)) = namespace_entry(path) else {
                continue;
            };
            if let Some(name) = rest.strip_prefix("files/") {
                set.files
                    .entry(ns.to_string())
                    .or_default()
                    .insert(name.to_string(), path.clone());
                continue;
            }
            if !is_namespace_config(path) {
                continue;
            }
            let doc = tree
                .read(path)
                .and_then(|bytes| parse_document(&bytes, &Limits::default()));
            let files = crate::load::RepoFiles {
                namespaces: vec![crate::load::NamespaceFile {
                    namespace: ns.to_string(),
                    path: path.clone(),
                    doc,
                }],
                ..Default::default()
            };
            let (configs, diags) = NamespaceConfigs::from_repo(&files);
            diagnostics.extend(diags);
            set.configs.extend(configs.by_namespace);
            set.config_paths.insert(ns.to_string(), path.clone());
        }
        (set, diagnostics)
    }

    /// What validating a flow of `namespace` inherits (plugin defaults, variable names).
    pub fn context_for(&self, namespace: &str) -> NamespaceContext {
        let configs = NamespaceConfigs {
            by_namespace: self.configs.clone(),
        };
        configs.context_for(namespace)
    }

    /// The `namespace` variables a flow of `namespace` sees: every ancestor's `variables`,
    /// parents first, children overriding (deep merge).
    pub fn variables_for(&self, namespace: &str) -> Value {
        let mut merged = Value::Object(Map::new());
        for ns in namespace_chain(namespace).iter().rev() {
            if let Some(config) = self.configs.get(ns) {
                merged = deep_merge(merged, &Value::Object(config.variables.clone()));
            }
        }
        merged
    }

    /// The repo path of namespace file `name` of `namespace` (nearest namespace first, so a
    /// child can shadow a parent's file).
    pub fn file_path(&self, namespace: &str, name: &str) -> Option<&str> {
        namespace_chain(namespace)
            .iter()
            .find_map(|ns| self.files.get(ns)?.get(name))
            .map(String::as_str)
    }

    /// True when a flow of `namespace` inherits from any namespace in `changed`.
    pub fn inherits_from_any(namespace: &str, changed: &[String]) -> bool {
        namespace_chain(namespace)
            .iter()
            .any(|ns| changed.iter().any(|c| c == ns))
    }
}

/// A revision's namespace configuration is what the engine applies to its flows (`baton run`
/// reads it from the repository on disk; the daemon from its live registry).
impl crate::engine::NamespaceHooks for NamespaceSet {
    fn plugin_defaults(&self, namespace: &str) -> Vec<crate::spec::PluginDefault> {
        self.context_for(namespace).plugin_defaults
    }

    fn variables(&self, namespace: &str) -> Map<String, Value> {
        match self.variables_for(namespace) {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(vars: Value) -> NamespaceConfig {
        NamespaceConfig {
            variables: vars.as_object().cloned().unwrap_or_default(),
            ..Default::default()
        }
    }

    #[test]
    fn child_variables_override_parent_ones() {
        let mut set = NamespaceSet::default();
        set.configs.insert(
            "company".into(),
            config(json!({"env": "base", "team": "data", "db": {"host": "h", "port": 1}})),
        );
        set.configs.insert(
            "company.dev".into(),
            config(json!({"env": "dev", "db": {"port": 2}})),
        );
        let vars = set.variables_for("company.dev.sales");
        assert_eq!(
            vars,
            json!({"env": "dev", "team": "data", "db": {"host": "h", "port": 2}})
        );
        assert_eq!(set.variables_for("other"), json!({}));
    }

    #[test]
    fn namespace_config_paths_are_recognised() {
        assert!(is_namespace_config("namespaces/company/namespace.yaml"));
        assert!(!is_namespace_config(
            "namespaces/company/files/namespace.yaml"
        ));
        assert_eq!(
            namespace_entry("namespaces/a.b/files/x.sh"),
            Some(("a.b", "files/x.sh"))
        );
    }
}

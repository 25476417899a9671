//! `--namespace-filter`: which namespaces this daemon deploys. Namespaces are dot-separated, so
//! the glob is matched with `.` as the separator: `company.prod.**` matches `company.prod` and
//! every namespace under it, `company.*` matches one level.

use globset::{GlobBuilder, GlobMatcher};

use crate::deploy::DeployError;

/// A compiled namespace glob.
#[derive(Debug, Clone)]
pub struct NamespaceFilter {
    glob: String,
    matcher: GlobMatcher,
}

impl NamespaceFilter {
    /// Compiles a glob such as `company.prod.**`.
    pub fn new(glob: &str) -> Result<NamespaceFilter, DeployError> {
        let as_path = glob.replace('.', "/");
        let matcher = GlobBuilder::new(&as_path)
            .literal_separator(true)
            .build()
            .map_err(|e| DeployError::Filter {
                glob: glob.to_string(),
                message: e.to_string(),
            })?
            .compile_matcher();
        Ok(NamespaceFilter {
            glob: glob.to_string(),
            matcher,
        })
    }

    /// True when `namespace` is deployed by this daemon.
    pub fn matches(&self, namespace: &str) -> bool {
        let as_path = namespace.replace('.', "/");
        // `a.**` also names `a` itself, as a reader of the flag expects.
        let root = self.glob.strip_suffix(".**");
        self.matcher.is_match(&as_path) || root == Some(namespace)
    }

    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.glob
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_star_matches_the_root_and_every_child() {
        let f = NamespaceFilter::new("company.prod.**").expect("glob");
        assert!(f.matches("company.prod"));
        assert!(f.matches("company.prod.sales"));
        assert!(f.matches("company.prod.sales.eu"));
        assert!(!f.matches("company.dev"));
        assert!(!f.matches("company.production"));
    }

    #[test]
    fn single_star_matches_one_level() {
        let f = NamespaceFilter::new("company.*").expect("glob");
        assert!(f.matches("company.dev"));
        assert!(!f.matches("company.dev.x"));
        assert!(!f.matches("company"));
    }
}

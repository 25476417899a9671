//! Loading a whole repository: `flows/**/*.y(a)ml`, `namespaces/<ns>/namespace.y(a)ml` and the
//! list of `namespaces/<ns>/files/**`, from any [`Tree`] or from paths given on the command line.
//!
//! Loading never stops at a bad file: each file carries its own `Result`, and problems that
//! belong to no file (an unreadable tree, a missing path) are collected in `RepoFiles::errors`.
//! Files are parsed on all cores, in order-preserving chunks.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use super::error::LoadError;
use super::limits::Limits;
use super::tree::{DirTree, Tree};
use super::yaml::{Document, parse_document, parse_str};

/// One flow file: its text (for snippets) and its parse result.
#[derive(Debug, Clone)]
pub struct FlowFile {
    /// Repo-relative path (or, from [`load_paths`], the path as the user gave it).
    pub path: String,
    /// Namespace implied by the folders under `flows/`, if any.
    pub folder_namespace: Option<String>,
    /// The file's text (lossy when it is not UTF-8, empty when it could not be read).
    pub text: String,
    /// The parsed document, or why there is none.
    pub doc: Result<Document, LoadError>,
}

/// A `namespaces/<ns>/namespace.yaml` file.
#[derive(Debug, Clone)]
pub struct NamespaceFile {
    /// The `<ns>` folder name.
    pub namespace: String,
    /// Repo-relative path.
    pub path: String,
    /// The parsed document, or why there is none.
    pub doc: Result<Document, LoadError>,
}

/// A file under `namespaces/<ns>/files/`, listed but not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceAsset {
    /// The `<ns>` folder name.
    pub namespace: String,
    /// Repo-relative path.
    pub path: String,
    /// Path relative to the namespace's `files/` folder.
    pub name: String,
}

/// A problem that belongs to no single loaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    /// The path concerned ("." for the tree itself).
    pub path: String,
    /// What went wrong.
    pub error: LoadError,
}

/// Everything loaded from a repository.
#[derive(Debug, Clone, Default)]
pub struct RepoFiles {
    /// Flow files, sorted by path.
    pub flows: Vec<FlowFile>,
    /// Namespace configuration files, sorted by path.
    pub namespaces: Vec<NamespaceFile>,
    /// Namespace files (paths only), sorted by path.
    pub assets: Vec<NamespaceAsset>,
    /// Problems outside any single file.
    pub errors: Vec<PathError>,
}

/// Loads every flow and namespace file of `tree`.
pub fn load_repo(tree: &dyn Tree, limits: &Limits) -> RepoFiles {
    let paths = match tree.list() {
        Ok(paths) => paths,
        Err(error) => {
            let path = ".".to_owned();
            let errors = vec![PathError { path, error }];
            return RepoFiles {
                errors,
                ..RepoFiles::default()
            };
        }
    };
    let mut flow_paths = Vec::new();
    let mut namespace_paths = Vec::new();
    let mut assets = Vec::new();
    for path in paths {
        if path.starts_with("flows/") && is_yaml(&path) {
            flow_paths.push(path);
        } else if let Some((namespace, rest)) = namespace_entry(&path) {
            if matches!(rest, "namespace.yaml" | "namespace.yml") {
                namespace_paths.push((namespace.to_owned(), path));
            } else if let Some(name) = rest.strip_prefix("files/") {
                let (namespace, name) = (namespace.to_owned(), name.to_owned());
                assets.push(NamespaceAsset {
                    namespace,
                    path,
                    name,
                });
            }
        }
    }
    let flows = map_in_parallel(&flow_paths, |path| {
        load_flow(tree, path, namespace_of_path(path), limits)
    });
    let namespaces = namespace_paths
        .into_iter()
        .map(|(namespace, path)| {
            let doc = tree.read(&path).and_then(|b| parse_document(&b, limits));
            NamespaceFile {
                namespace,
                path,
                doc,
            }
        })
        .collect();
    RepoFiles {
        flows,
        namespaces,
        assets,
        errors: Vec::new(),
    }
}

/// `flows/company/team/etl.yaml` -> `company.team`; `None` outside `flows/` or directly in it.
pub fn namespace_of_path(path: &str) -> Option<String> {
    let (folders, _file) = path.strip_prefix("flows/")?.rsplit_once('/')?;
    let parts: Vec<&str> = folders.split('/').filter(|s| !s.is_empty()).collect();
    (!parts.is_empty()).then(|| parts.join("."))
}

/// Loads what `baton validate PATH...` was given: repo roots (folders with a `flows/` folder),
/// other folders (every YAML file under them) and single files.
pub fn load_paths(paths: &[PathBuf], limits: &Limits) -> RepoFiles {
    let mut files = RepoFiles::default();
    let mut seen = HashSet::new();
    for given in paths {
        let shown = shown_path(given, "");
        if let Err(error) = load_path(given, limits, &mut files, &mut seen) {
            files.errors.push(PathError { path: shown, error });
        }
    }
    files
}

fn load_path(
    given: &Path,
    limits: &Limits,
    files: &mut RepoFiles,
    seen: &mut HashSet<PathBuf>,
) -> Result<(), LoadError> {
    let shown = shown_path(given, "");
    let meta = std::fs::metadata(given).map_err(|e| LoadError::io(&shown, &e))?;
    if !meta.is_dir() {
        let parent = given.parent().filter(|p| !p.as_os_str().is_empty());
        let tree = DirTree::new(parent.unwrap_or(Path::new(".")))?.with_max_bytes(limits.max_bytes);
        let name = given
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let real = tree.root().join(name);
        if seen.insert(real.clone()) {
            files
                .flows
                .push(load_loose_flow(&tree, name, shown, &real, limits));
        }
        return Ok(());
    }
    let tree = DirTree::new(given)?.with_max_bytes(limits.max_bytes);
    if given.join("flows").is_dir() {
        let repo = load_repo(&tree, limits);
        let fresh = |path: &str| seen.insert(tree.root().join(path));
        absorb(files, repo, given, fresh);
        return Ok(());
    }
    let yaml: Vec<String> = tree.list()?.into_iter().filter(|p| is_yaml(p)).collect();
    let yaml: Vec<String> = yaml
        .into_iter()
        .filter(|p| seen.insert(tree.root().join(p)))
        .collect();
    let flows = map_in_parallel(&yaml, |path| {
        let real = tree.root().join(path);
        load_loose_flow(&tree, path, shown_path(given, path), &real, limits)
    });
    files.flows.extend(flows);
    Ok(())
}

/// Adds a repo loaded from `root` to `files`, with paths shown relative to where the user is.
fn absorb(
    files: &mut RepoFiles,
    repo: RepoFiles,
    root: &Path,
    mut fresh: impl FnMut(&str) -> bool,
) {
    let flows = repo.flows.into_iter().filter(|f| fresh(&f.path));
    files.flows.extend(flows.map(|f| FlowFile {
        path: shown_path(root, &f.path),
        ..f
    }));
    let namespaces = repo.namespaces.into_iter().filter(|n| fresh(&n.path));
    files.namespaces.extend(namespaces.map(|n| NamespaceFile {
        path: shown_path(root, &n.path),
        ..n
    }));
    let assets = repo.assets.into_iter().map(|a| NamespaceAsset {
        path: shown_path(root, &a.path),
        ..a
    });
    files.assets.extend(assets);
    let errors = repo.errors.into_iter().map(|e| PathError {
        path: shown_path(root, &e.path),
        ..e
    });
    files.errors.extend(errors);
}

/// Loads a flow found outside a repo walk; its namespace comes from a `flows/` ancestor.
fn load_loose_flow(
    tree: &DirTree,
    path: &str,
    shown: String,
    real: &Path,
    limits: &Limits,
) -> FlowFile {
    let flow = load_flow(tree, path, folder_namespace(real), limits);
    FlowFile {
        path: shown,
        ..flow
    }
}

fn load_flow(
    tree: &dyn Tree,
    path: &str,
    folder_namespace: Option<String>,
    limits: &Limits,
) -> FlowFile {
    let (text, doc) = match tree.read(path) {
        Ok(bytes) => decode_and_parse(bytes, limits),
        Err(error) => (String::new(), Err(error)),
    };
    let path = path.to_owned();
    FlowFile {
        path,
        folder_namespace,
        text,
        doc,
    }
}

/// Keeps the text (moved, not copied) next to its parse result.
fn decode_and_parse(bytes: Vec<u8>, limits: &Limits) -> (String, Result<Document, LoadError>) {
    match String::from_utf8(bytes) {
        Ok(text) => {
            let doc = parse_str(&text, limits);
            (text, doc)
        }
        Err(err) => {
            let doc = parse_document(err.as_bytes(), limits);
            (String::from_utf8_lossy(err.as_bytes()).into_owned(), doc)
        }
    }
}

/// Namespace from the folders between the nearest `flows` ancestor and the file.
fn folder_namespace(real: &Path) -> Option<String> {
    let folders: Vec<&str> = real
        .parent()?
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => name.to_str(),
            _ => None,
        })
        .collect();
    let flows = folders.iter().rposition(|&name| name == "flows")?;
    let parts = &folders[flows + 1..];
    (!parts.is_empty()).then(|| parts.join("."))
}

/// `namespaces/<ns>/<rest>` -> `(ns, rest)`.
fn namespace_entry(path: &str) -> Option<(&str, &str)> {
    path.strip_prefix("namespaces/")?
        .split_once('/')
        .filter(|(ns, rest)| !ns.is_empty() && !rest.is_empty())
}

fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

/// `root` joined with a repo-relative path, without a leading `./`.
fn shown_path(root: &Path, rel: &str) -> String {
    let joined = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let shown = joined.to_string_lossy().into_owned();
    match shown.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => shown,
    }
}

/// Applies `f` to every item on all available cores, keeping the order of `items`.
fn map_in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    // Threads cost more than they save on a handful of small files.
    if cores == 1 || items.len() < 32 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| match worker.join() {
                Ok(results) => results,
                // A panic in a worker is a bug in baton; re-raise it where it can be seen.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_namespace_uses_nearest_flows_ancestor() {
        let real = Path::new("/home/me/repo/flows/company/team/etl.yaml");
        assert_eq!(folder_namespace(real).as_deref(), Some("company.team"));
        assert_eq!(folder_namespace(Path::new("/x/flows/etl.yaml")), None);
        assert_eq!(folder_namespace(Path::new("/x/etl.yaml")), None);
    }

    #[test]
    fn shown_path_drops_leading_dot() {
        assert_eq!(shown_path(Path::new("."), "flows/a.yaml"), "flows/a.yaml");
        assert_eq!(
            shown_path(Path::new("repo"), "flows/a.yaml"),
            "repo/flows/a.yaml"
        );
    }
}

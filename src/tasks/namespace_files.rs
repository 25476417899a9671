//! Namespace files: the files under `namespaces/<ns>/files/` of the deployed repository, which
//! script tasks copy into their working directory (`namespaceFiles: {enabled: true}`). A worker
//! fetches them through the `NamespaceFiles` trait, so it does not care whether they come from
//! a directory (`baton run --flows DIR`) or from the live Git commit.

use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;

use super::error::WorkerTaskError;

/// Where a worker finds the files of a namespace.
#[async_trait]
pub trait NamespaceFiles: Send + Sync {
    /// Every file of `namespace`, as `/`-separated paths relative to its `files/` directory.
    async fn list(&self, namespace: &str) -> Result<Vec<String>, WorkerTaskError>;
    /// The content of one file of `namespace`.
    async fn read(&self, namespace: &str, path: &str) -> Result<Vec<u8>, WorkerTaskError>;
}

/// Namespace files read from a checked-out repository: `<root>/namespaces/<ns>/files/`.
#[derive(Debug, Clone)]
pub struct DirNamespaceFiles {
    /// The repository root (the directory holding `flows/` and `namespaces/`).
    pub root: PathBuf,
}

/// No namespace files at all (a worker started without a repository).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNamespaceFiles;

impl DirNamespaceFiles {
    /// Files of the repository at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirNamespaceFiles { root: root.into() }
    }

    fn dir(&self, namespace: &str) -> Result<PathBuf, WorkerTaskError> {
        if !is_relative_name(namespace) || namespace.contains('/') {
            return Err(WorkerTaskError::NamespaceFiles {
                namespace: namespace.to_owned(),
                reason: "not a namespace name".to_owned(),
            });
        }
        Ok(self.root.join("namespaces").join(namespace).join("files"))
    }
}

/// True for a non-empty relative path of normal components only.
fn is_relative_name(name: &str) -> bool {
    !name.is_empty()
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

#[async_trait]
impl NamespaceFiles for DirNamespaceFiles {
    async fn list(&self, namespace: &str) -> Result<Vec<String>, WorkerTaskError> {
        let dir = self.dir(namespace)?;
        let namespace = namespace.to_owned();
        tokio::task::spawn_blocking(move || list_blocking(&dir, &namespace))
            .await
            .map_err(|error| WorkerTaskError::NamespaceFiles {
                namespace: String::new(),
                reason: error.to_string(),
            })?
    }

    async fn read(&self, namespace: &str, path: &str) -> Result<Vec<u8>, WorkerTaskError> {
        if !is_relative_name(path) {
            return Err(WorkerTaskError::NamespaceFiles {
                namespace: namespace.to_owned(),
                reason: format!("{path:?} is not a relative path"),
            });
        }
        let file = self.dir(namespace)?.join(path);
        tokio::fs::read(&file)
            .await
            .map_err(|error| WorkerTaskError::NamespaceFiles {
                namespace: namespace.to_owned(),
                reason: format!("{}: {error}", file.display()),
            })
    }
}

#[async_trait]
impl NamespaceFiles for NoNamespaceFiles {
    async fn list(&self, _namespace: &str) -> Result<Vec<String>, WorkerTaskError> {
        Ok(Vec::new())
    }

    async fn read(&self, namespace: &str, path: &str) -> Result<Vec<u8>, WorkerTaskError> {
        Err(WorkerTaskError::NamespaceFiles {
            namespace: namespace.to_owned(),
            reason: format!("no repository configured to read {path:?} from"),
        })
    }
}

/// Regular files under `dir` (symlinks skipped: they could point outside the repository).
fn list_blocking(dir: &Path, namespace: &str) -> Result<Vec<String>, WorkerTaskError> {
    let failed = |path: &Path, error: std::io::Error| WorkerTaskError::NamespaceFiles {
        namespace: namespace.to_owned(),
        reason: format!("{}: {error}", path.display()),
    };
    let mut files = Vec::new();
    if !dir.is_dir() {
        return Ok(files);
    }
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let current = dir.join(&relative);
        for entry in std::fs::read_dir(&current).map_err(|e| failed(&current, e))? {
            let entry = entry.map_err(|e| failed(&current, e))?;
            let kind = entry.file_type().map_err(|e| failed(&entry.path(), e))?;
            let child = relative.join(entry.file_name());
            if kind.is_dir() {
                pending.push(child);
            } else if kind.is_file() {
                files.push(
                    child
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
    }
    files.sort();
    Ok(files)
}

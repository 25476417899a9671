//! The file store on a local directory: files are copied in by streaming, found by URI, and
//! removed per execution. Every path is checked to stay under the root, symlinks included.

use std::path::{Path, PathBuf};

use super::error::FileError;
use super::key::{FileKey, execution_segments, name_segments, segment, uri_of, uri_segments};

/// Task files stored under one root directory.
#[derive(Debug, Clone)]
pub struct FileStore {
    /// The directory holding every file.
    pub root: PathBuf,
}

impl FileStore {
    /// A store rooted at `root` (created on first `put`).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The URI `name` would have for `key`, without storing anything.
    pub fn uri(&self, key: &FileKey, name: &str) -> Result<String, FileError> {
        let mut segments = key.segments()?;
        segments.extend(name_segments(name)?);
        Ok(uri_of(&segments))
    }

    /// Copies the file at `from` into the store as `name` of `key`'s task run; returns its URI.
    /// The copy streams (never loads the file) into a temporary name, then is renamed in place.
    pub async fn put(&self, key: &FileKey, name: &str, from: &Path) -> Result<String, FileError> {
        let uri = self.uri(key, name)?;
        self.put_at(uri, from).await
    }

    /// Copies an uploaded input file into the store, Kestra's way:
    /// `kestra:///<namespace>/<flow>/executions/<execution>/inputs/<input>/<name>`.
    pub async fn put_input(
        &self,
        execution: (&str, &str, &str),
        input: &str,
        name: &str,
        from: &Path,
    ) -> Result<String, FileError> {
        let (namespace, flow_id, execution_id) = execution;
        let mut segments = execution_segments(namespace, flow_id, execution_id)?;
        segments.push("inputs".to_owned());
        segments.push(segment(input)?);
        segments.push(segment(name)?);
        self.put_at(uri_of(&segments), from).await
    }

    async fn put_at(&self, uri: String, from: &Path) -> Result<String, FileError> {
        let target = self.path_for(&uri, false).await?;
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(FileError::io(parent))?;
        }
        // Parents now exist: check again that none of them is a symlink leaving the root.
        let target = self.path_for(&uri, false).await?;
        let partial = target.with_file_name(format!(
            ".{}.partial-{}",
            target
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            uuid::Uuid::new_v4()
        ));
        if let Err(source) = tokio::fs::copy(from, &partial).await {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(FileError::Io {
                path: from.to_path_buf(),
                source,
            });
        }
        tokio::fs::rename(&partial, &target)
            .await
            .map_err(FileError::io(&target))?;
        Ok(uri)
    }

    /// The path of the stored file at `uri`; it must exist.
    pub async fn path_of(&self, uri: &str) -> Result<PathBuf, FileError> {
        self.path_for(uri, true).await
    }

    /// Opens the stored file at `uri` for reading.
    pub async fn open(&self, uri: &str) -> Result<tokio::fs::File, FileError> {
        let path = self.path_of(uri).await?;
        tokio::fs::File::open(&path)
            .await
            .map_err(FileError::io(path))
    }

    /// The URIs of every file an execution stored so far, sorted; symlinks are not followed.
    pub async fn execution_files(
        &self,
        namespace: &str,
        flow_id: &str,
        execution_id: &str,
    ) -> Result<Vec<String>, FileError> {
        let segments = execution_segments(namespace, flow_id, execution_id)?;
        let dir = self.path_for(&uri_of(&segments), false).await?;
        let mut uris = Vec::new();
        let mut todo = vec![(dir, segments)];
        while let Some((dir, segments)) = todo.pop() {
            let mut entries = match tokio::fs::read_dir(&dir).await {
                Ok(entries) => entries,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => return Err(FileError::io(dir)(error)),
            };
            while let Some(entry) = entries.next_entry().await.map_err(FileError::io(&dir))? {
                let kind = entry
                    .file_type()
                    .await
                    .map_err(FileError::io(entry.path()))?;
                let mut child = segments.clone();
                child.push(entry.file_name().to_string_lossy().into_owned());
                if kind.is_dir() {
                    todo.push((entry.path(), child));
                } else if kind.is_file() {
                    uris.push(uri_of(&child));
                }
            }
        }
        uris.sort_unstable();
        Ok(uris)
    }

    /// Removes every file of an execution; an execution without files is fine.
    pub async fn delete_execution(
        &self,
        namespace: &str,
        flow_id: &str,
        execution_id: &str,
    ) -> Result<(), FileError> {
        let segments = execution_segments(namespace, flow_id, execution_id)?;
        let dir = self.path_for(&uri_of(&segments), false).await?;
        match tokio::fs::remove_dir_all(&dir).await {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                Err(FileError::io(dir)(error))
            }
            _ => Ok(()),
        }
    }

    /// Resolves `uri` under the root, refusing any existing component that is a symlink (it
    /// could lead outside the root); with `must_exist`, the file itself must be a regular file.
    async fn path_for(&self, uri: &str, must_exist: bool) -> Result<PathBuf, FileError> {
        let (root, uri) = (self.root.clone(), uri.to_owned());
        tokio::task::spawn_blocking(move || checked_path(&root, &uri, must_exist))
            .await
            .map_err(|error| FileError::io(&self.root)(std::io::Error::other(error)))?
    }
}

/// [`FileStore::path_for`], blocking: for callers already off the async threads.
pub(super) fn checked_path(root: &Path, uri: &str, must_exist: bool) -> Result<PathBuf, FileError> {
    let segments = uri_segments(uri)?;
    let mut path = root.to_path_buf();
    let last = segments.len().saturating_sub(1);
    for (index, segment) in segments.iter().enumerate() {
        path.push(segment);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(FileError::Escapes {
                    value: uri.to_owned(),
                    reason: "symlink in stored path",
                });
            }
            Ok(meta) if must_exist && index == last && !meta.is_file() => {
                return Err(FileError::NotFound {
                    uri: uri.to_owned(),
                });
            }
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                if must_exist {
                    return Err(FileError::NotFound {
                        uri: uri.to_owned(),
                    });
                }
                break;
            }
            Err(error) => return Err(FileError::io(path)(error)),
        }
    }
    Ok(root.join(segments.join("/")))
}

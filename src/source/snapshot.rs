//! A working tree read as a [`Tree`]: the files under `flows/` and `namespaces/`, held in memory
//! with a content hash each, so that two snapshots can be compared ([`diff`]) and so that what is
//! deployed is exactly what was hashed even if the editor writes again meanwhile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::load::{LoadError, Tree};
use crate::source::watch::is_editor_temp;
use crate::source::{Change, ChangeKind, DEFAULT_MAX_FILE_SIZE, TreeError};

/// The directories of a baton repository that hold flows and namespace configuration.
const ROOTS: [&str; 2] = ["flows", "namespaces"];

/// The flow files of a working directory at one moment.
#[derive(Debug, Clone, Default)]
pub struct DirSnapshot {
    files: BTreeMap<String, SnapshotFile>,
}

#[derive(Debug, Clone)]
struct SnapshotFile {
    hash: String,
    content: Result<Arc<[u8]>, Refusal>,
}

/// Why a file is listed but cannot be read; kept as data so the snapshot stays `Clone`.
#[derive(Debug, Clone)]
enum Refusal {
    Symlink,
    TooLarge { size: u64, limit: u64 },
    Unreadable(String),
}

impl DirSnapshot {
    /// Reads `flows/` and `namespaces/` under `root` (missing directories are empty), with the
    /// default 1 MiB cap per file.
    pub fn read(root: &Path) -> Result<DirSnapshot, TreeError> {
        DirSnapshot::read_with_limit(root, DEFAULT_MAX_FILE_SIZE)
    }

    /// Like [`DirSnapshot::read`] with a chosen per-file size cap.
    pub fn read_with_limit(root: &Path, max_file_size: u64) -> Result<DirSnapshot, TreeError> {
        let mut files = BTreeMap::new();
        for dir in ROOTS {
            walk(root, &root.join(dir), max_file_size, &mut files)?;
        }
        Ok(DirSnapshot { files })
    }

    /// The content hash (hex sha256) of each file.
    pub fn hashes(&self) -> BTreeMap<&str, &str> {
        self.files
            .iter()
            .map(|(path, file)| (path.as_str(), file.hash.as_str()))
            .collect()
    }

    /// `worktree:<12 hex>`: a hash over every path and content hash, so any edit changes it.
    pub fn revision(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, file) in &self.files {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update(file.hash.as_bytes());
            hasher.update([0]);
        }
        format!("worktree:{}", &hex::encode(hasher.finalize())[..12])
    }
}

/// The paths added, modified or deleted from `old` to `new`, sorted by path.
pub fn diff(old: &DirSnapshot, new: &DirSnapshot) -> Vec<Change> {
    let mut changes = Vec::new();
    for (path, file) in &new.files {
        let kind = match old.files.get(path) {
            None => ChangeKind::Added,
            Some(before) if before.hash != file.hash => ChangeKind::Modified,
            Some(_) => continue,
        };
        changes.push(Change {
            path: path.clone(),
            kind,
        });
    }
    for path in old.files.keys().filter(|p| !new.files.contains_key(*p)) {
        changes.push(Change {
            path: path.clone(),
            kind: ChangeKind::Deleted,
        });
    }
    changes.sort();
    changes
}

impl Tree for DirSnapshot {
    fn list(&self) -> Result<Vec<String>, LoadError> {
        Ok(DirSnapshot::list(self)?)
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, LoadError> {
        Ok(DirSnapshot::read_file(self, path)?)
    }
}

impl DirSnapshot {
    /// Every file path, sorted (the [`Tree`] listing with this module's error type).
    pub fn list(&self) -> Result<Vec<String>, TreeError> {
        Ok(self.files.keys().cloned().collect())
    }

    /// The bytes of one file (the [`Tree`] read with this module's error type).
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>, TreeError> {
        let file = self.files.get(path).ok_or_else(|| TreeError::NotFound {
            path: path.to_string(),
            revision: self.revision(),
        })?;
        match &file.content {
            Ok(bytes) => Ok(bytes.to_vec()),
            Err(Refusal::Symlink) => Err(TreeError::Symlink {
                path: path.to_string(),
            }),
            Err(Refusal::TooLarge { size, limit }) => Err(TreeError::TooLarge {
                path: path.to_string(),
                size: *size,
                limit: *limit,
            }),
            Err(Refusal::Unreadable(message)) => Err(TreeError::Io {
                path: path.to_string(),
                source: std::io::Error::other(message.clone()),
            }),
        }
    }
}

fn walk(
    root: &Path,
    dir: &Path,
    max_file_size: u64,
    files: &mut BTreeMap<String, SnapshotFile>,
) -> Result<(), TreeError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(root, dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| io_error(root, dir, e))?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_str().is_some_and(is_editor_temp) {
            continue;
        }
        let file_type = entry.file_type().map_err(|e| io_error(root, &path, e))?;
        if file_type.is_dir() {
            walk(root, &path, max_file_size, files)?;
            continue;
        }
        let key = relative_key(root, &path)?;
        files.insert(
            key,
            snapshot_file(&path, file_type.is_symlink(), max_file_size),
        );
    }
    Ok(())
}

fn snapshot_file(path: &Path, is_symlink: bool, max_file_size: u64) -> SnapshotFile {
    if is_symlink {
        // Hash the link target so retargeting the link shows up as a change.
        let target = std::fs::read_link(path).unwrap_or_default();
        return SnapshotFile {
            hash: hash_bytes(target.to_string_lossy().as_bytes()),
            content: Err(Refusal::Symlink),
        };
    }
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size > max_file_size {
        return SnapshotFile {
            hash: format!("size:{size}"),
            content: Err(Refusal::TooLarge {
                size,
                limit: max_file_size,
            }),
        };
    }
    match std::fs::read(path) {
        Ok(bytes) => SnapshotFile {
            hash: hash_bytes(&bytes),
            content: Ok(Arc::from(bytes)),
        },
        Err(e) => SnapshotFile {
            hash: "unreadable".to_string(),
            content: Err(Refusal::Unreadable(e.to_string())),
        },
    }
}

fn hash_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn relative_key(root: &Path, path: &Path) -> Result<String, TreeError> {
    let rel: PathBuf = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    parts
        .map(|p| p.join("/"))
        .ok_or_else(|| TreeError::NonUtf8Path {
            parent: rel
                .parent()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default(),
            lossy: rel.to_string_lossy().into_owned(),
        })
}

fn io_error(root: &Path, path: &Path, source: std::io::Error) -> TreeError {
    TreeError::Io {
        path: path
            .strip_prefix(root)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned(),
        source,
    }
}

//! The files of one commit, read straight from the object database without a checkout.
//! Only regular files are read: symlinks and submodules are listed so that the caller sees them,
//! and reading one is an error for that path. Blobs over a size cap are refused before loading.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use crate::load::{LoadError, Tree};
use crate::source::TreeError;

/// The default cap on one file's size (1 MiB): flows are small, a larger blob is a mistake.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1024 * 1024;

const MODE_SYMLINK: i32 = 0o120000;
const MODE_GITLINK: i32 = 0o160000;

/// The tree of one commit, implementing [`Tree`].
pub struct GitTree {
    // git2::Repository is Send but not Sync; each GitTree has its own handle behind a lock.
    repo: Mutex<Repository>,
    tree: Oid,
    commit: String,
    max_file_size: u64,
}

impl GitTree {
    /// Opens its own handle on the repository at `git_dir` and reads the tree `tree` of `commit`.
    pub(crate) fn new(
        git_dir: &Path,
        tree: Oid,
        commit: String,
        max_file_size: u64,
    ) -> Result<GitTree, git2::Error> {
        Ok(GitTree {
            repo: Mutex::new(Repository::open(git_dir)?),
            tree,
            commit,
            max_file_size,
        })
    }

    /// The commit sha this tree belongs to.
    pub fn commit(&self) -> &str {
        &self.commit
    }

    /// Lowers (or raises) the per-file size cap.
    pub fn with_max_file_size(mut self, bytes: u64) -> GitTree {
        self.max_file_size = bytes;
        self
    }

    fn git_error(&self, path: &str, err: git2::Error) -> TreeError {
        TreeError::Git {
            path: path.to_string(),
            message: err.message().to_string(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Repository> {
        // A panic while holding the lock leaves the repository handle intact; keep using it.
        self.repo
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every file path (regular files, symlinks and submodules) in the commit.
    /// Every file path (the [`Tree`] listing with this module's error type).
    pub fn list(&self) -> Result<Vec<String>, TreeError> {
        self.list_files()
    }

    /// The bytes of one file (the [`Tree`] read with this module's error type).
    pub fn read(&self, path: &str) -> Result<Vec<u8>, TreeError> {
        self.read_file(path)
    }

    pub fn list_files(&self) -> Result<Vec<String>, TreeError> {
        let repo = self.lock();
        let tree = repo
            .find_tree(self.tree)
            .map_err(|e| self.git_error("", e))?;
        let mut paths = Vec::new();
        let mut bad_name = None;
        tree.walk(TreeWalkMode::PreOrder, |parent, entry| {
            if entry.kind() == Some(ObjectType::Tree) {
                return TreeWalkResult::Ok;
            }
            match entry.name() {
                Some(name) => paths.push(format!("{parent}{name}")),
                None => {
                    bad_name = Some(TreeError::NonUtf8Path {
                        parent: parent.to_string(),
                        lossy: String::from_utf8_lossy(entry.name_bytes()).into_owned(),
                    });
                    return TreeWalkResult::Abort;
                }
            }
            TreeWalkResult::Ok
        })
        .or_else(|e| if bad_name.is_some() { Ok(()) } else { Err(e) })
        .map_err(|e| self.git_error("", e))?;
        match bad_name {
            Some(err) => Err(err),
            None => Ok(paths),
        }
    }

    /// The content of one regular file, refusing symlinks, submodules and oversized blobs.
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>, TreeError> {
        let repo = self.lock();
        let tree = repo
            .find_tree(self.tree)
            .map_err(|e| self.git_error(path, e))?;
        let entry = tree.get_path(&PathBuf::from(path)).map_err(|e| {
            if e.code() == git2::ErrorCode::NotFound {
                TreeError::NotFound {
                    path: path.to_string(),
                    revision: self.commit.clone(),
                }
            } else {
                self.git_error(path, e)
            }
        })?;
        match entry.filemode() {
            MODE_SYMLINK => {
                return Err(TreeError::Symlink {
                    path: path.to_string(),
                });
            }
            MODE_GITLINK => {
                return Err(TreeError::Submodule {
                    path: path.to_string(),
                });
            }
            _ => {}
        }
        if entry.kind() != Some(ObjectType::Blob) {
            return Err(TreeError::NotAFile {
                path: path.to_string(),
            });
        }
        let odb = repo.odb().map_err(|e| self.git_error(path, e))?;
        let (size, _) = odb
            .read_header(entry.id())
            .map_err(|e| self.git_error(path, e))?;
        let size = size as u64;
        if size > self.max_file_size {
            return Err(TreeError::TooLarge {
                path: path.to_string(),
                size,
                limit: self.max_file_size,
            });
        }
        let blob = repo
            .find_blob(entry.id())
            .map_err(|e| self.git_error(path, e))?;
        Ok(blob.content().to_vec())
    }
}

impl Tree for GitTree {
    fn list(&self) -> Result<Vec<String>, LoadError> {
        Ok(self.list_files()?)
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, LoadError> {
        Ok(self.read_file(path)?)
    }
}

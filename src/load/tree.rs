//! `Tree`: a read-only view of a repository's files, and `DirTree`, the one backed by a directory.
//!
//! Paths are repo-relative and '/'-separated. The Git-backed implementation lives in `source`;
//! this trait stays small and object-safe so both can be passed as `&dyn Tree`.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::error::LoadError;

/// A repository's files, listed and read by repo-relative '/'-separated path.
pub trait Tree: Send + Sync {
    /// Every file path in the tree, sorted.
    fn list(&self) -> Result<Vec<String>, LoadError>;
    /// The bytes of the file at `path`.
    fn read(&self, path: &str) -> Result<Vec<u8>, LoadError>;
}

/// A [`Tree`] over a directory on disk.
///
/// `.git` directories and a top-level `target` are skipped. Symlinks are never followed outside
/// the root: one that points outside is still listed, and reading it is an
/// [`LoadError::OutsideRoot`] error. Symlinked directories are listed as a path, not walked.
#[derive(Debug, Clone)]
pub struct DirTree {
    root: PathBuf,
    max_bytes: Option<u64>,
}

impl DirTree {
    /// A tree rooted at `root` (which must exist).
    pub fn new(root: impl AsRef<Path>) -> Result<Self, LoadError> {
        let shown = root.as_ref().display().to_string();
        let root = fs::canonicalize(root.as_ref()).map_err(|e| LoadError::io(&shown, &e))?;
        Ok(Self {
            root,
            max_bytes: None,
        })
    }

    /// Refuses to read files larger than `max` bytes (checked before reading them).
    pub fn with_max_bytes(mut self, max: usize) -> Self {
        self.max_bytes = u64::try_from(max).ok();
        self
    }

    /// The canonical root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves `path` to a real file path inside the root, or says why it cannot.
    fn resolve(&self, path: &str) -> Result<PathBuf, LoadError> {
        let outside = || LoadError::OutsideRoot {
            path: path.to_owned(),
        };
        let clean = !path.is_empty()
            && !path.starts_with('/')
            && path.split('/').all(|s| !matches!(s, "" | "." | ".."));
        if !clean {
            return Err(outside());
        }
        let real = fs::canonicalize(self.root.join(path)).map_err(|e| LoadError::io(path, &e))?;
        if real.starts_with(&self.root) {
            Ok(real)
        } else {
            Err(outside())
        }
    }

    fn list_dir(
        &self,
        dir: &Path,
        rel: &str,
        out: &mut Vec<String>,
        todo: &mut Vec<(PathBuf, String)>,
    ) -> Result<(), LoadError> {
        let shown = if rel.is_empty() { "." } else { rel };
        let entries = fs::read_dir(dir).map_err(|e| LoadError::io(shown, &e))?;
        for entry in entries {
            let entry = entry.map_err(|e| LoadError::io(shown, &e))?;
            // A name that is not UTF-8 cannot be addressed by a '/'-path; such files are skipped.
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let child = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry.file_type().map_err(|e| LoadError::io(&child, &e))?;
            if kind.is_dir() {
                let skipped = name == ".git" || (rel.is_empty() && name == "target");
                if !skipped {
                    todo.push((entry.path(), child));
                }
            } else {
                // Files and symlinks alike; `read` decides whether a symlink may be followed.
                out.push(child);
            }
        }
        Ok(())
    }
}

impl Tree for DirTree {
    fn list(&self) -> Result<Vec<String>, LoadError> {
        let mut out = Vec::new();
        let mut todo = vec![(self.root.clone(), String::new())];
        while let Some((dir, rel)) = todo.pop() {
            self.list_dir(&dir, &rel, &mut out, &mut todo)?;
        }
        out.sort_unstable();
        Ok(out)
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, LoadError> {
        let real = self.resolve(path)?;
        let file = fs::File::open(&real).map_err(|e| LoadError::io(path, &e))?;
        let size = file.metadata().map_err(|e| LoadError::io(path, &e))?.len();
        if let Some(max) = self.max_bytes.filter(|&max| size > max) {
            let max = usize::try_from(max).unwrap_or(usize::MAX);
            return Err(LoadError::TooLarge { size, max });
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        // `take` guards against a file that grows between `metadata` and `read`.
        let cap = self.max_bytes.map_or(u64::MAX, |max| max.saturating_add(1));
        file.take(cap)
            .read_to_end(&mut bytes)
            .map_err(|e| LoadError::io(path, &e))?;
        Ok(bytes)
    }
}

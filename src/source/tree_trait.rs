//! Temporary copy of the `load::Tree` trait (same shape), so this module compiles before the
//! `load` branch is merged. At merge it is replaced by `crate::load::Tree`.

use crate::source::TreeError;

/// A read-only set of files addressed by repo-relative, '/'-separated paths.
pub trait Tree: Send + Sync {
    /// Every file path in the tree.
    fn list(&self) -> Result<Vec<String>, TreeError>;
    /// The bytes of one file.
    fn read(&self, path: &str) -> Result<Vec<u8>, TreeError>;
}

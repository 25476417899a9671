//! Why a file could not be stored or found.

use std::path::PathBuf;

/// A failure of the file store.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The URI does not start with `kestra:///`.
    #[error("{uri:?} is not a kestra:/// URI")]
    NotAKestraUri {
        /// The rejected URI.
        uri: String,
    },
    /// The URI or a key part would leave the store's root.
    #[error("{value:?} escapes the file store: {reason}")]
    Escapes {
        /// The rejected URI, name or key part.
        value: String,
        /// Which rule it broke.
        reason: &'static str,
    },
    /// Nothing is stored at this URI.
    #[error("no file stored at {uri}")]
    NotFound {
        /// The URI.
        uri: String,
    },
    /// The file system failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl FileError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

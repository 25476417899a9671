//! `DeployError`: what stops a reconcile as a whole (a single bad flow file never does: it is
//! recorded in its sync status instead).

use crate::source::SourceError;
use crate::store::StoreError;

/// A reconcile, restore or plan that could not complete.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// Reading the repository failed (fetch, commit, tree).
    #[error("source: {0}")]
    Source(#[from] SourceError),
    /// The store refused a read or a write.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Listing or reading the tree of a revision failed.
    #[error("reading revision {revision}: {message}")]
    Tree { revision: String, message: String },
    /// A `--namespace-filter` glob does not parse.
    #[error("invalid namespace filter `{glob}`: {message}")]
    Filter { glob: String, message: String },
    /// A blocking task panicked or was cancelled.
    #[error("background task failed: {0}")]
    Join(String),
}

impl From<tokio::task::JoinError> for DeployError {
    fn from(e: tokio::task::JoinError) -> Self {
        DeployError::Join(e.to_string())
    }
}

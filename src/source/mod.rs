//! Git with git2 (clone, fetch, tree at commit, diff), local watch with notify, and push-webhook
//! signature checks.
//!
//! Data enters as a [`SourceSpec`] (a local repository or a remote URL with [`Credentials`]) and
//! leaves as a [`CommitInfo`], a [`GitTree`] (the files of one commit, read without a checkout)
//! and a [`ChangeSet`] (what changed between two commits). The dev loop reads a working tree
//! instead: [`watch::watch_worktree`] wakes the caller and [`DirSnapshot`] is the tree it reads.
//! Everything here is blocking; async callers wrap it in `spawn_blocking`.

mod credentials;
mod diff;
mod error;
mod mirror;
mod repo;
mod sanitize;
pub mod snapshot;
mod tree;
pub mod watch;
pub mod webhook;

pub use crate::load::Tree;
pub use credentials::{Credentials, Secret};
pub use diff::{Change, ChangeKind, ChangeSet};
pub use error::{SourceError, TreeError};
pub use repo::{CommitInfo, Repo, SourceSpec};
pub use sanitize::sanitize_url;
pub use snapshot::DirSnapshot;
pub use tree::{DEFAULT_MAX_FILE_SIZE, GitTree};

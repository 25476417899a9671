//! The errors of the source module. Messages that may contain a repository URL or a git2 message
//! are built through `sanitize` so that credentials never reach a log or an API response.

use std::path::PathBuf;

/// An error opening, fetching or reading a repository.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The local path is not a Git repository (or cannot be opened).
    #[error("cannot open Git repository {path}: {message}")]
    Open { path: PathBuf, message: String },
    /// The clone directory under the data dir could not be prepared.
    #[error("cannot prepare clone directory {path}: {message}")]
    CloneDir { path: PathBuf, message: String },
    /// Fetching from the remote failed; `url` is sanitized.
    #[error("cannot fetch branch {branch} from {url}: {message}")]
    Fetch {
        url: String,
        branch: String,
        message: String,
    },
    /// The branch does not exist in the repository.
    #[error("branch {branch} not found in {source_name}")]
    BranchNotFound { branch: String, source_name: String },
    /// A commit could not be found or is not a commit.
    #[error("commit {sha} not found: {message}")]
    CommitNotFound { sha: String, message: String },
    /// Any other git2 failure, with what baton was doing.
    #[error("git error while {action}: {message}")]
    Git { action: String, message: String },
    /// A file-system watcher could not be started.
    #[error("cannot watch {path}: {message}")]
    Watch { path: PathBuf, message: String },
}

/// An error listing or reading one file of a tree (a commit or a working directory).
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    /// No file at this path.
    #[error("{path}: no such file in {revision}")]
    NotFound { path: String, revision: String },
    /// The path is a directory, not a file.
    #[error("{path}: is a directory, not a file")]
    NotAFile { path: String },
    /// Symbolic links are never followed: a flow must be a regular file.
    #[error("{path}: is a symbolic link; baton reads only regular files")]
    Symlink { path: String },
    /// Submodules (gitlinks) are not read.
    #[error("{path}: is a Git submodule; baton reads only regular files")]
    Submodule { path: String },
    /// The file is larger than the configured cap.
    #[error("{path}: file is {size} bytes, over the {limit}-byte limit")]
    TooLarge { path: String, size: u64, limit: u64 },
    /// A path in the tree is not valid UTF-8.
    #[error("a path under {parent:?} is not valid UTF-8: {lossy}")]
    NonUtf8Path { parent: String, lossy: String },
    /// Reading from the object database failed.
    #[error("{path}: cannot read from Git: {message}")]
    Git { path: String, message: String },
    /// Reading from the file system failed.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl From<TreeError> for crate::load::LoadError {
    /// A tree error as the load module's error, keeping the path and the message.
    fn from(err: TreeError) -> Self {
        match err {
            TreeError::TooLarge { size, limit, .. } => crate::load::LoadError::TooLarge {
                size,
                max: usize::try_from(limit).unwrap_or(usize::MAX),
            },
            other => {
                let path = match &other {
                    TreeError::NotFound { path, .. }
                    | TreeError::NotAFile { path }
                    | TreeError::Symlink { path }
                    | TreeError::Submodule { path }
                    | TreeError::TooLarge { path, .. }
                    | TreeError::Git { path, .. }
                    | TreeError::Io { path, .. } => path.clone(),
                    TreeError::NonUtf8Path { parent, .. } => parent.clone(),
                };
                let kind = match &other {
                    TreeError::NotFound { .. } => std::io::ErrorKind::NotFound,
                    TreeError::Io { source, .. } => source.kind(),
                    _ => std::io::ErrorKind::Other,
                };
                crate::load::LoadError::Io {
                    path,
                    kind,
                    message: other.to_string(),
                }
            }
        }
    }
}

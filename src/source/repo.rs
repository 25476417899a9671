//! A Git source: a local repository read in place, or a remote one mirrored as a bare clone under
//! `<data_dir>/repos/`. `fetch` brings the branch up to date (forced, so force-pushes arrive),
//! then commits are read by sha: their info, their tree and the changes between two of them.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use git2::Repository;

use crate::source::diff::{ChangeSet, diff_commits};
use crate::source::mirror::{Branches, fetch_branch, local_branches, mirror_dir, open_mirror};
use crate::source::tree::{DEFAULT_MAX_FILE_SIZE, GitTree};
use crate::source::{Credentials, SourceError, sanitize_url};

/// Where flows come from.
#[derive(Debug, Clone)]
pub enum SourceSpec {
    /// An existing repository on disk (with a work tree or bare), read in place.
    Local { path: PathBuf },
    /// A remote URL (`https://`, `ssh://`, `git@host:`, `file://` or a path to a bare repo).
    Remote {
        url: String,
        credentials: Credentials,
    },
}

/// What baton shows about a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// Full hex sha.
    pub sha: String,
    /// First line of the message.
    pub message: String,
    /// Author name.
    pub author: String,
    /// Author e-mail.
    pub email: String,
    /// Committer time (when the commit was made on the branch's history).
    pub time: DateTime<Utc>,
}

/// An opened source repository tracking one branch.
pub struct Repo {
    // git2::Repository is Send but not Sync; the lock makes Repo shareable across tasks.
    repo: Mutex<Repository>,
    spec: SourceSpec,
    branch: String,
    git_dir: PathBuf,
    max_file_size: u64,
}

impl Repo {
    /// Opens a local repository, or prepares the bare mirror of a remote (created empty on first
    /// use; the first `fetch` fills it).
    pub fn open(spec: SourceSpec, branch: &str, data_dir: &Path) -> Result<Repo, SourceError> {
        let repo = match &spec {
            SourceSpec::Local { path } => {
                Repository::open(path).map_err(|e| SourceError::Open {
                    path: path.clone(),
                    message: e.message().to_string(),
                })?
            }
            SourceSpec::Remote { url, .. } => open_mirror(&mirror_dir(data_dir, url))?,
        };
        Ok(Repo {
            git_dir: repo.path().to_path_buf(),
            repo: Mutex::new(repo),
            spec,
            branch: branch.to_string(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        })
    }

    /// Changes the per-file size cap of the trees this repo hands out.
    pub fn with_max_file_size(mut self, bytes: u64) -> Repo {
        self.max_file_size = bytes;
        self
    }

    /// The tracked branch.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// The git directory (the bare mirror for a remote).
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// A name for messages: the sanitized URL or the local path.
    pub fn display_name(&self) -> String {
        match &self.spec {
            SourceSpec::Local { path } => path.display().to_string(),
            SourceSpec::Remote { url, .. } => sanitize_url(url),
        }
    }

    /// Brings the branch up to date (remote: a forced fetch; local: nothing to do) and returns its
    /// head, or `None` when the repository has no branches at all yet.
    pub fn fetch(&self) -> Result<Option<CommitInfo>, SourceError> {
        let repo = self.lock();
        let advertised = match &self.spec {
            SourceSpec::Remote { url, credentials } => {
                fetch_branch(&repo, url, credentials, &self.branch)?
            }
            SourceSpec::Local { .. } => local_branches(&repo, &self.branch),
        };
        let missing = || SourceError::BranchNotFound {
            branch: self.branch.clone(),
            source_name: self.display_name(),
        };
        match advertised {
            Branches::Empty => return Ok(None),
            Branches::Without => return Err(missing()),
            Branches::With => {}
        }
        branch_head(&repo, &self.branch)
            .map(Some)
            .map_err(|e| match e {
                SourceError::BranchNotFound { .. } => missing(),
                other => other,
            })
    }

    /// The head commit of `branch` as currently stored (no fetch).
    pub fn head(&self, branch: &str) -> Result<CommitInfo, SourceError> {
        branch_head(&self.lock(), branch).map_err(|e| match e {
            SourceError::BranchNotFound { branch, .. } => SourceError::BranchNotFound {
                branch,
                source_name: self.display_name(),
            },
            other => other,
        })
    }

    /// Information about one commit.
    pub fn commit(&self, sha: &str) -> Result<CommitInfo, SourceError> {
        let repo = self.lock();
        let commit = find_commit(&repo, sha)?;
        Ok(commit_info(&commit))
    }

    /// The files of commit `sha`, read without a checkout.
    pub fn tree_at(&self, sha: &str) -> Result<GitTree, SourceError> {
        let tree_id = {
            let repo = self.lock();
            let commit = find_commit(&repo, sha)?;
            (commit.tree_id(), commit.id().to_string())
        };
        GitTree::new(&self.git_dir, tree_id.0, tree_id.1, self.max_file_size).map_err(|e| {
            SourceError::Git {
                action: format!("opening the tree of {sha}"),
                message: e.message().to_string(),
            }
        })
    }

    /// The paths that differ between `from` (None: the empty tree) and `to`. If `from` is not in
    /// the repository any more, every file of `to` is `Added` and `full_reread` is set.
    pub fn changed_paths(&self, from: Option<&str>, to: &str) -> Result<ChangeSet, SourceError> {
        diff_commits(&self.lock(), from, to)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Repository> {
        // The handle stays valid if a holder panicked; keep serving.
        self.repo
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn branch_head(repo: &Repository, branch: &str) -> Result<CommitInfo, SourceError> {
    let refname = format!("refs/heads/{branch}");
    let reference = repo.find_reference(&refname).map_err(|e| {
        if e.code() == git2::ErrorCode::NotFound {
            SourceError::BranchNotFound {
                branch: branch.to_string(),
                source_name: String::new(),
            }
        } else {
            SourceError::Git {
                action: format!("reading {refname}"),
                message: e.message().to_string(),
            }
        }
    })?;
    let commit = reference.peel_to_commit().map_err(|e| SourceError::Git {
        action: format!("reading the commit of {refname}"),
        message: e.message().to_string(),
    })?;
    Ok(commit_info(&commit))
}

fn find_commit<'r>(repo: &'r Repository, sha: &str) -> Result<git2::Commit<'r>, SourceError> {
    repo.revparse_single(sha)
        .and_then(|object| object.peel_to_commit())
        .map_err(|e| SourceError::CommitNotFound {
            sha: sha.to_string(),
            message: e.message().to_string(),
        })
}

fn commit_info(commit: &git2::Commit<'_>) -> CommitInfo {
    let author = commit.author();
    let time = DateTime::from_timestamp(commit.time().seconds(), 0).unwrap_or_default();
    CommitInfo {
        sha: commit.id().to_string(),
        message: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default()).into_owned(),
        author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        time,
    }
}

//! What changed between two commits, as file paths. Trees are compared directly, so ancestry does
//! not matter: a force-push to an unrelated history diffs like any other pair of commits. When
//! the old commit is gone (or was never in this clone) every file is reported as added and the
//! set is flagged so the caller re-reads the whole tree.

use git2::{Delta, DiffOptions, Repository, Tree as GitObjectTree};

use crate::source::SourceError;

/// How one path changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// The path is new.
    Added,
    /// The path exists in both and its content (or mode) differs.
    Modified,
    /// The path is gone.
    Deleted,
}

/// One changed path (repo-relative, '/'-separated). A rename is a `Deleted` plus an `Added`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Change {
    /// The file's path.
    pub path: String,
    /// How it changed.
    pub kind: ChangeKind,
}

/// The changes between two commits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Changed paths, sorted by path.
    pub changes: Vec<Change>,
    /// True when the old commit could not be found: `changes` lists every file as added and the
    /// caller must treat this as a full re-read (including removing what is no longer there).
    pub full_reread: bool,
}

/// Diffs the trees of `from` (or nothing) and `to` in `repo`.
pub(crate) fn diff_commits(
    repo: &Repository,
    from: Option<&str>,
    to: &str,
) -> Result<ChangeSet, SourceError> {
    let new_tree = commit_tree(repo, to).map_err(|e| SourceError::CommitNotFound {
        sha: to.to_string(),
        message: e.message().to_string(),
    })?;
    let (old_tree, full_reread) = match from {
        None => (None, false),
        Some(sha) => match commit_tree(repo, sha) {
            Ok(tree) => (Some(tree), false),
            // Gone after a force-push and gc, or from another clone: re-read everything.
            Err(_) => (None, true),
        },
    };
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(false).include_typechange(false);
    let diff = repo
        .diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), Some(&mut opts))
        .map_err(|e| SourceError::Git {
            action: format!("diffing {} against {to}", from.unwrap_or("the empty tree")),
            message: e.message().to_string(),
        })?;
    let mut changes: Vec<Change> = diff.deltas().filter_map(change_of).collect();
    changes.sort();
    changes.dedup();
    Ok(ChangeSet {
        changes,
        full_reread,
    })
}

fn commit_tree<'r>(repo: &'r Repository, sha: &str) -> Result<GitObjectTree<'r>, git2::Error> {
    repo.revparse_single(sha)?.peel_to_commit()?.tree()
}

fn change_of(delta: git2::DiffDelta<'_>) -> Option<Change> {
    let (file, kind) = match delta.status() {
        Delta::Added | Delta::Copied => (delta.new_file(), ChangeKind::Added),
        Delta::Deleted => (delta.old_file(), ChangeKind::Deleted),
        Delta::Modified | Delta::Typechange => (delta.new_file(), ChangeKind::Modified),
        _ => return None,
    };
    let path = file.path_bytes()?;
    Some(Change {
        path: String::from_utf8_lossy(path).into_owned(),
        kind,
    })
}

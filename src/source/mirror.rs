//! The bare mirror of a remote repository under `<data_dir>/repos/`, and the forced fetch that
//! keeps its one tracked branch equal to the remote's (force-pushes and deletions included).

use std::path::{Path, PathBuf};

use git2::{AutotagOption, FetchOptions, FetchPrune, RemoteCallbacks, Repository};
use sha2::{Digest, Sha256};

use crate::source::sanitize::scrub;
use crate::source::{Credentials, SourceError, sanitize_url};

/// `<data_dir>/repos/<readable name>-<hash>`: readable from the sanitized URL, unique by hash,
/// and identical for URLs that differ only by credentials.
pub(super) fn mirror_dir(data_dir: &Path, url: &str) -> PathBuf {
    let clean = sanitize_url(url);
    let readable: String = clean
        .split("://")
        .last()
        .unwrap_or(&clean)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let readable = readable.trim_matches(['-', '.']);
    let readable: String = readable
        .chars()
        .rev()
        .take(60)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let digest = hex::encode(Sha256::digest(clean.as_bytes()));
    data_dir
        .join("repos")
        .join(format!("{readable}-{}", &digest[..12]))
}

pub(super) fn open_mirror(dir: &Path) -> Result<Repository, SourceError> {
    let prepare_error = |message: String| SourceError::CloneDir {
        path: dir.to_path_buf(),
        message,
    };
    if dir.exists() {
        return Repository::open_bare(dir).map_err(|e| prepare_error(e.message().to_string()));
    }
    std::fs::create_dir_all(dir).map_err(|e| prepare_error(e.to_string()))?;
    Repository::init_bare(dir).map_err(|e| prepare_error(e.message().to_string()))
}

/// Whether the source has the tracked branch, as the remote advertised it (or the local repo has).
pub(super) enum Branches {
    /// No branches at all: an empty repository, not an error yet.
    Empty,
    /// Branches exist but not the tracked one (a typo, or it was deleted).
    Without,
    /// The tracked branch exists.
    With,
}

pub(super) fn fetch_branch(
    repo: &Repository,
    url: &str,
    credentials: &Credentials,
    branch: &str,
) -> Result<Branches, SourceError> {
    let secrets = credentials.secret_values();
    let fetch_error = |e: git2::Error| SourceError::Fetch {
        url: sanitize_url(url),
        branch: branch.to_string(),
        message: scrub(e.message(), &secrets),
    };
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(credentials.callback());
    let mut options = FetchOptions::new();
    options
        .remote_callbacks(callbacks)
        .download_tags(AutotagOption::None)
        // Pruning deletes our copy of the branch when the remote deleted it.
        .prune(FetchPrune::On)
        .update_fetchhead(false);
    // An anonymous remote keeps the URL (and any credentials in it) out of the mirror's config.
    let mut remote = repo.remote_anonymous(url).map_err(fetch_error)?;
    // Forced: a force-pushed branch replaces ours instead of being rejected as non-fast-forward.
    let refspec = format!("+refs/heads/{branch}:refs/heads/{branch}");
    remote
        .fetch(&[refspec.as_str()], Some(&mut options), None)
        .map_err(fetch_error)?;
    // libgit2 fetches a missing branch as "nothing to do"; after the prune our copy of the
    // branch exists exactly when the remote has it.
    let refname = format!("refs/heads/{branch}");
    if repo.find_reference(&refname).is_ok() {
        return Ok(Branches::With);
    }
    // git2 0.20's `Remote::list` builds a slice from a null pointer when the advertisement is
    // empty (an empty repository), so only list once the remote is known to advertise a HEAD.
    if remote.default_branch().is_err() {
        return Ok(Branches::Empty);
    }
    let heads = remote.list().map_err(fetch_error)?;
    let names: Vec<&str> = heads.iter().map(|head| head.name()).collect();
    Ok(classify(&names, &refname))
}

pub(super) fn local_branches(repo: &Repository, branch: &str) -> Branches {
    let names: Vec<String> = repo
        .references_glob("refs/heads/*")
        .map(|mut refs| refs.names().flatten().map(str::to_string).collect())
        .unwrap_or_default();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    classify(&names, &format!("refs/heads/{branch}"))
}

fn classify(ref_names: &[&str], wanted: &str) -> Branches {
    if ref_names.contains(&wanted) {
        Branches::With
    } else if ref_names.iter().any(|name| name.starts_with("refs/heads/")) {
        Branches::Without
    } else {
        Branches::Empty
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_dir_ignores_credentials_and_is_readable() {
        let a = mirror_dir(Path::new("/d"), "https://bob:tok@github.com/org/flows.git");
        let b = mirror_dir(Path::new("/d"), "https://github.com/org/flows.git");
        assert_eq!(a, b);
        let name = a.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert!(name.starts_with("github.com-org-flows.git-"), "{name}");
        assert!(!name.contains("tok"));
    }
}

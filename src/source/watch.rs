//! Watching a working tree for the dev loop. File-system events are noisy (an editor save is
//! several events, Git writes under `.git/` constantly, and reading a file is an event too), so
//! this only wakes the caller once a burst has been quiet for the debounce period; the caller then
//! reads a fresh [`DirSnapshot`](crate::source::DirSnapshot) and deploys the whole of it, never
//! one half-written file.

use std::path::{Component, Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::source::SourceError;

/// Keeps the watch alive; dropping it stops the watcher and closes the receiver.
pub struct WorktreeWatch {
    _watcher: RecommendedWatcher,
}

/// Watches `path` recursively and sends `()` after each burst of relevant changes, once nothing
/// has changed for `debounce`. Changes under `.git/` and editor temp files are ignored. Several
/// bursts before the receiver reads coalesce into one wake-up.
pub fn watch_worktree(
    path: &Path,
    debounce: Duration,
) -> Result<(WorktreeWatch, mpsc::Receiver<()>), SourceError> {
    let watch_error = |message: String| SourceError::Watch {
        path: path.to_path_buf(),
        message,
    };
    let root = path
        .canonicalize()
        .map_err(|e| watch_error(e.to_string()))?;
    let (raw_tx, raw_rx) = std_mpsc::channel::<()>();
    let filter_root = root.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
        if let Ok(event) = event
            && is_relevant(&filter_root, &event)
        {
            // The debounce thread is gone only once the caller dropped the receiver.
            let _ = raw_tx.send(());
        }
    })
    .map_err(|e| watch_error(e.to_string()))?;
    watcher
        .watch(&root, RecursiveMode::Recursive)
        .map_err(|e| watch_error(e.to_string()))?;
    let (tx, rx) = mpsc::channel(1);
    std::thread::Builder::new()
        .name("baton-worktree-debounce".into())
        .spawn(move || debounce_loop(raw_rx, tx, debounce))
        .map_err(|e| watch_error(e.to_string()))?;
    Ok((WorktreeWatch { _watcher: watcher }, rx))
}

/// Waits for a first event, then for `debounce` of quiet, then wakes the caller. Ends when the
/// watcher is dropped (the raw channel disconnects) or the caller drops the receiver.
fn debounce_loop(raw: std_mpsc::Receiver<()>, tx: mpsc::Sender<()>, debounce: Duration) {
    while raw.recv().is_ok() {
        loop {
            match raw.recv_timeout(debounce) {
                Ok(()) => continue,
                Err(std_mpsc::RecvTimeoutError::Timeout) => break,
                Err(std_mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        if let Err(mpsc::error::TrySendError::Closed(())) = tx.try_send(()) {
            return;
        }
    }
}

fn is_relevant(root: &Path, event: &Event) -> bool {
    // Reading files (ours included) produces access events; only changes matter.
    if matches!(event.kind, EventKind::Access(_)) {
        return false;
    }
    event.paths.iter().any(|p| !is_ignored(&relative(root, p)))
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// True for paths inside `.git/` and for editor temp and backup files.
pub(crate) fn is_ignored(relative: &Path) -> bool {
    let in_git_dir = relative
        .components()
        .any(|c| matches!(c, Component::Normal(name) if name == ".git"));
    let temp_file = relative
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(is_editor_temp);
    in_git_dir || temp_file
}

/// vim swap/backup files and its `4913` probe, emacs lock and autosave files, `~` backups, and
/// the `.tmp`/`.kate-swp` files other editors write before renaming.
pub(crate) fn is_editor_temp(name: &str) -> bool {
    name == "4913"
        || name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || [".swp", ".swx", ".swo", ".tmp", ".kate-swp"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_dir_and_editor_files_are_ignored() {
        assert!(is_ignored(Path::new(".git/index.lock")));
        assert!(is_ignored(Path::new("flows/.a.yaml.swp")));
        assert!(is_ignored(Path::new("flows/a.yaml~")));
        assert!(is_ignored(Path::new("flows/.#a.yaml")));
        assert!(is_ignored(Path::new("flows/4913")));
        assert!(!is_ignored(Path::new("flows/a.yaml")));
        assert!(!is_ignored(Path::new("namespaces/ns/namespace.yaml")));
    }
}

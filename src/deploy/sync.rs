//! The sync loop: observe the source revision, reconcile it, record health. A Git source is
//! polled (and woken early by a verified push webhook, which never fetches by itself); a working
//! tree (`--follow-worktree`) is watched and read as a whole snapshot after a quiet period.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::load::Tree;
use crate::source::{DirSnapshot, Repo, snapshot, watch};
use crate::store::model::CommitDetails;

use super::{Changes, DeployError, ReconcileReport, Reconciler, Revision};

/// Where revisions come from.
pub enum SyncSource {
    /// Commits of a branch of a Git repository (local or a remote mirror).
    Git(Arc<Repo>),
    /// The working tree of a directory, read as snapshots.
    Worktree(PathBuf),
}

/// What `/readyz` needs to know about the sync loop.
#[derive(Debug, Default)]
pub struct SyncHealth {
    first_sync_done: AtomicBool,
    stalled: AtomicBool,
    last_error: Mutex<Option<String>>,
    /// How long the last attempt took, in microseconds (for `/metrics`).
    last_duration_us: AtomicU64,
    /// When the last successful attempt finished.
    last_success: Mutex<Option<DateTime<Utc>>>,
}

impl SyncHealth {
    /// True once a sync has completed.
    pub fn first_sync_done(&self) -> bool {
        self.first_sync_done.load(Ordering::Acquire)
    }

    /// True when the last sync attempt failed (fetch, store...).
    pub fn stalled(&self) -> bool {
        self.stalled.load(Ordering::Acquire)
    }

    /// The error of the last failed attempt, if the last attempt failed.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// How long the last sync attempt took (fetch, examine, apply).
    pub fn last_duration(&self) -> Duration {
        Duration::from_micros(self.last_duration_us.load(Ordering::Acquire))
    }

    /// When the last successful sync attempt finished (a poll finding nothing new included).
    pub fn last_success(&self) -> Option<DateTime<Utc>> {
        self.last_success.lock().ok().and_then(|t| *t)
    }

    /// Records a pass of a daemon following the leader (it counts as a sync).
    pub fn record_follow(&self, error: Option<String>) {
        if error.is_none()
            && let Ok(mut last) = self.last_success.lock()
        {
            *last = Some(Utc::now());
        }
        self.stalled.store(error.is_some(), Ordering::Release);
        if error.is_none() {
            self.first_sync_done.store(true, Ordering::Release);
        }
        if let Ok(mut last) = self.last_error.lock() {
            *last = error;
        }
    }

    fn record(&self, result: &Result<Option<ReconcileReport>, DeployError>, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.last_duration_us.store(micros, Ordering::Release);
        self.record_follow(result.as_ref().err().map(ToString::to_string));
    }
}

/// The loop that keeps the live registry equal to the source.
pub struct SyncLoop {
    source: SyncSource,
    reconciler: Arc<Reconciler>,
    poll_interval: Duration,
    wake: Arc<Notify>,
    health: Arc<SyncHealth>,
}

/// How long a burst of file events must be quiet before a worktree snapshot is read.
const WORKTREE_DEBOUNCE: Duration = Duration::from_millis(25);

impl SyncLoop {
    /// A loop over `source`, polling every `poll_interval`.
    pub fn new(
        source: SyncSource,
        reconciler: Arc<Reconciler>,
        poll_interval: Duration,
    ) -> SyncLoop {
        SyncLoop {
            source,
            reconciler,
            poll_interval,
            wake: Arc::new(Notify::new()),
            health: Arc::new(SyncHealth::default()),
        }
    }

    /// Notifying this runs a sync at once (what a verified push webhook does).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// The loop's health, shared with `/readyz`.
    pub fn health(&self) -> Arc<SyncHealth> {
        self.health.clone()
    }

    /// Runs until `cancel` fires (again at each tenure of a leader).
    pub async fn run(&self, cancel: CancellationToken) {
        let mut previous: Option<DirSnapshot> = None;
        let (_watch, mut events) = match &self.source {
            SyncSource::Worktree(path) => match watch::watch_worktree(path, WORKTREE_DEBOUNCE) {
                Ok((w, rx)) => (Some(w), Some(rx)),
                Err(e) => {
                    tracing::error!(error = %e, "cannot watch the working tree; polling only");
                    (None, None)
                }
            },
            SyncSource::Git(_) => (None, None),
        };
        loop {
            let began = std::time::Instant::now();
            let result = self.sync_once(&mut previous).await;
            if let Err(e) = &result {
                tracing::warn!(error = %e, "sync failed");
            }
            self.health.record(&result, began.elapsed());
            let file_event = async {
                match events.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(self.poll_interval) => {}
                _ = self.wake.notified() => {}
                _ = file_event => {}
            }
        }
    }

    /// One observe-and-reconcile pass; `None` when the source has no commit yet.
    pub async fn sync_once(
        &self,
        previous: &mut Option<DirSnapshot>,
    ) -> Result<Option<ReconcileReport>, DeployError> {
        match &self.source {
            SyncSource::Git(repo) => self.sync_git(repo.clone()).await,
            SyncSource::Worktree(path) => {
                self.sync_worktree(path.clone(), previous).await.map(Some)
            }
        }
    }

    async fn sync_git(&self, repo: Arc<Repo>) -> Result<Option<ReconcileReport>, DeployError> {
        let last = self.reconciler.last_applied().await;
        let has_tree = self.reconciler.registry().snapshot().tree().is_some();
        let observed = tokio::task::spawn_blocking(move || -> Result<_, DeployError> {
            let Some(head) = repo.fetch()? else {
                return Ok(None);
            };
            if last.as_deref() == Some(head.sha.as_str()) && has_tree {
                return Ok(Some((head, None)));
            }
            let changes = match &last {
                None => Changes::All,
                Some(from) => {
                    let set = repo.changed_paths(Some(from), &head.sha)?;
                    if set.full_reread {
                        Changes::All
                    } else {
                        Changes::Paths(set.changes)
                    }
                }
            };
            let tree: Arc<dyn Tree> = Arc::new(repo.tree_at(&head.sha)?);
            Ok(Some((head, Some((tree, changes)))))
        })
        .await??;
        let Some((head, work)) = observed else {
            return Ok(None);
        };
        let Some((tree, changes)) = work else {
            return Ok(None);
        };
        let author = format!("{} <{}>", head.author, head.email);
        let revision = Revision {
            author: Some(author.clone()),
            details: Some(CommitDetails {
                message: head.message.clone(),
                author,
                time: head.time,
            }),
            ..Revision::new(head.sha.clone())
        };
        let report = self.reconciler.reconcile(tree, revision, changes).await?;
        log_report(&report);
        Ok(Some(report))
    }

    async fn sync_worktree(
        &self,
        path: PathBuf,
        previous: &mut Option<DirSnapshot>,
    ) -> Result<ReconcileReport, DeployError> {
        let snap = tokio::task::spawn_blocking(move || DirSnapshot::read(&path))
            .await?
            .map_err(|e| DeployError::Tree {
                revision: "worktree".to_string(),
                message: e.to_string(),
            })?;
        let revision = snap.revision();
        let last = self.reconciler.last_applied().await;
        let has_tree = self.reconciler.registry().snapshot().tree().is_some();
        let changes = match previous.as_ref() {
            Some(before) => Changes::Paths(snapshot::diff(before, &snap)),
            None if last.as_deref() == Some(revision.as_str()) => Changes::Paths(Vec::new()),
            None => Changes::All,
        };
        if last.as_deref() == Some(revision.as_str()) && has_tree {
            *previous = Some(snap);
            return Ok(ReconcileReport {
                revision,
                skipped: true,
                ..ReconcileReport::default()
            });
        }
        let tree: Arc<dyn Tree> = Arc::new(snap.clone());
        let report = self
            .reconciler
            .reconcile(tree, Revision::new(revision), changes)
            .await?;
        *previous = Some(snap);
        log_report(&report);
        Ok(report)
    }
}

fn log_report(report: &ReconcileReport) {
    if report.skipped {
        tracing::debug!(revision = %report.revision, "nothing relevant changed");
        return;
    }
    tracing::info!(
        revision = %report.revision,
        deployed = report.deployed.len(),
        invalid = report.invalid.len(),
        pruned = report.pruned.len(),
        prune_refused = report.prune_refused,
        "reconciled"
    );
}

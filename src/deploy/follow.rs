//! A daemon that does not lead runs no sync loop: it follows the leader through the store,
//! swapping in the live revisions again whenever the repository's last applied revision
//! changes there. Its engine then drives executions of the flows the leader deployed.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{DeployError, Reconciler, SyncHealth};

/// Reloads the registry from the store if the leader applied another revision; true if it did.
pub async fn follow_once(reconciler: &Reconciler) -> Result<bool, DeployError> {
    let repo = &reconciler.options().repo;
    let stored = reconciler
        .store()
        .sync_status(repo)
        .await?
        .and_then(|s| s.last_applied_revision);
    let live = reconciler
        .registry()
        .snapshot()
        .revision()
        .map(str::to_owned);
    if stored.is_none() || stored == live {
        return Ok(false);
    }
    reconciler.restore().await?;
    Ok(true)
}

/// Follows the store every `every` while `leading` says another daemon leads, until `cancel`.
pub async fn follow(
    reconciler: Arc<Reconciler>,
    health: Arc<SyncHealth>,
    leading: tokio::sync::watch::Receiver<Option<i64>>,
    every: Duration,
    cancel: CancellationToken,
) {
    loop {
        if leading.borrow().is_none() {
            let result = follow_once(&reconciler).await;
            match &result {
                Ok(true) => {
                    tracing::info!("registry reloaded from the revision the leader applied")
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "cannot follow the leader's revision"),
            }
            health.record_follow(result.err().map(|e| e.to_string()));
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

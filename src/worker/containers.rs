//! The worker's part in Docker container clean-up: at start, remove the exited containers a
//! crashed worker left behind; at shutdown, wait for the removals still in flight (runs hand
//! their containers to a background removal so the result is reported without waiting).

use std::time::Duration;

use crate::runner::docker::{removals_settled, sweep_exited};
use crate::tasks::DockerEngine;

/// Exited containers younger than this may still be copied back by a live worker sharing the
/// engine, so the start-up sweep leaves them to their owner.
const ORPHAN_MIN_AGE: Duration = Duration::from_secs(300);

/// Sweeps orphaned containers in the background; nothing when no engine answers.
pub(super) fn sweep_in_background(docker: DockerEngine, worker_id: String) {
    tokio::spawn(async move {
        let Ok(client) = docker.client().await else {
            return;
        };
        match sweep_exited(&client, ORPHAN_MIN_AGE, None).await {
            Ok(removed) if !removed.is_empty() => {
                tracing::info!(%worker_id, count = removed.len(), "removed orphaned containers");
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%worker_id, %error, "cannot sweep orphaned containers");
            }
        }
    });
}

/// Waits up to `grace` for the container removals still in flight.
pub(super) async fn settle(grace: Duration, worker_id: &str) {
    if tokio::time::timeout(grace, removals_settled())
        .await
        .is_err()
    {
        tracing::warn!(%worker_id, "container removals still running at shutdown");
    }
}

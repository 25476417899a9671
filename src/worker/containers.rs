//! The worker's part in Docker container clean-up: it sweeps orphaned containers when it
//! starts and then periodically (see `sweep`), and at shutdown waits for the removals still in
//! flight (runs hand their containers to a background removal so the result is reported
//! without waiting).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::sweep::{Sweep, sweep_containers};
use crate::runner::docker::{removals_settled, sweep_exited};
use crate::store::Store;
use crate::tasks::DockerEngine;

/// Containers no worker of this store started (no `baton.worker` label, or another store's
/// worker) go once exited for this long: younger ones may still be copied back by a live
/// worker sharing the engine.
const ORPHAN_MIN_AGE: Duration = Duration::from_secs(300);

/// Shortest pause between two sweeps, however soon a kept container's lease expires.
const MIN_PAUSE: Duration = Duration::from_millis(100);

/// Sweeps at once, then every `every`, or sooner when a kept container's lease expires
/// before that (so a dead worker's containers go as soon as the store lets them), until
/// `stop`. Nothing happens while no engine answers.
pub(super) async fn sweep_loop(
    store: Arc<dyn Store>,
    docker: DockerEngine,
    worker_id: String,
    every: Duration,
    stop: CancellationToken,
) {
    let mut pause = sweep_and_plan(store.as_ref(), &docker, &worker_id, every).await;
    sweep_foreign(&docker, &worker_id).await;
    loop {
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = stop.cancelled() => return,
        }
        pause = sweep_and_plan(store.as_ref(), &docker, &worker_id, every).await;
    }
}

/// One store-judged sweep; returns how long to wait before the next: `every`, or until just
/// after the earliest lease of a kept container expires.
async fn sweep_and_plan(
    store: &dyn Store,
    docker: &DockerEngine,
    worker_id: &str,
    every: Duration,
) -> Duration {
    let Some(expiry) = sweep_once(store, docker, worker_id)
        .await
        .and_then(|sweep| sweep.next_expiry)
    else {
        return every;
    };
    let until = (expiry - Utc::now()).to_std().unwrap_or_default();
    (until + MIN_PAUSE).min(every)
}

/// One store-judged sweep; `None` when it could not look at the containers.
async fn sweep_once(store: &dyn Store, docker: &DockerEngine, worker_id: &str) -> Option<Sweep> {
    let client = docker.client().await.ok()?;
    match sweep_containers(store, &client).await {
        Ok(sweep) => {
            if !sweep.removed.is_empty() {
                tracing::info!(%worker_id, count = sweep.removed.len(), "removed orphaned containers");
            }
            Some(sweep)
        }
        Err(error) => {
            tracing::warn!(%worker_id, %error, "cannot sweep orphaned containers");
            None
        }
    }
}

/// Removes the exited containers the store cannot vouch for, once old enough (at start).
async fn sweep_foreign(docker: &DockerEngine, worker_id: &str) {
    let Ok(client) = docker.client().await else {
        return;
    };
    match sweep_exited(&client, ORPHAN_MIN_AGE, None).await {
        Ok(removed) if !removed.is_empty() => {
            tracing::info!(%worker_id, count = removed.len(), "removed old exited containers");
        }
        Ok(_) => {}
        Err(error) => {
            tracing::warn!(%worker_id, %error, "cannot sweep old exited containers");
        }
    }
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

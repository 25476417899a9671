//! The container sweep: which baton containers are orphans, asked of the store rather than of
//! the clock. A container a worker of this store started (`baton.worker` label naming a
//! registered worker) is removed, running or not, unless its task run is still `RUNNING` (or
//! `KILLING`) under an unexpired lease of that same worker. The lease alone decides: a worker
//! whose heartbeat is silent (a database outage, say) still owns its runs until their leases
//! lapse, and would report a killed container as exit 137 if the sweep took it earlier. Other
//! containers (another store's workers sharing the engine, or no worker label) are not this
//! store's to judge; `delete: false` ones are never listed.

use std::collections::HashSet;

use bollard::Docker;
use chrono::{DateTime, Utc};

use super::error::SweepError;
use crate::runner::docker::{BatonContainer, deletable_containers, remove_container};
use crate::store::Store;
use crate::store::model::{State, TaskRunLease};

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sweep {
    /// Ids of the containers removed.
    pub removed: Vec<String>,
    /// How many were kept because their worker still holds their task run's lease.
    pub kept: usize,
    /// The earliest lease expiry among the kept ones: the sweep has work again from then.
    pub next_expiry: Option<DateTime<Utc>>,
    /// Containers that could not be judged or removed (logged; the next sweep tries again).
    pub failed: usize,
}

/// What becomes of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// Not started by a worker of this store: left alone.
    NotOurs,
    /// Its owner still runs it, under a lease valid until then.
    Keep(DateTime<Utc>),
    /// An orphan, and why.
    Remove(&'static str),
}

/// Removes the orphaned baton containers on `docker` of `store`'s workers (see the module).
pub async fn sweep_containers(store: &dyn Store, docker: &Docker) -> Result<Sweep, SweepError> {
    let containers = deletable_containers(docker)
        .await
        .map_err(SweepError::List)?;
    let mut sweep = Sweep::default();
    if containers.iter().all(|c| c.worker_id.is_none()) {
        return Ok(sweep);
    }
    let workers: HashSet<String> = store
        .workers()
        .await
        .map_err(SweepError::Workers)?
        .into_iter()
        .map(|worker| worker.id)
        .collect();
    for container in &containers {
        let verdict = match lease_of(store, container, &workers).await {
            Ok(Some(lease)) => judge(container, lease.as_ref(), Utc::now()),
            Ok(None) => Verdict::NotOurs,
            Err(error) => {
                tracing::warn!(container = %container.id, task_run_id = %container.task_run_id,
                    %error, "cannot read a container's task run");
                sweep.failed += 1;
                continue;
            }
        };
        match verdict {
            Verdict::NotOurs => {}
            Verdict::Keep(until) => {
                sweep.kept += 1;
                sweep.next_expiry = Some(sweep.next_expiry.map_or(until, |at| at.min(until)));
            }
            Verdict::Remove(reason) => match remove_container(docker, &container.id).await {
                Ok(()) => {
                    tracing::info!(container = %container.id, task_run_id = %container.task_run_id,
                        running = container.running, reason, "removed an orphaned container");
                    sweep.removed.push(container.id.clone());
                }
                Err(error) => {
                    tracing::warn!(container = %container.id, %error, "cannot remove an orphaned container");
                    sweep.failed += 1;
                }
            },
        }
    }
    Ok(sweep)
}

/// The container's task run lease (`Some(None)`: unknown task run), or `None` when the
/// container is not one of this store's workers'.
async fn lease_of(
    store: &dyn Store,
    container: &BatonContainer,
    workers: &HashSet<String>,
) -> Result<Option<Option<TaskRunLease>>, crate::store::StoreError> {
    match &container.worker_id {
        Some(worker) if workers.contains(worker) => {
            store.task_run_lease(&container.task_run_id).await.map(Some)
        }
        _ => Ok(None),
    }
}

/// The verdict on a container of this store's workers, given its task run's lease.
fn judge(container: &BatonContainer, lease: Option<&TaskRunLease>, now: DateTime<Utc>) -> Verdict {
    let Some(lease) = lease else {
        return Verdict::Remove("task run unknown to the store");
    };
    if lease.state.is_terminal() {
        return Verdict::Remove("task run ended");
    }
    if !matches!(lease.state, State::Running | State::Killing) {
        return Verdict::Remove("task run back in the queue");
    }
    let Some(holder) = &lease.holder else {
        return Verdict::Remove("task run not leased");
    };
    if holder.expires < now {
        return Verdict::Remove("lease expired");
    }
    if container.worker_id.as_deref() != Some(holder.worker_id.as_str()) {
        return Verdict::Remove("task run claimed again by another worker");
    }
    Verdict::Keep(holder.expires)
}

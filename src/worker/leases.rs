//! The task runs a worker is running, and the heartbeat that keeps them its own: every tick it
//! writes the worker's heartbeat, renews the leases, stops (unreported) the task runs whose
//! lease it lost, and stops (reported as KILLED) those the engine marked `KILLING`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::Store;
use crate::store::model::State;

/// How one running task run is stopped.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunHandle {
    /// Stops the task (a kill, a lost lease, a shutdown past its grace).
    pub cancel: CancellationToken,
    /// Set when the task run is no longer this worker's to report (lease lost, shutdown).
    pub abandoned: Arc<AtomicBool>,
}

impl RunHandle {
    /// Stops the task and gives up reporting it.
    pub(crate) fn abandon(&self) {
        self.abandoned.store(true, Ordering::SeqCst);
        self.cancel.cancel();
    }

    /// True once abandoned.
    pub(crate) fn is_abandoned(&self) -> bool {
        self.abandoned.load(Ordering::SeqCst)
    }
}

/// The task runs in progress on this worker, by id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Running {
    runs: Arc<Mutex<HashMap<String, RunHandle>>>,
}

impl Running {
    /// Registers a task run; returns its handle.
    pub(crate) fn insert(&self, id: &str) -> RunHandle {
        let handle = RunHandle::default();
        if let Ok(mut runs) = self.runs.lock() {
            runs.insert(id.to_owned(), handle.clone());
        }
        handle
    }

    /// Forgets a finished task run.
    pub(crate) fn remove(&self, id: &str) {
        if let Ok(mut runs) = self.runs.lock() {
            runs.remove(id);
        }
    }

    /// How many are running.
    pub(crate) fn len(&self) -> usize {
        self.runs.lock().map_or(0, |runs| runs.len())
    }

    /// Ids and handles of every running task run.
    pub(crate) fn snapshot(&self) -> Vec<(String, RunHandle)> {
        self.runs.lock().map_or_else(
            |_| Vec::new(),
            |runs| runs.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        )
    }
}

/// Renews leases and heartbeats every `every` until `stop` is cancelled.
pub(crate) async fn heartbeat_loop(
    store: Arc<dyn Store>,
    worker_id: String,
    running: Running,
    lease: Duration,
    every: Duration,
    stop: CancellationToken,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = stop.cancelled() => return,
        }
        tick(store.as_ref(), &worker_id, &running, lease).await;
    }
}

/// One heartbeat: renew, drop lost leases, look for kills.
pub(crate) async fn tick(store: &dyn Store, worker_id: &str, running: &Running, lease: Duration) {
    let runs = running.snapshot();
    if let Err(error) = store.worker_heartbeat(worker_id, runs.len() as i64).await {
        tracing::warn!(worker_id, %error, "cannot write the worker heartbeat");
    }
    if runs.is_empty() {
        return;
    }
    let ids: Vec<String> = runs.iter().map(|(id, _)| id.clone()).collect();
    let renewed: HashSet<String> = match store.renew_leases(worker_id, &ids, lease).await {
        Ok(renewed) => renewed.into_iter().collect(),
        Err(error) => {
            // The leases may still be valid; completion will tell.
            tracing::warn!(worker_id, %error, "cannot renew leases");
            return;
        }
    };
    for (id, handle) in &runs {
        if !renewed.contains(id) {
            tracing::warn!(worker_id, task_run_id = %id, "lease lost: stopping the task run, its result will not be reported");
            handle.abandon();
            continue;
        }
        match store.task_run(id).await {
            Ok(Some(run)) if run.state == State::Killing => handle.cancel.cancel(),
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(task_run_id = %id, %error, "cannot read a task run's state")
            }
        }
    }
}

//! How a worker runs: its threads (concurrent task runs), group, data directory and lease.

use std::path::PathBuf;
use std::time::Duration;

/// A worker's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerConfig {
    /// Task runs run at the same time (default: the number of cores).
    pub threads: usize,
    /// Only task runs of this worker group are claimed (`None`: task runs without a group).
    pub group: Option<String>,
    /// Working directories live under `<data_dir>/work`.
    pub data_dir: PathBuf,
    /// How long a claim stays valid without renewal.
    pub lease: Duration,
    /// How often leases are renewed, kills looked for and the heartbeat written.
    pub heartbeat: Duration,
    /// Pause between two claims when the last one found work waiting for a free slot, and the
    /// first pause when idle (it doubles up to `max_poll` while nothing comes).
    pub poll: Duration,
    /// Longest pause between two claims when idle.
    pub max_poll: Duration,
    /// How long a shutdown waits for running task runs before stopping them unreported (their
    /// leases then expire and the engine decides).
    pub shutdown_grace: Duration,
    /// The worker's id (default: a fresh UUID).
    pub id: Option<String>,
    /// Longest pause between two sweeps of orphaned containers (sooner when a kept container's
    /// lease expires first).
    pub container_sweep: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            threads: std::thread::available_parallelism().map_or(2, usize::from),
            group: None,
            data_dir: PathBuf::from("baton-data"),
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_secs(1),
            poll: Duration::from_millis(50),
            max_poll: Duration::from_millis(500),
            shutdown_grace: Duration::from_secs(30),
            id: None,
            container_sweep: Duration::from_secs(60),
        }
    }
}

impl WorkerConfig {
    /// Where the task runs' working directories live.
    pub fn work_root(&self) -> PathBuf {
        self.data_dir.join("work")
    }
}

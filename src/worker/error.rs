//! What can stop a worker (one task run's failure never does: it is reported as the task run's
//! state).

/// A failure of the worker loop itself.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The worker could not register in the store.
    #[error("worker {worker_id}: cannot register: {source}")]
    Register {
        /// The worker's id.
        worker_id: String,
        /// The store's error.
        source: crate::store::StoreError,
    },
    /// The working directory root could not be created.
    #[error("worker {worker_id}: cannot create {path}: {source}")]
    WorkRoot {
        /// The worker's id.
        worker_id: String,
        /// The directory.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A container sweep that could not look at the containers at all (one container's failure
/// only counts in `Sweep::failed`).
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The engine did not list its containers.
    #[error("cannot list baton containers: {0}")]
    List(#[source] crate::runner::RunnerError),
    /// The store did not list its workers.
    #[error("cannot read the registered workers: {0}")]
    Workers(#[source] crate::store::StoreError),
}

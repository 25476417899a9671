//! Claims runnable task runs from the store, runs them through `tasks`, heartbeats, reports.
//!
//! A worker shares nothing with the engine but the store: it reads each claimed task run's
//! `payload` (task JSON + template context), runs it with `tasks::run_worker_task`, streams its
//! log lines to the store in batches, renews its leases while it runs, and completes it with
//! `Store::complete_task_run`, which only succeeds while the lease is still held. A task run
//! whose lease was lost is stopped and never reported, so no result is written twice.

mod config;
mod containers;
mod error;
mod execution;
mod leases;
mod log_sink;
mod pool;
mod services;
mod sweep;

pub use config::WorkerConfig;
pub use error::{SweepError, WorkerError};
pub use pool::Worker;
pub use services::WorkerServices;
pub use sweep::{Sweep, sweep_containers};

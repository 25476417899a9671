//! Leases: which process leads a singleton job (scheduler, git sync) and until when, and which
//! worker holds a task run.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::state::State;

/// The current holder of a named leader lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lease {
    /// The lease's name (`scheduler`, `git-sync`...).
    pub name: String,
    /// Who holds it.
    pub holder: String,
    /// Grows by one on every new tenure: a fencing token.
    pub term: i64,
    /// When it lapses unless renewed.
    pub expires: DateTime<Utc>,
}

/// The lease under which one daemon of those sharing a database runs the scheduler and the
/// sync loop (`/readyz` needs a live holder).
pub const LEADER_LEASE: &str = "leader";

/// A task run's state and the worker lease on it, if any (the container sweep asks whether a
/// container's task run still has a live owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRunLease {
    /// The task run's current state.
    pub state: State,
    /// The worker that claimed it and until when its claim holds; `None` once completed (or
    /// never claimed).
    pub holder: Option<WorkerLease>,
}

/// A worker's claim on a task run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerLease {
    /// The claiming worker's id.
    pub worker_id: String,
    /// When the claim lapses unless renewed.
    pub expires: DateTime<Utc>,
}

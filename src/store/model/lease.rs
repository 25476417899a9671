//! Leader leases: which process leads a singleton job (scheduler, git sync) and until when.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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

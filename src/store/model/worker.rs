//! Registered workers and their heartbeats.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A worker process, as it registered itself, with its last heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerInfo {
    /// Unique per worker process.
    pub id: String,
    /// The host it runs on.
    pub host: String,
    /// The baton version it runs.
    pub version: String,
    /// Its worker group, if any.
    pub group: Option<String>,
    /// When it started.
    pub started: DateTime<Utc>,
    /// Its last heartbeat.
    pub last_heartbeat: DateTime<Utc>,
    /// How many task runs it was running at the last heartbeat.
    pub running: i64,
}

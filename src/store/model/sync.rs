//! Sync status as data, Flux style: what was attempted and applied, per repository and per flow.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The reconcile status of a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// The repository (sanitized URL or path).
    pub repo: String,
    /// The last commit fully applied.
    pub last_applied_revision: Option<String>,
    /// The last commit a reconcile was attempted for.
    pub last_attempted_revision: Option<String>,
    /// `Ready`, `Reconciling` or `Stalled`.
    pub condition: String,
    /// A short CamelCase reason (e.g. `ValidationFailed`).
    pub reason: String,
    /// A human message.
    pub message: String,
    /// When this status was written.
    pub updated_at: DateTime<Utc>,
    /// Message, author and time of the last applied commit. Stored with `None`, the details
    /// already stored for that sha are kept.
    #[serde(default)]
    pub last_applied_commit: Option<CommitDetails>,
    /// Message, author and time of the last attempted commit.
    #[serde(default)]
    pub last_attempted_commit: Option<CommitDetails>,
}

/// What the overview shows of a commit besides its sha.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitDetails {
    /// First line of the message.
    pub message: String,
    /// `Name <email>`.
    pub author: String,
    /// Commit time.
    pub time: DateTime<Utc>,
}

/// The reconcile status of one flow file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowSyncStatus {
    /// The flow's namespace.
    pub namespace: String,
    /// The flow's id.
    pub flow_id: String,
    /// The file path in the repository.
    pub path: String,
    /// The last commit whose version of this flow was applied.
    pub last_applied_revision: Option<String>,
    /// The last commit whose version of this flow was attempted.
    pub last_attempted_revision: Option<String>,
    /// `Ready`, `Reconciling` or `Stalled`.
    pub condition: String,
    /// A short CamelCase reason.
    pub reason: String,
    /// A human message.
    pub message: String,
    /// The diagnostics of the last attempt, as JSON.
    pub diagnostics: Value,
    /// When this status was written.
    pub updated_at: DateTime<Utc>,
}

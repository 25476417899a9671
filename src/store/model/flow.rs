//! Deployed flow revisions: the source of every version of a flow, kept for history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One stored revision of a flow. A deletion is recorded as a revision with `deleted: true`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowRevision {
    /// The flow's namespace.
    pub namespace: String,
    /// The flow's id.
    pub id: String,
    /// 1, 2, 3... per flow.
    pub revision: i64,
    /// The flow's YAML source, as deployed.
    pub source: String,
    /// The Git commit it was deployed from.
    pub commit: Option<String>,
    /// The file path in the repository.
    pub path: Option<String>,
    /// The commit author.
    pub author: Option<String>,
    /// When it was deployed.
    pub deployed_at: DateTime<Utc>,
    /// True for the tombstone revision that removed the flow.
    pub deleted: bool,
}

/// A flow source to deploy; the store assigns the revision number and the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewRevision {
    /// The flow's namespace.
    pub namespace: String,
    /// The flow's id.
    pub id: String,
    /// The flow's YAML source.
    pub source: String,
    /// The Git commit it comes from.
    pub commit: Option<String>,
    /// The file path in the repository.
    pub path: Option<String>,
    /// The commit author.
    pub author: Option<String>,
}

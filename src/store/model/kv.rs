//! Entries of the namespace key-value store.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One key of a namespace's key-value store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KvEntry {
    /// The key.
    pub key: String,
    /// The value.
    pub value: Value,
    /// When it expires, if it has a TTL.
    pub expires: Option<DateTime<Utc>>,
    /// When it was last written.
    pub updated: DateTime<Utc>,
}

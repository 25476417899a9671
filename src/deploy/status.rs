//! Sync status as data, Flux style: building the per-repo and per-flow status records that a
//! reconcile writes, with the diagnostics (line and column) of a rejected flow file.

use chrono::Utc;
use serde_json::Value;

use crate::store::model::{FlowSyncStatus, SyncStatus};
use crate::validate::Diagnostic;

/// The revision is applied.
pub const CONDITION_READY: &str = "Ready";
/// A reconcile is in progress.
pub const CONDITION_RECONCILING: &str = "Reconciling";
/// The revision cannot be applied until something changes (an invalid file, a failed fetch).
pub const CONDITION_STALLED: &str = "Stalled";

/// `file:line:column: message` for each error, for a status message.
pub(crate) fn summarize(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}:{}:{}: {}", d.file, d.line, d.column, d.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The status of a repository.
pub(crate) fn repo_status(
    repo: &str,
    applied: Option<String>,
    attempted: &str,
    condition: &str,
    reason: &str,
    message: String,
) -> SyncStatus {
    SyncStatus {
        repo: repo.to_string(),
        last_applied_revision: applied,
        last_attempted_revision: Some(attempted.to_string()),
        condition: condition.to_string(),
        reason: reason.to_string(),
        message,
        updated_at: Utc::now(),
        last_applied_commit: None,
        last_attempted_commit: None,
    }
}

/// The identity and place of a flow status.
pub(crate) struct FlowKey<'a> {
    pub namespace: &'a str,
    pub flow_id: &'a str,
    pub path: &'a str,
}

/// A flow applied at `revision`.
pub(crate) fn flow_ready(
    key: &FlowKey<'_>,
    revision: &str,
    diagnostics: &[Diagnostic],
) -> FlowSyncStatus {
    FlowSyncStatus {
        namespace: key.namespace.to_string(),
        flow_id: key.flow_id.to_string(),
        path: key.path.to_string(),
        last_applied_revision: Some(revision.to_string()),
        last_attempted_revision: Some(revision.to_string()),
        condition: CONDITION_READY.to_string(),
        reason: "Applied".to_string(),
        message: format!("applied {}", key.path),
        diagnostics: serde_json::to_value(diagnostics).unwrap_or(Value::Null),
        updated_at: Utc::now(),
    }
}

/// A flow whose version at `revision` was rejected; `applied` is the revision still live.
pub(crate) fn flow_stalled(
    key: &FlowKey<'_>,
    revision: &str,
    applied: Option<String>,
    diagnostics: &[Diagnostic],
) -> FlowSyncStatus {
    let kept = match &applied {
        Some(rev) => format!(" (still live at {rev})"),
        None => String::new(),
    };
    FlowSyncStatus {
        namespace: key.namespace.to_string(),
        flow_id: key.flow_id.to_string(),
        path: key.path.to_string(),
        last_applied_revision: applied,
        last_attempted_revision: Some(revision.to_string()),
        condition: CONDITION_STALLED.to_string(),
        reason: "ValidationFailed".to_string(),
        message: format!("{}{kept}", summarize(diagnostics)),
        diagnostics: serde_json::to_value(diagnostics).unwrap_or(Value::Null),
        updated_at: Utc::now(),
    }
}

//! Labels: the `system.` prefix is reserved for labels baton itself sets.

use serde_json::Value;

use crate::validate::diagnostic::Finding;
use crate::validate::tree::child_pointer;

const RESERVED: &str = "system.";

/// System labels a flow may set itself (Kestra lets users mark a flow read-only).
const USER_SETTABLE: &[&str] = &["system.readOnly"];

/// Flags every label whose key starts with `system.`.
pub fn check_labels(flow: &Value) -> Vec<Finding> {
    let offending: Vec<(String, String, String)> = match flow.get("labels") {
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| (child_pointer("/labels", k), k.clone(), scalar(v)))
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let key = item.get("key")?.as_str()?.to_string();
                let value = item.get("value").map(scalar).unwrap_or_default();
                Some((format!("/labels/{i}/key"), key, value))
            })
            .collect(),
        _ => Vec::new(),
    };
    offending
        .into_iter()
        .filter(|(_, k, _)| k.starts_with(RESERVED) && !USER_SETTABLE.contains(&k.as_str()))
        .map(|(pointer, k, v)| {
            Finding::error(
                "reserved-label",
                pointer,
                format!("System labels can only be set by Kestra itself, offending label: {k}={v}"),
            )
            .at_key()
        })
        .collect()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

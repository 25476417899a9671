//! Plugin defaults: values merged into every task (or trigger, condition, task runner) object of a
//! matching type before it is parsed. Precedence, highest first: forced defaults, the object's own
//! values, then non-forced defaults; among defaults, the flow's before its namespaces', the
//! nearest namespace before its parents.

use serde_json::{Map, Value};

use super::catalogue;
use super::flow::PluginDefault;

/// True when a default declared for `declared` applies to an object of type `actual`: same type
/// (aliases included) or `declared` is a package prefix of it.
pub fn matches(declared: &str, actual: &str) -> bool {
    let canonical = |n: &str| catalogue::task_type(n).map_or(n.to_string(), |t| t.name.to_string());
    if declared == actual || canonical(declared) == canonical(actual) {
        return true;
    }
    actual
        .strip_prefix(declared)
        .is_some_and(|rest| rest.starts_with('.'))
        || canonical(actual)
            .strip_prefix(declared)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Applies `defaults` (ordered highest precedence first) to every typed object inside a flow's
/// JSON value: tasks at any depth, triggers, conditions and task runners.
pub fn apply_plugin_defaults(flow: &mut Value, defaults: &[PluginDefault]) {
    if defaults.is_empty() {
        return;
    }
    for key in ["tasks", "errors", "finally", "afterExecution", "triggers"] {
        if let Some(v) = flow.get_mut(key) {
            apply_within(v, defaults, 0);
        }
    }
}

fn apply_within(value: &mut Value, defaults: &[PluginDefault], depth: usize) {
    if depth > 256 {
        return;
    }
    match value {
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| apply_within(v, defaults, depth + 1)),
        Value::Object(map) => {
            if let Some(Value::String(t)) = map.get("type") {
                let t = t.clone();
                apply_to_object(map, &t, defaults);
            }
            map.values_mut()
                .for_each(|v| apply_within(v, defaults, depth + 1));
        }
        _ => {}
    }
}

fn apply_to_object(map: &mut Map<String, Value>, type_name: &str, defaults: &[PluginDefault]) {
    let applicable: Vec<&PluginDefault> = defaults
        .iter()
        .filter(|d| matches(&d.type_name, type_name))
        .collect();
    // Forced ones, lowest precedence first so higher ones win.
    for d in applicable.iter().rev().filter(|d| d.forced) {
        for (k, v) in &d.values {
            let merged = match map.get(k) {
                Some(own) => deep_merge(own.clone(), v),
                None => v.clone(),
            };
            map.insert(k.clone(), merged);
        }
    }
    for d in applicable.iter().filter(|d| !d.forced) {
        for (k, v) in &d.values {
            let merged = match map.get(k) {
                Some(own) => deep_merge(v.clone(), own),
                None => v.clone(),
            };
            map.insert(k.clone(), merged);
        }
    }
}

/// Merges `over` into `base`: maps merge key by key, anything else is replaced by `over`.
pub fn deep_merge(base: Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Object(mut b), Value::Object(o)) => {
            for (k, v) in o {
                let merged = match b.remove(k) {
                    Some(existing) => deep_merge(existing, v),
                    None => v.clone(),
                };
                b.insert(k.clone(), merged);
            }
            Value::Object(b)
        }
        (_, over) => over.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn default(t: &str, forced: bool, values: Value) -> PluginDefault {
        PluginDefault {
            type_name: t.into(),
            forced,
            values: values.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn precedence_forced_then_own_then_defaults() {
        let mut flow = json!({"tasks": [{"id": "a", "type": "io.kestra.plugin.core.log.Log", "message": "own"}]});
        let defaults = vec![
            default(
                "io.kestra.plugin.core.log.Log",
                false,
                json!({"message": "dflt", "level": "WARN"}),
            ),
            default("io.kestra.plugin.core.log", true, json!({"level": "ERROR"})),
        ];
        apply_plugin_defaults(&mut flow, &defaults);
        assert_eq!(flow["tasks"][0]["message"], "own");
        assert_eq!(flow["tasks"][0]["level"], "ERROR");
    }

    #[test]
    fn defaults_reach_nested_tasks_and_aliases() {
        let mut flow = json!({"tasks": [{"id": "p", "type": "io.kestra.plugin.core.flow.Parallel",
            "tasks": [{"id": "l", "type": "io.kestra.core.tasks.log.Log"}]}]});
        apply_plugin_defaults(
            &mut flow,
            &[default(
                "io.kestra.plugin.core.log.Log",
                false,
                json!({"message": "hi"}),
            )],
        );
        assert_eq!(flow["tasks"][0]["tasks"][0]["message"], "hi");
        assert!(flow["tasks"][0].get("message").is_none());
    }
}

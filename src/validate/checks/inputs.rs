//! Input declarations: defaults valid for the type, no defaults on FILE inputs, no ARRAY of
//! ARRAY, validators that compile.

use serde_json::Value;

use crate::spec::Duration;
use crate::spec::templated::is_template;
use crate::validate::diagnostic::Finding;

/// Checks every input of the flow.
pub fn check_inputs(flow: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(Value::Array(inputs)) = flow.get("inputs") else {
        return out;
    };
    for (i, input) in inputs.iter().enumerate() {
        let at = |key: &str| format!("/inputs/{i}/{key}");
        let id = input
            .get("id")
            .or(input.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("?");
        let kind = input
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(defaults) = input.get("defaults").filter(|d| !d.is_null()) {
            if kind == "FILE" {
                out.push(Finding::error(
                    "file-input-default",
                    at("defaults"),
                    format!("{id}: no `defaults` can be set for inputs of type 'FILE'"),
                ));
            } else if let Some(reason) = default_problem(kind, defaults, input) {
                out.push(Finding::error(
                    "invalid-input-default",
                    at("defaults"),
                    format!("{id}: invalid `defaults` for a {kind} input: {reason}"),
                ));
            }
        }
        if kind == "ARRAY" && input.get("itemType").and_then(Value::as_str) == Some("ARRAY") {
            out.push(Finding::error(
                "array-item-type",
                at("itemType"),
                format!("{id}: `itemType` cannot be `ARRAY`"),
            ));
        }
        if let Some(pattern) = input.get("validator").and_then(Value::as_str)
            && let Err(e) = regex::Regex::new(pattern)
        {
            let first = e
                .to_string()
                .lines()
                .last()
                .unwrap_or_default()
                .trim()
                .to_string();
            out.push(Finding::error(
                "invalid-validator",
                at("validator"),
                format!("{id}: invalid pattern ({pattern}): {first}"),
            ));
        }
    }
    out
}

/// Why `value` is not a valid default for an input of type `kind`, if it is not.
fn default_problem(kind: &str, value: &Value, input: &Value) -> Option<String> {
    if let Value::String(s) = value
        && is_template(s)
    {
        return None;
    }
    let text = match value {
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    };
    let ok = match kind {
        "INT" => value.is_i64() || value.is_u64() || text.parse::<i64>().is_ok(),
        "FLOAT" => value.is_number() || text.parse::<f64>().is_ok(),
        "BOOLEAN" | "BOOL" => value.is_boolean() || matches!(text.as_str(), "true" | "false"),
        "DATE" => chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").is_ok(),
        "DATETIME" => chrono::DateTime::parse_from_rfc3339(&text).is_ok(),
        "TIME" => ["%H:%M:%S", "%H:%M", "%H:%M:%S%.f"]
            .iter()
            .any(|f| chrono::NaiveTime::parse_from_str(&text, f).is_ok()),
        "DURATION" => Duration::parse(&text).is_ok(),
        "URI" => text
            .split_once(':')
            .is_some_and(|(scheme, _)| !scheme.is_empty()),
        "EMAIL" => text
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.')),
        "SELECT" | "ENUM" => return select_problem(&text, input),
        "MULTISELECT" => return multiselect_problem(value, input),
        _ => true,
    };
    (!ok).then(|| format!("`{text}` is not a valid {kind}"))
}

fn choices(input: &Value) -> Option<Vec<&str>> {
    let list = input.get("values").or(input.get("options"))?.as_array()?;
    Some(list.iter().filter_map(Value::as_str).collect())
}

fn allows_custom(input: &Value) -> bool {
    input
        .get("allowCustomValue")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn select_problem(text: &str, input: &Value) -> Option<String> {
    let choices = choices(input)?;
    (!allows_custom(input) && !choices.contains(&text))
        .then(|| format!("`{text}` is not one of {}", choices.join(", ")))
}

fn multiselect_problem(value: &Value, input: &Value) -> Option<String> {
    let choices = choices(input)?;
    if allows_custom(input) {
        return None;
    }
    let Value::Array(items) = value else {
        return Some("a MULTISELECT default is a list".into());
    };
    items
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .find(|v| !choices.contains(&v.as_str()))
        .map(|v| format!("`{v}` is not one of {}", choices.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_by_type() {
        let none = json!({});
        assert!(default_problem("INT", &json!("12"), &none).is_none());
        assert!(default_problem("INT", &json!("x"), &none).is_some());
        assert!(default_problem("DATE", &json!("2024-02-30"), &none).is_some());
        assert!(default_problem("DATETIME", &json!("2024-01-01T00:00:00Z"), &none).is_none());
        assert!(default_problem("BOOLEAN", &json!("{{ true }}"), &none).is_none());
        let select = json!({"values": ["a", "b"]});
        assert!(default_problem("SELECT", &json!("c"), &select).is_some());
        assert!(default_problem("MULTISELECT", &json!(["a", "b"]), &select).is_none());
    }
}

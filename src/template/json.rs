//! JSON and YAML conversions: `fromJson`/`json` (parse) and `toJson`/`yaml` (serialise).

use minijinja::{Error, Value};

use super::functions::failure;

/// Parses a JSON string into a value; non-strings are returned unchanged.
pub(crate) fn from_json(value: Value) -> Result<Value, Error> {
    let Some(text) = value.as_str() else {
        return Ok(value);
    };
    let parsed: serde_json::Value =
        serde_json::from_str(text).map_err(|e| failure(format!("fromJson: invalid JSON: {e}")))?;
    Ok(Value::from_serialize(&parsed))
}

/// The JSON text of a value (compact, like Kestra's `toJson`).
pub(crate) fn to_json(value: Value) -> Result<String, Error> {
    if value.is_undefined() {
        return Ok("null".into());
    }
    serde_json::to_string(&value).map_err(|e| failure(format!("toJson: {e}")))
}

/// The JSON form of a minijinja value.
pub(crate) fn to_serde(value: &Value) -> Result<serde_json::Value, String> {
    serde_json::to_value(value).map_err(|e| e.to_string())
}

/// The YAML text of a value (block style, one key per line).
pub(crate) fn to_yaml(value: Value) -> Result<String, Error> {
    let json = to_serde(&value).map_err(|e| failure(format!("yaml: {e}")))?;
    let mut out = String::new();
    write_yaml(&json, 0, &mut out);
    Ok(out.trim_end().to_string())
}

fn write_yaml(value: &serde_json::Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        serde_json::Value::Object(map) if !map.is_empty() => {
            for (key, v) in map {
                out.push_str(&format!(
                    "{pad}{}:",
                    scalar(&serde_json::Value::String(key.clone()))
                ));
                write_nested(v, indent, out);
            }
        }
        serde_json::Value::Array(items) if !items.is_empty() => {
            for v in items {
                out.push_str(&format!("{pad}-"));
                write_nested(v, indent, out);
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

fn write_nested(value: &serde_json::Value, indent: usize, out: &mut String) {
    match value {
        serde_json::Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_yaml(value, indent + 2, out);
        }
        serde_json::Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_yaml(value, indent + 2, out);
        }
        other => out.push_str(&format!(" {}\n", scalar(other))),
    }
}

/// A YAML scalar; strings are JSON-quoted when plain style would be ambiguous.
fn scalar(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => {
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_alphanumeric() || "_-./ ".contains(c))
                && !s.starts_with([' ', '-'])
                && !s.ends_with(' ')
                && !matches!(s.as_str(), "true" | "false" | "null" | "yes" | "no" | "~")
                && s.parse::<f64>().is_err();
            if plain {
                s.clone()
            } else {
                serde_json::Value::String(s.clone()).to_string()
            }
        }
        serde_json::Value::Object(_) => "{}".into(),
        serde_json::Value::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

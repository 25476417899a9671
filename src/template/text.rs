//! String filters in Kestra/Pebble form: `replace` (map or pair), `split`, `slugify`,
//! `startsWith`/`endsWith`, `substring*`, `number`, `default`, `abbreviate`, `indent`.

use minijinja::value::Kwargs;
use minijinja::value::ValueKind;
use minijinja::{Error, State, Value};

use super::functions::failure;

/// Registers the string filters on `env`.
pub(crate) fn register(env: &mut minijinja::Environment<'static>) {
    env.add_filter("replace", replace);
    env.add_filter("split", split);
    env.add_filter("slugify", slugify);
    env.add_filter("startsWith", |s: String, p: String| s.starts_with(&p));
    env.add_filter("endsWith", |s: String, p: String| s.ends_with(&p));
    env.add_filter("substringBefore", |s: String, p: String| {
        s.find(&p).map_or(s.clone(), |i| s[..i].to_string())
    });
    env.add_filter("substringAfter", |s: String, p: String| {
        s.find(&p)
            .map_or(String::new(), |i| s[i + p.len()..].to_string())
    });
    env.add_filter("substringBeforeLast", |s: String, p: String| {
        s.rfind(&p).map_or(s.clone(), |i| s[..i].to_string())
    });
    env.add_filter("substringAfterLast", |s: String, p: String| {
        s.rfind(&p)
            .map_or(String::new(), |i| s[i + p.len()..].to_string())
    });
    env.add_filter("number", number);
    env.add_filter("default", default);
    env.add_filter("d", default);
    env.add_filter("abbreviate", abbreviate);
    env.add_filter("string", |v: Value| display(&v));
    env.add_test("null", |v: Value| v.is_none() || v.is_undefined());
    env.add_test("empty", is_empty);
    env.add_test("json", is_json);
}

/// Pebble's `is json`: a string that parses as JSON (any JSON value); lists and maps are JSON.
fn is_json(v: Value) -> bool {
    match v.as_str() {
        Some(s) => serde_json::from_str::<serde_json::Value>(s).is_ok(),
        None => matches!(v.kind(), ValueKind::Seq | ValueKind::Map),
    }
}

/// `replace({"a": "b"})` (Pebble) or `replace("a", "b")` (Jinja); literal, every occurrence.
fn replace(value: String, from: Value, to: Option<String>) -> Result<String, Error> {
    if let Some(to) = to {
        return Ok(value.replace(&from.to_string(), &to));
    }
    if from.kind() != ValueKind::Map {
        return Err(failure(
            "replace expects a map {\"from\": \"to\"} or two strings",
        ));
    }
    let mut out = value;
    for key in from.try_iter()? {
        let replacement = from.get_item(&key)?;
        out = out.replace(&key.to_string(), &replacement.to_string());
    }
    Ok(out)
}

/// `split(delimiter, limit=?)`: literal delimiter; a positive limit caps the number of parts.
fn split(value: String, delimiter: String, limit: Option<i64>) -> Value {
    let parts: Vec<Value> = match limit.filter(|l| *l > 0) {
        Some(l) => value
            .splitn(usize::try_from(l).unwrap_or(usize::MAX), delimiter.as_str())
            .map(Value::from)
            .collect(),
        None => value.split(delimiter.as_str()).map(Value::from).collect(),
    };
    Value::from(parts)
}

/// Lower-case ASCII words joined by `-` (`Hello World!` -> `hello-world`).
fn slugify(value: String) -> String {
    let mut out = String::new();
    for c in value.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// `number(type=?)`: parses a string into an integer or a float (`INT`, `LONG`, `FLOAT`,
/// `DOUBLE`, `BIGDECIMAL`).
fn number(value: Value, kind: Option<String>) -> Result<Value, Error> {
    if matches!(value.kind(), ValueKind::Number) && kind.is_none() {
        return Ok(value);
    }
    let text = value.to_string();
    let text = text.trim();
    let as_float = || {
        text.parse::<f64>()
            .map(Value::from)
            .map_err(|_| failure(format!("number: `{text}` is not a number")))
    };
    match kind.as_deref().map(str::to_uppercase).as_deref() {
        Some("INT" | "INTEGER" | "LONG" | "BIGINTEGER") => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| failure(format!("number: `{text}` is not an integer"))),
        Some("FLOAT" | "DOUBLE" | "BIGDECIMAL") => as_float(),
        Some(other) => Err(failure(format!("number: unknown type `{other}`"))),
        None => text.parse::<i64>().map(Value::from).or_else(|_| as_float()),
    }
}

/// Pebble's `default`: the fallback when the value is undefined, null or empty.
fn default(value: Value, fallback: Option<Value>) -> Value {
    if is_empty(value.clone()) {
        fallback.unwrap_or_else(|| Value::from(""))
    } else {
        value
    }
}

/// Pebble's `empty` test: undefined, null, empty string, list or map.
fn is_empty(value: Value) -> bool {
    value.is_undefined()
        || value.is_none()
        || match value.kind() {
            ValueKind::String => value.as_str().is_some_and(str::is_empty),
            ValueKind::Seq | ValueKind::Map => value.len() == Some(0),
            _ => false,
        }
}

/// `abbreviate(length)`: cut to `length` characters ending with `...`.
fn abbreviate(
    _state: &State,
    value: String,
    length: usize,
    kwargs: Kwargs,
) -> Result<String, Error> {
    kwargs.assert_all_used()?;
    if value.chars().count() <= length {
        return Ok(value);
    }
    let keep = length.saturating_sub(3);
    Ok(value.chars().take(keep).collect::<String>() + "...")
}

/// Pebble's text for booleans (`true`/`false`), `None` for other values.
pub(crate) fn pebble_scalar(value: &Value) -> Option<String> {
    match value.kind() {
        ValueKind::Bool => Some(value.is_true().to_string()),
        _ => None,
    }
}

/// A value as Pebble prints it inside strings (`true`, not `True`; null as empty).
pub(crate) fn display(value: &Value) -> String {
    if value.is_none() || value.is_undefined() {
        return String::new();
    }
    pebble_scalar(value).unwrap_or_else(|| value.to_string())
}

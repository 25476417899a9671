//! A subset of Kestra's `jq` filter: path expressions only (`.`, `.a.b`, `.["a-b"]`, `.[0]`,
//! `.[]`, `.a[].b`), always returning the list of results as Kestra does. Strings are parsed as
//! JSON first. Anything else (pipes, functions, `select`) is reported as unsupported.

use minijinja::{Error, Value};

use super::functions::failure;

/// One step of a jq path.
enum Step {
    Key(String),
    Index(i64),
    Each,
}

/// `value | jq(expression)`.
pub(crate) fn jq(value: Value, expression: String) -> Result<Value, Error> {
    let input = match value.as_str() {
        Some(text) => {
            let parsed: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| failure(format!("jq: input is not JSON: {e}")))?;
            Value::from_serialize(&parsed)
        }
        None => value,
    };
    let steps = parse(&expression)?;
    let mut current = vec![input];
    for step in &steps {
        current = apply(step, current)?;
    }
    Ok(Value::from(current))
}

fn apply(step: &Step, values: Vec<Value>) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for v in values {
        match step {
            Step::Key(k) => out.push(null_if_undefined(v.get_attr(k)?)),
            Step::Index(i) => {
                let len = v.len().and_then(|l| i64::try_from(l).ok()).unwrap_or(0);
                let index = if *i < 0 { len + i } else { *i };
                out.push(null_if_undefined(v.get_item(&Value::from(index))?));
            }
            Step::Each => match v.as_object() {
                Some(_) if v.kind() == minijinja::value::ValueKind::Map => {
                    for key in v.try_iter()? {
                        out.push(v.get_item(&key)?);
                    }
                }
                _ => out.extend(v.try_iter()?),
            },
        }
    }
    Ok(out)
}

fn null_if_undefined(v: Value) -> Value {
    if v.is_undefined() { Value::from(()) } else { v }
}

fn unsupported(expression: &str) -> Error {
    failure(format!(
        "jq: only path expressions (.a.b, .[0], .[]) are supported, not `{expression}`"
    ))
}

fn parse(expression: &str) -> Result<Vec<Step>, Error> {
    let chars: Vec<char> = expression.trim().chars().collect();
    if chars.first() != Some(&'.') {
        return Err(unsupported(expression));
    }
    let mut steps = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '.' if chars.get(i + 1) == Some(&'[') || i + 1 == chars.len() => i += 1,
            '.' => {
                let start = i + 1;
                i = start;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                if i == start {
                    return Err(unsupported(expression));
                }
                steps.push(Step::Key(chars[start..i].iter().collect()));
            }
            '[' => {
                let end = (i..chars.len())
                    .find(|&j| chars[j] == ']')
                    .ok_or_else(|| unsupported(expression))?;
                let inner: String = chars[i + 1..end].iter().collect();
                let inner = inner.trim();
                steps.push(if inner.is_empty() {
                    Step::Each
                } else if let Ok(n) = inner.parse::<i64>() {
                    Step::Index(n)
                } else if inner.len() >= 2 && inner.starts_with('"') && inner.ends_with('"') {
                    Step::Key(inner[1..inner.len() - 1].to_string())
                } else {
                    return Err(unsupported(expression));
                });
                i = end + 1;
            }
            _ => return Err(unsupported(expression)),
        }
    }
    Ok(steps)
}

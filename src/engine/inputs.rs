//! Execution inputs: the values given at start checked and typed against the flow's
//! declarations. Defaults are applied (literally, not rendered), required inputs enforced, each
//! value converted to its type's JSON form and checked against validator, min/max, after/before
//! and allowed values. The first bad input is reported by name.

use chrono::{DateTime, NaiveDate, NaiveTime};
use serde_json::{Map, Value};

use crate::spec::{Duration, Input, InputType};

/// Why an input was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid input `{input}`: {message}")]
pub struct InputError {
    pub input: String,
    pub message: String,
}

/// The inputs given to a start, and how they are checked against the flow's declarations.
#[derive(Debug, Clone, PartialEq)]
pub enum Inputs {
    /// Checked by [`resolve_inputs`]: a missing required input refuses the start.
    Checked(Map<String, Value>),
    /// Checked by [`resolve_given_inputs`]: a missing required input stays unset (Kestra's
    /// Flow trigger hands the inputs it renders over as they are).
    AsGiven(Map<String, Value>),
}

impl Inputs {
    /// The execution's inputs: `given` checked and typed against `declared` as the mode says.
    pub fn resolve(&self, declared: &[Input]) -> Result<Map<String, Value>, InputError> {
        match self {
            Inputs::Checked(given) => resolve_inputs(declared, given),
            Inputs::AsGiven(given) => resolve_given_inputs(declared, given),
        }
    }

    /// The values as given, unchecked.
    pub fn into_given(self) -> Map<String, Value> {
        match self {
            Inputs::Checked(given) | Inputs::AsGiven(given) => given,
        }
    }
}

/// Plain values are checked: the usual start (API, CLI, schedule, webhook).
impl From<Map<String, Value>> for Inputs {
    fn from(given: Map<String, Value>) -> Inputs {
        Inputs::Checked(given)
    }
}

/// Checks and types `given` against `declared`; returns the execution's inputs. Undeclared
/// inputs are dropped, as Kestra does.
pub fn resolve_inputs(
    declared: &[Input],
    given: &Map<String, Value>,
) -> Result<Map<String, Value>, InputError> {
    resolve(declared, given, true)
}

/// Like [`resolve_inputs`], but a required input that is not given (and has no default) is
/// left unset instead of refused: what Kestra's Flow trigger does with the inputs it renders.
pub fn resolve_given_inputs(
    declared: &[Input],
    given: &Map<String, Value>,
) -> Result<Map<String, Value>, InputError> {
    resolve(declared, given, false)
}

fn resolve(
    declared: &[Input],
    given: &Map<String, Value>,
    enforce_required: bool,
) -> Result<Map<String, Value>, InputError> {
    let mut out = Map::new();
    for input in declared {
        let raw = match given.get(&input.id) {
            Some(Value::Null) | None => input.defaults.clone(),
            Some(v) => Some(v.clone()),
        };
        let Some(raw) = raw.filter(|v| !v.is_null()) else {
            if input.required && enforce_required {
                return Err(err(input, "missing required input"));
            }
            if input.required {
                continue;
            }
            out.insert(input.id.clone(), Value::Null);
            continue;
        };
        let typed = typed_value(input, input.kind, &raw).map_err(|m| err(input, &m))?;
        check_constraints(input, &typed).map_err(|m| err(input, &m))?;
        out.insert(input.id.clone(), typed);
    }
    Ok(out)
}

fn err(input: &Input, message: &str) -> InputError {
    InputError {
        input: input.id.clone(),
        message: message.to_string(),
    }
}

fn text(raw: &Value) -> String {
    match raw {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Converts a raw value into the JSON form of `kind`.
fn typed_value(input: &Input, kind: InputType, raw: &Value) -> Result<Value, String> {
    let s = text(raw);
    let t = s.trim();
    match kind {
        InputType::String | InputType::Secret | InputType::Enum => Ok(Value::String(s)),
        InputType::Int => match raw {
            Value::Number(n) if n.is_i64() => Ok(raw.clone()),
            _ => t
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("`{s}` is not an integer")),
        },
        InputType::Float => match raw {
            Value::Number(_) => Ok(raw.clone()),
            _ => t
                .parse::<f64>()
                .map(Value::from)
                .map_err(|_| format!("`{s}` is not a number")),
        },
        InputType::Boolean => match raw {
            Value::Bool(_) => Ok(raw.clone()),
            _ => match t.to_ascii_lowercase().as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("`{s}` is not a boolean")),
            },
        },
        InputType::Date => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(|d| Value::String(d.to_string()))
            .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)")),
        InputType::Datetime => DateTime::parse_from_rfc3339(t)
            .map(|d| {
                Value::String(
                    d.with_timezone(&chrono::Utc)
                        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                )
            })
            .map_err(|_| format!("`{s}` is not a date-time (ISO 8601 with offset)")),
        InputType::Time => NaiveTime::parse_from_str(t, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
            .map(|d| Value::String(d.to_string()))
            .map_err(|_| format!("`{s}` is not a time (HH:MM:SS)")),
        InputType::Duration => Duration::parse(t)
            .map(|d| Value::String(d.as_str().to_string()))
            .map_err(|e| format!("`{s}` is not a duration: {e}")),
        InputType::Json => match raw {
            Value::String(_) => serde_json::from_str(t).map_err(|e| format!("not valid JSON: {e}")),
            other => Ok(other.clone()),
        },
        InputType::Yaml => match raw {
            Value::String(_) => crate::load::parse_str(&s, &crate::load::Limits::default())
                .map(|d| d.value)
                .map_err(|e| format!("not valid YAML: {e}")),
            other => Ok(other.clone()),
        },
        InputType::Uri => {
            let ok = t.split_once("://").is_some_and(|(scheme, rest)| {
                !scheme.is_empty()
                    && !rest.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            });
            if ok {
                Ok(Value::String(s))
            } else {
                Err(format!("`{s}` is not a URI"))
            }
        }
        InputType::Email => {
            let ok = t
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !t.contains(' '));
            if ok {
                Ok(Value::String(s))
            } else {
                Err(format!("`{s}` is not an email address"))
            }
        }
        InputType::File => {
            if t.starts_with("kestra://") || t.starts_with("file://") {
                Ok(Value::String(s))
            } else if std::path::Path::new(t).is_file() {
                let path = std::fs::canonicalize(t).map_err(|e| format!("file `{s}`: {e}"))?;
                Ok(Value::String(format!("file://{}", path.display())))
            } else {
                Err(format!(
                    "`{s}` is neither a kestra:// URI nor an existing file"
                ))
            }
        }
        InputType::Select => Ok(Value::String(s)),
        InputType::Multiselect | InputType::Array => {
            let items = match raw {
                Value::Array(items) => items.clone(),
                Value::String(_) => match serde_json::from_str::<Value>(t) {
                    Ok(Value::Array(items)) => items,
                    _ => t
                        .split(',')
                        .map(|x| Value::String(x.trim().to_string()))
                        .collect(),
                },
                other => vec![other.clone()],
            };
            let item_type = input.item_type.unwrap_or(InputType::String);
            items
                .iter()
                .map(|i| typed_value(input, item_type, i))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
    }
}

fn check_constraints(input: &Input, value: &Value) -> Result<(), String> {
    if let (Some(pattern), Some(s)) = (&input.validator, value.as_str()) {
        let re = regex::Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|e| format!("validator `{pattern}` is not a regex: {e}"))?;
        if !re.is_match(s) {
            return Err(format!("`{s}` does not match the validator `{pattern}`"));
        }
    }
    if let Some(choices) = input.choices()
        && !input.allow_custom_value
    {
        let values: Vec<&Value> = match value {
            Value::Array(items) if input.kind == InputType::Multiselect => items.iter().collect(),
            v => vec![v],
        };
        for v in values {
            let s = text(v);
            if !choices.contains(&s) {
                return Err(format!("`{s}` is not one of {choices:?}"));
            }
        }
    }
    check_bounds(input, value)
}

fn check_bounds(input: &Input, value: &Value) -> Result<(), String> {
    match input.kind {
        InputType::Int | InputType::Float => {
            let n = value.as_f64().unwrap_or_default();
            if let Some(min) = input.min.as_ref().and_then(number)
                && n < min
            {
                return Err(format!("{n} is lower than the minimum {min}"));
            }
            if let Some(max) = input.max.as_ref().and_then(number)
                && n > max
            {
                return Err(format!("{n} is greater than the maximum {max}"));
            }
        }
        InputType::String | InputType::Secret => {
            let len = value.as_str().map_or(0, |s| s.chars().count()) as f64;
            if let Some(min) = input.min.as_ref().and_then(number)
                && len < min
            {
                return Err(format!("is shorter than {min} characters"));
            }
            if let Some(max) = input.max.as_ref().and_then(number)
                && len > max
            {
                return Err(format!("is longer than {max} characters"));
            }
        }
        InputType::Date | InputType::Datetime | InputType::Time => {
            let v = value.as_str().unwrap_or_default();
            if let Some(after) = &input.after
                && !later(v, after)
            {
                return Err(format!("`{v}` is not after {after}"));
            }
            if let Some(before) = &input.before
                && !later(before, v)
            {
                return Err(format!("`{v}` is not before {before}"));
            }
        }
        InputType::Duration => {
            let v = value
                .as_str()
                .and_then(|s| Duration::parse(s).ok())
                .map(|d| d.as_std());
            let bound = |b: &Option<Value>| {
                b.as_ref()
                    .and_then(|b| b.as_str())
                    .and_then(|s| Duration::parse(s).ok())
                    .map(|d| d.as_std())
            };
            if let (Some(v), Some(min)) = (v, bound(&input.min))
                && v < min
            {
                return Err(format!(
                    "is shorter than the minimum {}",
                    text(input.min.as_ref().unwrap_or(&Value::Null))
                ));
            }
            if let (Some(v), Some(max)) = (v, bound(&input.max))
                && v > max
            {
                return Err(format!(
                    "is longer than the maximum {}",
                    text(input.max.as_ref().unwrap_or(&Value::Null))
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// True when `a` is strictly later than `b` (dates, date-times and times compare as text once
/// normalized; date-times are compared as instants).
fn later(a: &str, b: &str) -> bool {
    match (
        DateTime::parse_from_rfc3339(a),
        DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a > b,
        _ => a > b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn inputs(v: Value) -> Vec<Input> {
        serde_json::from_value(v).expect("inputs parse")
    }

    #[test]
    fn defaults_types_and_required() {
        let decl = inputs(json!([
            {"id": "user", "type": "STRING", "defaults": "Data Engineer"},
            {"id": "n", "type": "INT"},
            {"id": "opt", "type": "BOOLEAN", "required": false}
        ]));
        let given = json!({"n": "42"}).as_object().cloned().unwrap_or_default();
        let out = resolve_inputs(&decl, &given).expect("valid");
        assert_eq!(out["user"], json!("Data Engineer"));
        assert_eq!(out["n"], json!(42));
        let e = resolve_inputs(&decl, &Map::new()).expect_err("n missing");
        assert_eq!(e.input, "n");
    }

    #[test]
    fn validators_and_bounds_name_the_input() {
        let decl = inputs(json!([
            {"id": "code", "type": "STRING", "validator": "[A-Z]+"},
            {"id": "age", "type": "INT", "min": 1, "max": 10},
            {"id": "d", "type": "DATE", "after": "2020-01-01"},
            {"id": "s", "type": "SELECT", "values": ["a", "b"]}
        ]));
        let ok = json!({"code": "AB", "age": 3, "d": "2021-02-03", "s": "a"});
        assert!(resolve_inputs(&decl, ok.as_object().unwrap_or(&Map::new())).is_ok());
        for (key, bad) in [
            ("code", json!("ab")),
            ("age", json!(11)),
            ("d", json!("2019-01-01")),
            ("s", json!("c")),
        ] {
            let mut v = ok.as_object().cloned().unwrap_or_default();
            v.insert(key.into(), bad);
            assert_eq!(resolve_inputs(&decl, &v).expect_err("invalid").input, key);
        }
    }

    #[test]
    fn arrays_are_typed_per_item() {
        let decl = inputs(json!([{"id": "xs", "type": "ARRAY", "itemType": "INT"}]));
        let given = json!({"xs": "[1, 2]"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            resolve_inputs(&decl, &given).expect("ok")["xs"],
            json!([1, 2])
        );
    }

    #[test]
    fn the_input_mode_decides_whether_a_missing_required_input_refuses_the_start() {
        let decl = inputs(json!([{"id": "n", "type": "INT"}]));
        let given = json!({"other": 1}).as_object().cloned().unwrap_or_default();
        let checked = Inputs::from(given.clone());
        assert_eq!(checked, Inputs::Checked(given.clone()));
        assert_eq!(checked.resolve(&decl).expect_err("n missing").input, "n");
        let as_given = Inputs::AsGiven(given.clone());
        assert_eq!(as_given.resolve(&decl).expect("left unset"), Map::new());
        assert_eq!(as_given.into_given(), given);
    }
}

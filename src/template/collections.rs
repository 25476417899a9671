//! List and map filters in Kestra/Pebble form: `keys`, `values`, `chunk`, `distinct`, `first`,
//! `last`, `join`, `merge`, `slice` (the rest are minijinja built-ins: `length`, `sort`,
//! `reverse` ...).

use minijinja::value::ValueKind;
use minijinja::{Error, Value};

use super::functions::failure;

/// Registers the collection filters on `env`.
pub(crate) fn register(env: &mut minijinja::Environment<'static>) {
    env.add_filter("keys", keys);
    env.add_filter("values", values);
    env.add_filter("chunk", chunk);
    env.add_filter("distinct", distinct);
    env.add_filter("first", first);
    env.add_filter("last", last);
    env.add_filter("join", join);
    env.add_filter("merge", merge);
}

fn keys(value: Value) -> Result<Value, Error> {
    if value.kind() != ValueKind::Map {
        return Err(failure(format!("keys expects a map, got {}", value.kind())));
    }
    Ok(Value::from(value.try_iter()?.collect::<Vec<_>>()))
}

fn values(value: Value) -> Result<Value, Error> {
    if value.kind() != ValueKind::Map {
        return Err(failure(format!(
            "values expects a map, got {}",
            value.kind()
        )));
    }
    let items: Result<Vec<Value>, Error> = value.try_iter()?.map(|k| value.get_item(&k)).collect();
    Ok(Value::from(items?))
}

/// `chunk(size)`: the list cut into lists of `size` items.
fn chunk(value: Value, size: usize) -> Result<Value, Error> {
    if size == 0 {
        return Err(failure("chunk size must be positive"));
    }
    let items: Vec<Value> = value.try_iter()?.collect();
    Ok(Value::from(
        items
            .chunks(size)
            .map(|c| Value::from(c.to_vec()))
            .collect::<Vec<_>>(),
    ))
}

/// `distinct`: the list without duplicates, first occurrence kept.
fn distinct(value: Value) -> Result<Value, Error> {
    let mut out: Vec<Value> = Vec::new();
    for item in value.try_iter()? {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(Value::from(out))
}

/// First item of a list, first character of a string.
fn first(value: Value) -> Result<Value, Error> {
    if let Some(s) = value.as_str() {
        return Ok(s.chars().next().map_or(Value::from(()), Value::from));
    }
    Ok(value.try_iter()?.next().unwrap_or(Value::from(())))
}

/// Last item of a list, last character of a string.
fn last(value: Value) -> Result<Value, Error> {
    if let Some(s) = value.as_str() {
        return Ok(s.chars().last().map_or(Value::from(()), Value::from));
    }
    Ok(value.try_iter()?.last().unwrap_or(Value::from(())))
}

/// `join(separator="")`: items as strings joined.
fn join(value: Value, separator: Option<String>) -> Result<String, Error> {
    let sep = separator.unwrap_or_default();
    if let Some(s) = value.as_str() {
        return Ok(s.chars().map(String::from).collect::<Vec<_>>().join(&sep));
    }
    Ok(value
        .try_iter()?
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(&sep))
}

/// `merge(other)`: lists concatenated, or maps merged (right wins).
fn merge(value: Value, other: Value) -> Result<Value, Error> {
    match (value.kind(), other.kind()) {
        (ValueKind::Map, ValueKind::Map) => {
            let mut map = serde_json::Map::new();
            for source in [&value, &other] {
                for key in source.try_iter()? {
                    let v = super::json::to_serde(&source.get_item(&key)?).map_err(failure)?;
                    map.insert(key.to_string(), v);
                }
            }
            Ok(Value::from_serialize(&map))
        }
        _ => {
            let mut items: Vec<Value> = value.try_iter()?.collect();
            items.extend(other.try_iter()?);
            Ok(Value::from(items))
        }
    }
}

//! Kestra's template functions: `render`, `now`, `secret`, `kv`, `fromJson`/`json`, `uuid`,
//! `randomInt`, `read`, plus the private helpers the Pebble rewrite relies on.

use std::sync::Arc;

use minijinja::value::{Kwargs, Rest};
use minijinja::{Environment, Error, ErrorKind, State, Value};
use rand::Rng as _;

use super::handle::RenderHandle;
use super::pebble::{ABSENT_FN, PATH_FN};
use super::{dates, json};

/// Registers every Kestra function on `env`.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function("render", render);
    env.add_function("now", now);
    env.add_function("secret", secret);
    env.add_function("kv", kv);
    env.add_function("fromJson", json::from_json);
    env.add_function("json", json::from_json);
    env.add_function("uuid", uuid);
    env.add_function("randomInt", random_int);
    env.add_function("read", read);
    env.add_function("range", range);
    env.add_function("max", |args: Rest<Value>| {
        extreme(&args, std::cmp::Ordering::Greater)
    });
    env.add_function("min", |args: Rest<Value>| {
        extreme(&args, std::cmp::Ordering::Less)
    });
    env.add_function("currentEachOutput", current_each_output);
    env.add_function(PATH_FN, path);
    env.add_function(ABSENT_FN, absent);
}

pub(crate) fn failure(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// `render(expr, recursive=true)`: renders a string holding an expression, until stable.
fn render(state: &State, value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let recursive: Option<bool> = kwargs.get("recursive")?;
    kwargs.assert_all_used()?;
    let Some(mut text) = value.as_str().map(str::to_string) else {
        return Ok(value);
    };
    let handle = RenderHandle::of(state)?;
    let mut child = Arc::new(handle.child());
    loop {
        let rendered = child
            .shared
            .render_nested(&text, Arc::clone(&child))
            .map_err(|e| failure(e.to_string()).with_source(e))?;
        let done = rendered == text || !recursive.unwrap_or(true) || !rendered.contains("{{");
        text = rendered;
        if done {
            return Ok(Value::from(text));
        }
        child = Arc::new(child.child());
    }
}

/// `now(timeZone=?)`: the current time as an ISO-8601 string.
fn now(state: &State, kwargs: Kwargs) -> Result<Value, Error> {
    let zone: Option<String> = kwargs.get("timeZone")?;
    kwargs.assert_all_used()?;
    let now = RenderHandle::of(state)?.services.now();
    Ok(Value::from(dates::iso(now, zone.as_deref())?))
}

/// `secret(key, namespace=?)`: a decoded secret; recorded for masking.
fn secret(state: &State, key: String, namespace: Option<String>) -> Result<Value, Error> {
    let handle = RenderHandle::of(state)?;
    let ns = namespace.unwrap_or_else(|| handle.namespace.clone());
    let value = handle
        .services
        .secret(&ns, &key)
        .map_err(|e| failure(format!("secret('{key}'): {e}")))?;
    handle.record_secret(&value);
    Ok(Value::from(value))
}

/// `kv(key, namespace=?, errorOnMissing=true)`: a value of the namespace KV store.
fn kv(
    state: &State,
    key: String,
    namespace: Option<String>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let handle = RenderHandle::of(state)?;
    let ns = kwargs
        .get::<Option<String>>("namespace")?
        .or(namespace)
        .unwrap_or_else(|| handle.namespace.clone());
    let error_on_missing = kwargs
        .get::<Option<bool>>("errorOnMissing")?
        .unwrap_or(true);
    kwargs.assert_all_used()?;
    match handle.services.kv(&ns, &key) {
        Ok(Some(value)) => Ok(Value::from_serialize(&value)),
        Ok(None) if error_on_missing => Err(failure(format!(
            "kv('{key}'): no value for this key in namespace `{ns}`"
        ))),
        Ok(None) => Ok(Value::from(())),
        Err(e) => Err(failure(format!("kv('{key}'): {e}"))),
    }
}

fn uuid() -> Value {
    Value::from(uuid::Uuid::new_v4().to_string())
}

/// `randomInt(lower, upper)`: an integer in `[lower, upper)`.
fn random_int(lower: i64, upper: i64) -> Result<Value, Error> {
    if upper <= lower {
        return Err(failure(format!(
            "randomInt({lower}, {upper}): upper must be greater than lower"
        )));
    }
    Ok(Value::from(rand::thread_rng().gen_range(lower..upper)))
}

/// `read(uri)`: the content of an internal-storage or namespace file.
fn read(state: &State, uri: String) -> Result<Value, Error> {
    let handle = RenderHandle::of(state)?;
    handle
        .services
        .read_file(&uri)
        .map(Value::from)
        .map_err(|e| failure(format!("read('{uri}'): {e}")))
}

/// Most items `range` may produce; fuel bounds the loop, this bounds the memory.
const MAX_RANGE: i64 = 1_000_000;

/// Pebble's `range(start, end, step=1)`: both ends included; one argument counts from 0.
fn range(first: i64, end: Option<i64>, step: Option<i64>) -> Result<Value, Error> {
    let (start, end) = match end {
        Some(end) => (first, end),
        None => (0, first.saturating_sub(1)),
    };
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(failure("range: step cannot be 0"));
    }
    // In i128: ends near i64::MIN/MAX must give an error, not an overflow panic.
    let count = (i128::from(end) - i128::from(start)) / i128::from(step) + 1;
    if count > i128::from(MAX_RANGE) {
        return Err(failure(format!("range: more than {MAX_RANGE} items")));
    }
    // Each item lies between `start` and `end`, so fits an i64; `k * step` alone may not.
    let items = (0..count.max(0)).map(|k| {
        let item = i128::from(start) + k * i128::from(step);
        Value::from(i64::try_from(item).unwrap_or(end))
    });
    Ok(Value::from(items.collect::<Vec<_>>()))
}

/// `max(a, b, ...)` / `min(...)`: the extreme argument (a single list argument is spread).
fn extreme(args: &[Value], wanted: std::cmp::Ordering) -> Result<Value, Error> {
    let items: Vec<Value> = match args {
        [single] if single.as_str().is_none() && single.try_iter().is_ok() => {
            single.try_iter()?.collect()
        }
        _ => args.to_vec(),
    };
    Ok(items
        .into_iter()
        .reduce(|best, v| if v.cmp(&best) == wanted { v } else { best })
        .unwrap_or(Value::from(())))
}

/// The variable holding the ForEach values from the root to the rendering task run (outermost
/// first), set by the engine for `currentEachOutput`.
pub const EACH_PATH_VAR: &str = "__eachValues";

/// `currentEachOutput(outputs.t)`: the outputs of `t` in the current ForEach iteration(s), that
/// is `outputs.t[v1][v2]...` with the values of the enclosing ForEach loops.
fn current_each_output(state: &State, outputs: Value) -> Value {
    let Some(values) = state.lookup(EACH_PATH_VAR) else {
        return outputs;
    };
    let mut current = outputs;
    for v in values.try_iter().into_iter().flatten() {
        if current.is_undefined() || current.is_none() {
            return Value::UNDEFINED;
        }
        current = current.get_item(&v).unwrap_or(Value::UNDEFINED);
    }
    current
}

/// Walks `root` through `keys`; undefined as soon as a step is missing or null.
fn path(root: Value, keys: Rest<Value>) -> Value {
    let mut current = root;
    for key in keys.iter() {
        if current.is_undefined() || current.is_none() {
            return Value::UNDEFINED;
        }
        current = match key.as_str() {
            Some(name) => current.get_attr(name),
            None => current.get_item(key),
        }
        .unwrap_or(Value::UNDEFINED);
    }
    current
}

/// True when the value is null or undefined.
fn absent(value: Value) -> bool {
    value.is_undefined() || value.is_none()
}

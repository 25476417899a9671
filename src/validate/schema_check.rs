//! JSON Schema validation of a flow's value, against `spec::schema::flow_schema()`.
//!
//! The generated schema dispatches tasks and triggers on `type` with `if`/`then`; validating
//! through that dispatch yields a cascade of errors per mistake. So the schema is compiled
//! ONCE in two parts: the flow with task and trigger objects left open, and one validator per
//! type (its own definition, whose child tasks are again left open). Each task object is then
//! checked once against its own type, giving one clear message per problem.

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Validator};
use serde_json::{Map, Value, json};

use super::diagnostic::Finding;
use super::tree::{TaskNode, child_pointer};
use crate::spec::catalogue::{self, TASK_TYPES, TRIGGER_TYPES};

/// The compiled validators, shared by every thread.
struct Schemas {
    flow: Option<Validator>,
    defs: Map<String, Value>,
    /// `defs` without the per-type definitions: what each validator embeds.
    shared_defs: Map<String, Value>,
    by_type: HashMap<&'static str, OnceLock<Option<Validator>>>,
}

static SCHEMAS: LazyLock<Schemas> = LazyLock::new(build);

fn build() -> Schemas {
    let mut schema = crate::spec::schema::flow_schema();
    let mut shared_defs = Map::new();
    let mut defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    // Tasks and triggers are checked one by one against their own type (see `check_objects`).
    defs.insert("Task".into(), json!({"type": "object"}));
    defs.insert("Trigger".into(), json!({"type": "object"}));
    let type_names: Vec<&str> = TASK_TYPES
        .iter()
        .map(|t| t.name)
        .chain(TRIGGER_TYPES.iter().map(|t| t.name))
        .collect();
    if let Some(obj) = schema.as_object_mut() {
        // With tasks and triggers left open, nothing refers to a type's definition: leaving
        // them out makes each validator (and so a one-file run) much cheaper to compile.
        let shared: Map<String, Value> = defs
            .iter()
            .filter(|(k, _)| !type_names.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        obj.insert("$defs".into(), Value::Object(shared.clone()));
        obj.remove("$id");
        shared_defs = shared;
    }
    let by_type = TASK_TYPES
        .iter()
        .map(|t| t.name)
        .chain(TRIGGER_TYPES.iter().map(|t| t.name))
        .map(|name| (name, OnceLock::new()))
        .collect();
    Schemas {
        flow: compile(&schema),
        defs,
        shared_defs,
        by_type,
    }
}

fn compile(schema: &Value) -> Option<Validator> {
    // Compiled as Draft 7, not the 2020-12 the schema declares: the schema only uses keywords
    // both drafts read alike (no `$ref` with siblings, no dynamic references), and compiling
    // first validates the schema against its draft's meta-schema, whose 2020-12 validator
    // (`$dynamicRef`s expanded lazily, kept in a static) grows to about 50 MB, against a few
    // hundred KB for Draft 7: the difference is most of an idle daemon's memory. Formats stay
    // annotations, as in 2020-12.
    let mut schema = schema.clone();
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("$schema");
    }
    // The schema is baton's own; a failure here is a bug that the unit test below catches.
    jsonschema::options()
        .with_draft(Draft::Draft7)
        .should_validate_formats(false)
        .build(&schema)
        .ok()
}

fn type_validator(name: &'static str) -> Option<&'static Validator> {
    let schemas = &*SCHEMAS;
    let cell = schemas.by_type.get(name)?;
    cell.get_or_init(|| {
        let mut schema = schemas.defs.get(name)?.clone();
        let obj = schema.as_object_mut()?;
        obj.insert("$defs".into(), Value::Object(schemas.shared_defs.clone()));
        compile(&schema)
    })
    .as_ref()
}

/// Compiles the validators now (else the first flow pays for it).
pub fn warm_up() {
    LazyLock::force(&SCHEMAS);
}

/// Checks the flow object itself (tasks and triggers left open).
pub fn check_flow(value: &Value) -> Vec<Finding> {
    let Some(validator) = SCHEMAS.flow.as_ref() else {
        return vec![Finding::error(
            "invalid-flow",
            "",
            "internal error: the flow schema does not compile",
        )];
    };
    // `is_valid` is much cheaper than collecting errors, and most flows are valid.
    if validator.is_valid(value) {
        return Vec::new();
    }
    validator
        .iter_errors(value)
        .flat_map(|e| findings(&e, "", None, value))
        .collect()
}

/// Checks each task object against its own type; unknown or missing types are reported here.
pub fn check_tasks(nodes: &[TaskNode<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for node in nodes {
        let instance = node.value;
        match node.entry {
            Some(entry) => {
                if let Some(v) = type_validator(entry.name).filter(|v| !v.is_valid(instance)) {
                    out.extend(
                        v.iter_errors(instance)
                            .flat_map(|e| findings(&e, &node.pointer, Some(entry.name), instance)),
                    );
                }
            }
            None => out.extend(untyped(node.map, &node.pointer, Kind::Task)),
        }
    }
    out
}

/// Checks each trigger object against its own type.
pub fn check_triggers(flow: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(Value::Array(triggers)) = flow.get("triggers") else {
        return out;
    };
    for (i, trigger) in triggers.iter().enumerate() {
        let pointer = format!("/triggers/{i}");
        let Value::Object(map) = trigger else {
            continue;
        };
        let entry = map
            .get("type")
            .and_then(Value::as_str)
            .and_then(|t| catalogue::plugin_type(TRIGGER_TYPES, t));
        match entry {
            Some(entry) => {
                if let Some(v) = type_validator(entry.name).filter(|v| !v.is_valid(trigger)) {
                    out.extend(
                        v.iter_errors(trigger)
                            .flat_map(|e| findings(&e, &pointer, Some(entry.name), trigger)),
                    );
                }
            }
            None => out.extend(untyped(map, &pointer, Kind::Trigger)),
        }
        out.extend(check_conditions(map, &pointer));
    }
    out
}

fn check_conditions(trigger: &Map<String, Value>, pointer: &str) -> Vec<Finding> {
    let Some(Value::Array(conditions)) = trigger.get("conditions") else {
        return Vec::new();
    };
    conditions
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let t = c.get("type")?.as_str()?;
            let known = catalogue::plugin_type(catalogue::CONDITION_TYPES, t).is_some();
            let names = catalogue::CONDITION_TYPES.iter().map(|c| c.name);
            (!known).then(|| unknown_type(&format!("{pointer}/conditions/{i}/type"), t, names))
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Kind {
    Task,
    Trigger,
}

/// Findings for an object whose `type` is missing or unknown.
fn untyped(map: &Map<String, Value>, pointer: &str, kind: Kind) -> Vec<Finding> {
    let mut out = Vec::new();
    match map.get("type") {
        None => out.push(Finding::error(
            "missing-property",
            pointer,
            "missing required property `type` (missing type id property 'type')",
        )),
        Some(Value::String(t)) => {
            let p = child_pointer(pointer, "type");
            out.push(match kind {
                Kind::Task => unknown_type(&p, t, TASK_TYPES.iter().map(|t| t.name)),
                Kind::Trigger => unknown_type(&p, t, TRIGGER_TYPES.iter().map(|t| t.name)),
            });
        }
        Some(other) => out.push(Finding::error(
            "invalid-value",
            child_pointer(pointer, "type"),
            format!("Invalid type: {other} (a type name is a string)"),
        )),
    }
    if !matches!(map.get("id"), Some(Value::String(_))) {
        out.push(Finding::error(
            "missing-property",
            pointer,
            "missing required property `id`",
        ));
    }
    out
}

fn unknown_type(
    pointer: &str,
    written: &str,
    names: impl Iterator<Item = &'static str>,
) -> Finding {
    // The best match only: the runners-up are rarely what was meant.
    let hint = catalogue::suggest(written, names)
        .first()
        .map_or_else(String::new, |best| format!("; did you mean `{best}`?"));
    Finding::error(
        "unknown-type",
        pointer,
        format!("Invalid type: {written}{hint}"),
    )
}

/// One finding per schema error, with a message that names the property and the type.
fn findings(
    error: &jsonschema::ValidationError<'_>,
    base: &str,
    type_name: Option<&str>,
    root: &Value,
) -> Vec<Finding> {
    let at = format!("{base}{}", error.instance_path.as_str());
    let of_type = type_name.map_or_else(String::new, |t| format!(" for type {t}"));
    match &error.kind {
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|name| {
                let known = known_properties(root, error.instance_path.as_str());
                let hint = nearest(name, &known)
                    .map_or_else(String::new, |k| format!("; did you mean `{k}`?"));
                Finding::error(
                    "unknown-property",
                    child_pointer(&at, name),
                    format!("unknown property `{name}`{of_type}{hint}"),
                )
                .at_key()
            })
            .collect(),
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            // A flowable without `tasks` gets the clearer "must not be empty" from the checks.
            if name == "tasks" {
                return Vec::new();
            }
            vec![Finding::error(
                "missing-property",
                at,
                format!("missing required property `{name}`{of_type}"),
            )]
        }
        ValidationErrorKind::Enum { options } if is_input_type(&at) => vec![Finding::error(
            "invalid-value",
            at,
            format!(
                "Invalid type: {}; expected one of {}",
                scalar(&error.instance),
                list(options)
            ),
        )],
        _ => vec![Finding::error(
            "invalid-value",
            at.clone(),
            describe(error, &at),
        )],
    }
}

fn is_input_type(pointer: &str) -> bool {
    pointer.starts_with("/inputs/")
        && pointer.ends_with("/type")
        && pointer.matches('/').count() == 3
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn list(options: &Value) -> String {
    match options {
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn describe(error: &jsonschema::ValidationError<'_>, at: &str) -> String {
    let mut text = error.to_string();
    const MAX: usize = 200;
    if text.len() > MAX {
        let cut = (0..=MAX)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push('…');
    }
    let name = at.rsplit('/').next().unwrap_or_default();
    if name.is_empty() {
        text
    } else {
        format!("invalid `{name}`: {text}")
    }
}

/// The property names the schema knows at `instance_path` (for "did you mean").
fn known_properties(root: &Value, instance_path: &str) -> Vec<String> {
    let schemas = &*SCHEMAS;
    let type_name = root
        .pointer(instance_path)
        .and_then(|v| v.get("type"))
        .and_then(Value::as_str)
        .and_then(|t| {
            catalogue::task_type(t)
                .map(|e| e.name)
                .or_else(|| catalogue::plugin_type(TRIGGER_TYPES, t).map(|e| e.name))
        });
    type_name
        .and_then(|t| schemas.defs.get(t))
        .and_then(|d| d.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn nearest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| {
            (
                strsim::jaro_winkler(&name.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                k,
            )
        })
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_compile_for_every_type() {
        assert!(SCHEMAS.flow.is_some());
        for t in TASK_TYPES {
            assert!(
                type_validator(t.name).is_some(),
                "{} does not compile",
                t.name
            );
        }
        for t in TRIGGER_TYPES {
            assert!(
                type_validator(t.name).is_some(),
                "{} does not compile",
                t.name
            );
        }
    }
}

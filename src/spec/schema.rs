//! The flow JSON Schema, generated from the Rust types and the catalogue. Task and trigger
//! objects dispatch on `type` with `if`/`then`, so editors complete type names and report the
//! properties of the right type, and unknown properties are rejected.

use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings};
use serde_json::{Map, Value, json};

use super::catalogue::{CONDITION_TYPES, PluginType, TASK_RUNNER_TYPES, TASK_TYPES, TRIGGER_TYPES};
use super::flow::{Flow, NamespaceConfig};
use super::task::{TaskCommon, WorkerGroup};
use super::trigger::{FlowTrigger, HttpTrigger, Schedule, Webhook};

/// Public URL of the schema, used as `$id`.
pub const SCHEMA_ID: &str = "https://baton.dev/schemas/flow.schema.json";

fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12().into_generator()
}

/// The JSON Schema of a flow file.
pub fn flow_schema() -> Value {
    let mut schema = generator().into_root_schema_for::<Flow>().to_value();
    if let Some(obj) = schema.as_object_mut() {
        let mut defs = match obj.remove("$defs") {
            Some(Value::Object(defs)) => defs,
            _ => Map::new(),
        };
        super::schema_patch::patch(obj, &mut defs);
        obj.insert("$defs".into(), Value::Object(defs));
        obj.insert("$id".into(), json!(SCHEMA_ID));
        obj.insert("title".into(), json!("baton flow (Kestra syntax)"));
    }
    schema
}

/// The JSON Schema of a `namespaces/<ns>/namespace.yaml` file.
pub fn namespace_schema() -> Value {
    generator()
        .into_root_schema_for::<NamespaceConfig>()
        .to_value()
}

fn names(t: (&'static str, &'static [&'static str])) -> Vec<Value> {
    std::iter::once(t.0)
        .chain(t.1.iter().copied())
        .map(|n| json!(n))
        .collect()
}

fn props_and_required(schema: &Schema) -> (Map<String, Value>, Vec<Value>) {
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    (props, required)
}

/// Builds the `if type is X then <X's object schema>` dispatch over a set of types, registering
/// each type's schema under `$defs`.
fn dispatch(
    generator: &mut SchemaGenerator,
    kinds: Vec<((&'static str, &'static [&'static str]), Schema)>,
    common: &Map<String, Value>,
) -> Schema {
    let mut all_names = Vec::new();
    let mut branches = Vec::new();
    for ((name, aliases), own) in kinds {
        let (mut props, mut required) = props_and_required(&own);
        props.extend(common.clone());
        props.insert("type".into(), json!({"enum": names((name, aliases))}));
        for key in ["id", "type"] {
            if !required.contains(&json!(key)) {
                required.push(json!(key));
            }
        }
        let def = json!({
            "type": "object",
            "properties": props,
            "required": required,
            "additionalProperties": false,
        });
        generator.definitions_mut().insert(name.to_string(), def);
        branches.push(json!({
            "if": {"properties": {"type": {"enum": names((name, aliases))}}, "required": ["type"]},
            "then": {"$ref": format!("#/$defs/{name}")},
        }));
        all_names.extend(names((name, aliases)));
    }
    Schema::try_from(json!({
        "type": "object",
        "required": ["id", "type"],
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string", "enum": all_names},
        },
        "allOf": branches,
    }))
    .unwrap_or_default()
}

/// The schema of a task object (dispatching on `type`).
pub fn task_schema(generator: &mut SchemaGenerator) -> Schema {
    let (mut common, _) = props_and_required(&TaskCommon::json_schema(generator));
    common.insert("id".into(), json!({"type": "string"}));
    let kinds = TASK_TYPES
        .iter()
        .map(|t| ((t.name, t.aliases), (t.schema)(generator)))
        .collect();
    register_task_runner(generator);
    dispatch(generator, kinds, &common)
}

fn register_task_runner(generator: &mut SchemaGenerator) {
    let runner = json!({
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": TASK_RUNNER_TYPES}},
    });
    generator
        .definitions_mut()
        .insert("TaskRunnerType".into(), runner);
}

/// The schema of a trigger object (dispatching on `type`).
pub fn trigger_schema(generator: &mut SchemaGenerator) -> Schema {
    let condition = condition_schema();
    generator
        .definitions_mut()
        .insert("Condition".into(), condition);
    let worker_group = generator.subschema_for::<WorkerGroup>();
    let common: Map<String, Value> = json!({
        "id": {"type": "string"},
        "description": {"type": "string"},
        "disabled": {"type": "boolean"},
        "conditions": {"type": "array", "items": {"$ref": "#/$defs/Condition"}},
        "stopAfter": {"type": "array", "items": {"type": "string"}},
        "logLevel": {"type": "string"},
        "minLogLevel": {"type": "string"},
        "workerGroup": worker_group.to_value(),
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    let entry = |t: &PluginType| (t.name, t.aliases);
    let kinds = vec![
        (entry(&TRIGGER_TYPES[0]), Schedule::json_schema(generator)),
        (entry(&TRIGGER_TYPES[1]), Webhook::json_schema(generator)),
        (
            entry(&TRIGGER_TYPES[2]),
            FlowTrigger::json_schema(generator),
        ),
        (
            entry(&TRIGGER_TYPES[3]),
            HttpTrigger::json_schema(generator),
        ),
    ];
    dispatch(generator, kinds, &common)
}

fn condition_schema() -> Value {
    let all: Vec<Value> = CONDITION_TYPES
        .iter()
        .flat_map(|t| names((t.name, t.aliases)))
        .collect();
    json!({
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string", "enum": all}},
        "additionalProperties": true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_dispatches_every_task_type() {
        let schema = flow_schema();
        let defs = schema["$defs"].as_object().unwrap();
        for t in TASK_TYPES {
            assert!(defs.contains_key(t.name), "{} has no definition", t.name);
            assert_eq!(defs[t.name]["additionalProperties"], json!(false));
        }
        assert!(
            defs["io.kestra.plugin.core.log.Log"]["required"]
                .as_array()
                .unwrap()
                .contains(&json!("message"))
        );
    }
}

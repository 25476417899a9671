//! Where the generated schema is stricter than the serde model it comes from: schemars does not
//! emit serde aliases (`maxAttempt`, `delay`, input `name`, `expression`, `taskDefaults`,
//! `BOOL`) nor the map form of `labels`. The validator patches its own copy so that it accepts
//! exactly what `Flow::from_value` accepts (the editor schema in `schemas/` is unchanged).

use serde_json::{Map, Value, json};

/// (definition, alias, canonical property): the alias gets the canonical property's schema.
const ALIASES: &[(&str, &str, &str)] = &[
    ("Retry", "maxAttempt", "maxAttempts"),
    ("io.kestra.plugin.core.flow.Pause", "delay", "pauseDuration"),
    ("Input", "name", "id"),
    (
        "io.kestra.plugin.core.trigger.Schedule",
        "expression",
        "cron",
    ),
    ("NamespaceConfig", "taskDefaults", "pluginDefaults"),
];

/// Patches the `$defs` of the flow schema, and the root (the flow object) itself.
pub fn patch(root: &mut Map<String, Value>, defs: &mut Map<String, Value>) {
    for (def, alias, canonical) in ALIASES {
        if let Some(Value::Object(d)) = defs.get_mut(*def) {
            add_alias(d, alias, canonical);
        }
    }
    add_alias(root, "taskDefaults", "pluginDefaults");
    // `cron` or `expression`; `id` or `name`: either one satisfies the requirement.
    for (def, canonical) in [
        ("io.kestra.plugin.core.trigger.Schedule", "cron"),
        ("Input", "id"),
    ] {
        if let Some(Value::Object(d)) = defs.get_mut(def)
            && let Some(Value::Array(required)) = d.get_mut("required")
        {
            required.retain(|r| r != canonical);
        }
    }
    if let Some(Value::Object(t)) = defs.get_mut("InputType")
        && let Some(Value::Array(values)) = t.get_mut("enum")
    {
        values.push(json!("BOOL"));
    }
    defs.insert(
        "Labels".into(),
        json!({"anyOf": [
            {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
            {"type": "array", "items": {"$ref": "#/$defs/Label"}},
            {"type": "null"}
        ]}),
    );
}

fn add_alias(def: &mut Map<String, Value>, alias: &str, canonical: &str) {
    let Some(Value::Object(props)) = def.get_mut("properties") else {
        return;
    };
    if let Some(schema) = props.get(canonical).cloned() {
        props.insert(alias.to_string(), schema);
    }
}

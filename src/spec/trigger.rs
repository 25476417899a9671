//! Triggers (schedules, webhooks, flow completion, HTTP polling) and their conditions.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::catalogue::{self, CONDITION_TYPES, TRIGGER_TYPES};
use super::duration::Duration;

/// What a schedule does about ticks missed while no daemon ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecoverMissed {
    All,
    Last,
    None,
}

/// `io.kestra.plugin.core.trigger.Schedule`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    /// 5- or 6-field cron expression or `@daily`-style nickname.
    #[serde(alias = "expression")]
    pub cron: String,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub inputs: Map<String, Value>,
    #[serde(default)]
    pub recover_missed_schedules: Option<RecoverMissed>,
    #[serde(default)]
    pub with_seconds: Option<bool>,
    #[serde(default)]
    pub backfill: Option<Value>,
    #[serde(default)]
    pub late_maximum_delay: Option<Duration>,
    #[serde(default)]
    pub schedule_conditions: Vec<Value>,
    #[serde(default)]
    pub labels: Option<Value>,
}

/// `io.kestra.plugin.core.trigger.Webhook`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub key: String,
    #[serde(default)]
    pub wait: bool,
    #[serde(default)]
    pub return_outputs: bool,
    #[serde(default)]
    pub inputs: Map<String, Value>,
}

/// `io.kestra.plugin.core.trigger.Flow`: starts when upstream executions end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowTrigger {
    #[serde(default)]
    pub inputs: Map<String, Value>,
    #[serde(default)]
    pub states: Vec<String>,
    #[serde(default)]
    pub preconditions: Option<Value>,
}

/// `io.kestra.plugin.core.http.Trigger`: polls a URL and fires when the response matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpTrigger {
    pub uri: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub headers: Option<Value>,
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(default)]
    pub response_condition: Option<String>,
    #[serde(default)]
    pub interval: Option<Duration>,
    #[serde(default)]
    pub encrypt_body: Option<bool>,
    #[serde(default)]
    pub options: Option<Value>,
}

/// The typed properties of a trigger.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TriggerKind {
    Schedule(Box<Schedule>),
    Webhook(Box<Webhook>),
    Flow(Box<FlowTrigger>),
    Http(Box<HttpTrigger>),
}

/// A condition on a trigger (`type` plus its properties, evaluated by the trigger module).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub type_name: &'static str,
    pub props: Map<String, Value>,
}

/// One trigger of a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub id: String,
    pub type_name: &'static str,
    pub description: Option<String>,
    pub disabled: bool,
    pub conditions: Vec<Condition>,
    pub stop_after: Vec<String>,
    pub kind: TriggerKind,
    pub props: Map<String, Value>,
}

/// Trigger properties that belong to every trigger type.
pub const COMMON_TRIGGER_KEYS: &[&str] = &[
    "id",
    "type",
    "description",
    "disabled",
    "conditions",
    "stopAfter",
    "logLevel",
    "workerGroup",
    "minLogLevel",
];

impl Condition {
    /// Reads a condition object.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, String> {
        let written = map
            .get("type")
            .and_then(Value::as_str)
            .ok_or("missing type id property 'type'")?;
        let entry = catalogue::plugin_type(CONDITION_TYPES, written)
            .ok_or_else(|| format!("Invalid type: {written}"))?;
        let mut props = map.clone();
        props.remove("type");
        Ok(Condition {
            type_name: entry.name,
            props,
        })
    }
}

impl Trigger {
    /// Reads a trigger object.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, String> {
        let written = map
            .get("type")
            .and_then(Value::as_str)
            .ok_or("missing type id property 'type'")?;
        let entry = catalogue::plugin_type(TRIGGER_TYPES, written)
            .ok_or_else(|| format!("Invalid type: {written}"))?;
        let id = map
            .get("id")
            .and_then(Value::as_str)
            .ok_or("trigger without id")?
            .to_string();
        let props: Map<String, Value> = map
            .iter()
            .filter(|(k, _)| !COMMON_TRIGGER_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let value = Value::Object(props.clone());
        let err = |e: serde_json::Error| e.to_string();
        let kind = match entry.name {
            "io.kestra.plugin.core.trigger.Schedule" => {
                TriggerKind::Schedule(Box::new(serde_json::from_value(value).map_err(err)?))
            }
            "io.kestra.plugin.core.trigger.Webhook" => {
                TriggerKind::Webhook(Box::new(serde_json::from_value(value).map_err(err)?))
            }
            "io.kestra.plugin.core.trigger.Flow" => {
                TriggerKind::Flow(Box::new(serde_json::from_value(value).map_err(err)?))
            }
            _ => TriggerKind::Http(Box::new(serde_json::from_value(value).map_err(err)?)),
        };
        let conditions = match map.get("conditions") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|c| {
                    c.as_object()
                        .ok_or("a condition must be an object".to_string())
                        .and_then(Condition::from_map)
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => Vec::new(),
        };
        let stop_after = match map.get("stopAfter") {
            Some(v) => serde_json::from_value(v.clone()).map_err(err)?,
            None => Vec::new(),
        };
        Ok(Trigger {
            id,
            type_name: entry.name,
            description: map
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
            disabled: map
                .get("disabled")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            conditions,
            stop_after,
            kind,
            props,
        })
    }

    /// The trigger as a JSON object, as it would be written.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("id".into(), Value::String(self.id.clone()));
        map.insert("type".into(), Value::String(self.type_name.into()));
        if self.disabled {
            map.insert("disabled".into(), Value::Bool(true));
        }
        if !self.conditions.is_empty() {
            let conds = self
                .conditions
                .iter()
                .map(|c| {
                    let mut m = c.props.clone();
                    m.insert("type".into(), Value::String(c.type_name.into()));
                    Value::Object(m)
                })
                .collect();
            map.insert("conditions".into(), Value::Array(conds));
        }
        map.extend(self.props.clone());
        map
    }
}

impl<'de> Deserialize<'de> for Trigger {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(d)?;
        Trigger::from_map(&map).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Trigger {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(s)
    }
}

impl JsonSchema for Trigger {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Trigger".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        super::schema::trigger_schema(generator)
    }
}

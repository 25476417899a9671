//! Flow inputs: typed declarations that an execution's inputs are checked against.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Kestra's input types (`BOOL` is accepted as an alias of `BOOLEAN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InputType {
    String,
    Int,
    Float,
    #[serde(alias = "BOOL")]
    Boolean,
    Date,
    Datetime,
    Time,
    Duration,
    Json,
    Yaml,
    Uri,
    Email,
    Secret,
    Select,
    Multiselect,
    Array,
    File,
    Enum,
}

/// One input declaration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Input {
    /// Input id (`name` is Kestra's deprecated alias).
    #[serde(alias = "name")]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: InputType,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub defaults: Option<Value>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// A regular expression the value must match (STRING, SECRET, ...).
    #[serde(default)]
    pub validator: Option<String>,
    #[serde(default)]
    pub min: Option<Value>,
    #[serde(default)]
    pub max: Option<Value>,
    #[serde(default)]
    pub after: Option<String>,
    #[serde(default)]
    pub before: Option<String>,
    /// Allowed values (SELECT, MULTISELECT, ENUM).
    #[serde(default)]
    pub values: Option<Vec<String>>,
    #[serde(default)]
    pub options: Option<Vec<String>>,
    #[serde(default)]
    pub allow_custom_value: bool,
    /// Element type of an ARRAY or MULTISELECT input.
    #[serde(default)]
    pub item_type: Option<InputType>,
    #[serde(default)]
    pub depends_on: Option<Value>,
    #[serde(default)]
    pub expression: Option<String>,
    #[serde(default)]
    pub prefill: Option<Value>,
    #[serde(default)]
    pub allowed_file_extensions: Option<Vec<String>>,
}

fn yes() -> bool {
    true
}

impl Input {
    /// The allowed values of a SELECT-like input.
    pub fn choices(&self) -> Option<&[String]> {
        self.values.as_deref().or(self.options.as_deref())
    }
}

//! HTTP tasks: a request whose response becomes outputs, and a download to a file output.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `io.kestra.plugin.core.http.Request`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub uri: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(default)]
    pub form_data: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// `timeout`, `allowFailed`, ... (Kestra's HttpConfiguration).
    #[serde(default)]
    pub options: Option<Value>,
    #[serde(default)]
    pub allow_failed: Option<bool>,
    #[serde(default)]
    pub encrypt_body: Option<bool>,
}

/// `io.kestra.plugin.core.http.Download`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Download {
    pub uri: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(default)]
    pub fail_on_empty_response: Option<bool>,
    #[serde(default)]
    pub options: Option<Value>,
}

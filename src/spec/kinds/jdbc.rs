//! PostgreSQL tasks of the JDBC plugin: queries, and COPY in and out.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Connection properties shared by every JDBC task (usually set through `pluginDefaults`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub url: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub time_zone_id: Option<String>,
    #[serde(default)]
    pub ssl: Option<bool>,
}

/// What a query returns: nothing, the first row, all rows, or a file of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FetchType {
    None,
    FetchOne,
    Fetch,
    Store,
}

/// `io.kestra.plugin.jdbc.postgresql.Query`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Query {
    #[serde(flatten)]
    pub connection: Connection,
    pub sql: String,
    #[serde(default)]
    pub parameters: Map<String, Value>,
    #[serde(default)]
    pub fetch_type: Option<FetchType>,
    #[serde(default)]
    pub fetch: Option<bool>,
    #[serde(default)]
    pub fetch_one: Option<bool>,
    #[serde(default)]
    pub store: Option<bool>,
    #[serde(default)]
    pub fetch_size: Option<u32>,
}

/// `io.kestra.plugin.jdbc.postgresql.Queries`: several statements in one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Queries {
    #[serde(flatten)]
    pub connection: Connection,
    pub sql: String,
    #[serde(default)]
    pub parameters: Map<String, Value>,
    #[serde(default)]
    pub fetch_type: Option<FetchType>,
    #[serde(default)]
    pub transaction: Option<bool>,
    #[serde(default)]
    pub fetch_size: Option<u32>,
}

/// Options of a COPY.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CopyOptions {
    /// `CSV`, `TEXT` or `BINARY`.
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub header: Option<bool>,
    #[serde(default)]
    pub delimiter: Option<String>,
    #[serde(default)]
    pub quote: Option<String>,
    #[serde(default)]
    pub escape: Option<String>,
    /// Kestra calls it `nullString`.
    #[serde(default, alias = "nullString")]
    pub null: Option<String>,
    #[serde(default)]
    pub force_quote: Vec<String>,
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub encoding: Option<String>,
    #[serde(default)]
    pub force_null: Vec<String>,
    #[serde(default)]
    pub force_not_null: Vec<String>,
    #[serde(default)]
    pub oids: Option<bool>,
    #[serde(default)]
    pub freeze: Option<bool>,
}

/// `io.kestra.plugin.jdbc.postgresql.CopyIn`: a file into a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CopyIn {
    #[serde(flatten)]
    pub connection: Connection,
    pub from: String,
    pub table: String,
    #[serde(flatten)]
    pub options: CopyOptions,
}

/// `io.kestra.plugin.jdbc.postgresql.CopyOut`: a query or table into a file output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CopyOut {
    #[serde(flatten)]
    pub connection: Connection,
    #[serde(default)]
    pub sql: Option<String>,
    #[serde(default)]
    pub table: Option<String>,
    #[serde(flatten)]
    pub options: CopyOptions,
}

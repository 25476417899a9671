//! Read-only flow endpoints: `GET /flows`, `/flows/{namespace}/{id}`,
//! `/flows/{namespace}/{id}/revisions`. Flows change only through Git, so there is no write.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::context::WebContext;
use super::control::parse_flow;
use super::extract::{ApiPath, ApiQuery};
use super::problem::Problem;
use crate::store::model::FlowRevision;

/// One flow revision without its source (lists).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowSummary {
    pub namespace: String,
    pub id: String,
    pub revision: i64,
    pub commit: Option<String>,
    pub path: Option<String>,
    pub author: Option<String>,
    pub deployed_at: chrono::DateTime<chrono::Utc>,
    pub deleted: bool,
    pub description: Option<String>,
}

impl FlowSummary {
    /// The summary of a stored revision (the description is read from its source).
    pub fn of(r: &FlowRevision) -> Self {
        FlowSummary {
            namespace: r.namespace.clone(),
            id: r.id.clone(),
            revision: r.revision,
            commit: r.commit.clone(),
            path: r.path.clone(),
            author: r.author.clone(),
            deployed_at: r.deployed_at,
            deleted: r.deleted,
            description: parse_flow(&r.source).ok().and_then(|f| f.description),
        }
    }
}

/// `GET /flows` parameters.
#[derive(Debug, Default, Deserialize)]
pub struct FlowQuery {
    /// Only this namespace and its children.
    pub namespace: Option<String>,
}

/// True if `namespace` is `parent` or below it.
pub fn in_namespace(namespace: &str, parent: &str) -> bool {
    namespace == parent
        || (namespace.starts_with(parent) && namespace[parent.len()..].starts_with('.'))
}

/// `GET /api/v1/flows`: the live flows, by namespace and id.
pub async fn list(
    State(ctx): State<WebContext>,
    ApiQuery(query): ApiQuery<FlowQuery>,
) -> Result<Json<Vec<FlowSummary>>, Problem> {
    let flows = ctx
        .store
        .live_flows()
        .await
        .map_err(|e| Problem::store("flows", &e))?;
    Ok(Json(
        flows
            .iter()
            .filter(|f| {
                query
                    .namespace
                    .as_deref()
                    .is_none_or(|ns| in_namespace(&f.namespace, ns))
            })
            .map(FlowSummary::of)
            .collect(),
    ))
}

/// `GET /api/v1/flows/{namespace}/{id}`: the live revision (revision, commit, path, author,
/// deployment time), its parsed model and its source.
pub async fn one(
    State(ctx): State<WebContext>,
    ApiPath((namespace, id)): ApiPath<(String, String)>,
) -> Result<Json<Value>, Problem> {
    let revision = ctx
        .store
        .live_flow(&namespace, &id)
        .await
        .map_err(|e| Problem::store("the flow", &e))?
        .ok_or_else(|| Problem::not_found(format!("flow `{namespace}.{id}` not found")))?;
    let mut body = match parse_flow(&revision.source) {
        Ok(flow) => serde_json::to_value(&flow).unwrap_or(Value::Null),
        Err(_) => serde_json::json!({"namespace": namespace, "id": id}),
    };
    if let Value::Object(map) = &mut body {
        map.insert("revision".into(), revision.revision.into());
        map.insert("commit".into(), revision.commit.clone().into());
        map.insert("path".into(), revision.path.clone().into());
        map.insert("author".into(), revision.author.clone().into());
        map.insert(
            "deployedAt".into(),
            revision.deployed_at.to_rfc3339().into(),
        );
        map.insert("source".into(), revision.source.into());
    }
    Ok(Json(body))
}

/// `GET /api/v1/flows/{namespace}/{id}/revisions`: every revision, oldest first.
pub async fn revisions(
    State(ctx): State<WebContext>,
    ApiPath((namespace, id)): ApiPath<(String, String)>,
) -> Result<Json<Vec<FlowRevision>>, Problem> {
    let revisions = ctx
        .store
        .flow_revisions(&namespace, &id)
        .await
        .map_err(|e| Problem::store("flow revisions", &e))?;
    if revisions.is_empty() {
        return Err(Problem::not_found(format!(
            "flow `{namespace}.{id}` not found"
        )));
    }
    Ok(Json(revisions))
}

//! Execution reads: `GET /executions` (search, Kestra's parameters and `{results, total}`
//! shape) and `GET /executions/{id}` (with its `taskRunList`).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::context::WebContext;
use super::extract::{ApiPath, ApiQuery, Paging};
use super::problem::Problem;
use crate::store::model::{Execution, Label, State as RunState};
use crate::store::{ExecutionFilter, Page};

/// `GET /executions` parameters (also used by the executions page).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionQuery {
    /// The namespace or any child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The exact flow id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<String>,
    /// Comma-separated states (`FAILED,WARNING`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Created at or after (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Created before (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Comma-separated `key:value` labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<String>,
    /// 1-based page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<i64>,
    /// Page size (1..=200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn date(name: &str, value: &Option<String>) -> Result<Option<DateTime<Utc>>, Problem> {
    non_empty(value)
        .map(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| {
                    Problem::bad_request(format!("{name} `{text}` is not an RFC 3339 time: {e}"))
                })
        })
        .transpose()
}

impl ExecutionQuery {
    /// The store filter and page, or a 400 problem naming the bad parameter.
    pub fn to_filter(&self) -> Result<(ExecutionFilter, Page), Problem> {
        let states = non_empty(&self.state)
            .map(|list| {
                list.split(',')
                    .map(|s| s.trim().to_ascii_uppercase().parse::<RunState>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| Problem::bad_request(e.to_string()))
            })
            .transpose()?
            .unwrap_or_default();
        let labels = non_empty(&self.labels)
            .map(|list| {
                list.split(',')
                    .map(|pair| {
                        pair.split_once(':')
                            .map(|(k, v)| Label::new(k.trim(), v.trim()))
                            .ok_or_else(|| {
                                Problem::bad_request(format!("label `{pair}` is not key:value"))
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let filter = ExecutionFilter {
            namespace: non_empty(&self.namespace).map(str::to_string),
            flow_id: non_empty(&self.flow_id).map(str::to_string),
            states,
            from: date("startDate", &self.start_date)?,
            to: date("endDate", &self.end_date)?,
            labels,
        };
        let page = Paging {
            page: self.page,
            size: self.size,
        }
        .to_page()?;
        Ok((filter, page))
    }
}

/// A page of search results, as Kestra answers it.
#[derive(Debug, Serialize)]
pub struct Results<T> {
    pub results: Vec<T>,
    pub total: i64,
}

/// `GET /api/v1/executions`: search, newest first.
pub async fn search(
    State(ctx): State<WebContext>,
    ApiQuery(query): ApiQuery<ExecutionQuery>,
) -> Result<Json<Results<Execution>>, Problem> {
    let (filter, page) = query.to_filter()?;
    let (mut results, total) = tokio::try_join!(
        ctx.store.search_executions(&filter, page),
        ctx.store.count_executions(&filter)
    )
    .map_err(|e| Problem::store("executions", &e))?;
    super::secrets::redact(&ctx, &mut results).await;
    Ok(Json(Results { results, total }))
}

/// An execution (SECRET inputs masked), or 404.
pub async fn load_execution(ctx: &WebContext, id: &str) -> Result<Execution, Problem> {
    let execution = ctx
        .store
        .execution(id)
        .await
        .map_err(|e| Problem::store("the execution", &e))?
        .ok_or_else(|| Problem::not_found(format!("execution `{id}` not found")))?;
    let mut one = [execution];
    super::secrets::redact(ctx, &mut one).await;
    let [execution] = one;
    Ok(execution)
}

/// The JSON of an execution with its `taskRunList` (SECRET inputs masked).
pub async fn execution_json(ctx: &WebContext, execution: &Execution) -> Result<Value, Problem> {
    let mut one = [execution.clone()];
    super::secrets::redact(ctx, &mut one).await;
    let [execution] = one;
    let task_runs = ctx
        .store
        .task_runs(&execution.id)
        .await
        .map_err(|e| Problem::store("task runs", &e))?;
    let mut body = serde_json::to_value(&execution).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut body {
        map.insert(
            "taskRunList".into(),
            serde_json::to_value(task_runs).unwrap_or(Value::Null),
        );
    }
    Ok(body)
}

/// `GET /api/v1/executions/{id}`.
pub async fn one(
    State(ctx): State<WebContext>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, Problem> {
    let execution = load_execution(&ctx, &id).await?;
    Ok(Json(execution_json(&ctx, &execution).await?))
}

//! The write API, execution actions only (flows change through Git): `POST /executions/{ns}/{id}`
//! (inputs as JSON or multipart form fields; 201 with the execution) and
//! `POST /executions/{id}/kill|restart|resume|replay`. Every route sits behind
//! `access::require_write`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::context::WebContext;
use super::control::ControlError;
use super::executions::{execution_json, load_execution};
use super::extract::{ApiPath, ApiQuery};
use super::problem::Problem;
use crate::store::model::Label;

impl From<ControlError> for Problem {
    fn from(err: ControlError) -> Self {
        match err {
            ControlError::NotFound(m) => Problem::not_found(m),
            ControlError::InvalidInput(m) => Problem::unprocessable(m),
            ControlError::WrongState(m) => Problem::conflict(m),
            ControlError::Unavailable(m) => {
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "engine-unavailable", m)
            }
            ControlError::Store(e) => Problem::store("the execution", &e),
        }
    }
}

fn body_problem(err: BytesRejection) -> Problem {
    Problem::new(err.status(), "bad-body", err.body_text())
}

/// Reads the start inputs from a JSON object body or multipart form fields.
async fn read_inputs(request: Request) -> Result<Map<String, Value>, Problem> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| Problem::new(e.status(), "bad-body", e.body_text()))?;
        let mut inputs = Map::new();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| Problem::new(e.status(), "bad-body", e.body_text()))?
        {
            let name = field.name().unwrap_or_default().to_string();
            if field.file_name().is_some() {
                return Err(Problem::unprocessable(format!(
                    "input `{name}`: file uploads are not accepted by this server yet"
                )));
            }
            let text = field
                .text()
                .await
                .map_err(|e| Problem::new(e.status(), "bad-body", e.body_text()))?;
            inputs.insert(name, Value::String(text));
        }
        return Ok(inputs);
    }
    let bytes = Bytes::from_request(request, &())
        .await
        .map_err(body_problem)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Problem::bad_request(
            "the body must be a JSON object of inputs",
        )),
        Err(e) => Err(Problem::bad_request(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

/// `POST /executions/{ns}/{id}` parameters.
#[derive(Debug, Default, Deserialize)]
pub struct StartQuery {
    /// Comma-separated `key:value` labels for the new execution.
    pub labels: Option<String>,
}

fn parse_labels(text: Option<&str>) -> Result<Vec<Label>, Problem> {
    text.filter(|s| !s.is_empty())
        .map(|list| {
            list.split(',')
                .map(|pair| {
                    pair.split_once(':')
                        .map(|(k, v)| Label::new(k.trim(), v.trim()))
                        .ok_or_else(|| {
                            Problem::bad_request(format!("label `{pair}` is not key:value"))
                        })
                })
                .collect()
        })
        .unwrap_or(Ok(Vec::new()))
}

/// `POST /api/v1/executions/{namespace}/{id}`: starts an execution; 201 with its JSON.
pub async fn start(
    State(ctx): State<WebContext>,
    ApiPath((namespace, id)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<StartQuery>,
    request: Request,
) -> Result<Response, Problem> {
    let labels = parse_labels(query.labels.as_deref())?;
    let inputs = read_inputs(request).await?;
    let execution = ctx.control.start(&namespace, &id, inputs, labels).await?;
    tracing::info!(execution_id = %execution.id, namespace, flow_id = id, "execution started through the API");
    let body = execution_json(&ctx, &execution).await?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `POST /api/v1/executions/{id}/kill`: 202 once the kill is requested.
pub async fn kill(
    State(ctx): State<WebContext>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Problem> {
    ctx.control.kill(&id).await?;
    let execution = load_execution(&ctx, &id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(execution_json(&ctx, &execution).await?),
    )
        .into_response())
}

/// `POST /api/v1/executions/{id}/restart`.
pub async fn restart(
    State(ctx): State<WebContext>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, Problem> {
    let execution = ctx.control.restart(&id).await?;
    Ok(Json(execution_json(&ctx, &execution).await?))
}

/// `POST /api/v1/executions/{id}/resume`: the body holds the `onResume` inputs (JSON object).
pub async fn resume(
    State(ctx): State<WebContext>,
    ApiPath(id): ApiPath<String>,
    request: Request,
) -> Result<Response, Problem> {
    let inputs = read_inputs(request).await?;
    ctx.control.resume(&id, inputs).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /executions/{id}/replay` parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayQuery {
    /// The task run to replay from.
    pub task_run_id: Option<String>,
}

/// `POST /api/v1/executions/{id}/replay?taskRunId=`: 201 with the new execution.
pub async fn replay(
    State(ctx): State<WebContext>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ReplayQuery>,
) -> Result<Response, Problem> {
    let task_run_id = query
        .task_run_id
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Problem::bad_request("taskRunId is required"))?;
    let execution = ctx.control.replay(&id, &task_run_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(execution_json(&ctx, &execution).await?),
    )
        .into_response())
}

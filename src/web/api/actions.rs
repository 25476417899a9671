//! The write API, execution actions only (flows change through Git): `POST /executions/{ns}/{id}`
//! (inputs as JSON, or multipart form fields and FILE uploads; 201 with the execution) and
//! `POST /executions/{id}/kill|restart|resume|replay`. Every route sits behind
//! `access::require_write`.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::MAX_BODY_BYTES;
use super::context::WebContext;
use super::control::ControlError;
use super::executions::{execution_json, load_execution};
use super::extract::{ApiPath, ApiQuery};
use super::problem::Problem;
use super::uploads::{read_form, store_uploads};
use crate::store::model::{Execution, Label};

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

fn is_multipart(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Reads a JSON object of inputs (at most `MAX_BODY_BYTES`; an empty body is no input).
async fn read_json(request: Request) -> Result<Map<String, Value>, Problem> {
    let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
        .await
        .map_err(|e| {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "bad-body",
                format!("the body cannot be read or exceeds {MAX_BODY_BYTES} bytes: {e}"),
            )
        })?;
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

/// Resume inputs: a JSON object or multipart text fields (files are for starts only).
async fn read_inputs(request: Request) -> Result<Map<String, Value>, Problem> {
    if !is_multipart(&request) {
        return read_json(request).await;
    }
    let form = read_form(request).await?;
    if let Some(upload) = form.uploads.first() {
        return Err(Problem::unprocessable(format!(
            "input `{}`: files are accepted when starting an execution only",
            upload.input
        )));
    }
    Ok(form.fields)
}

/// Starts with multipart inputs: files go to the file store first (their URIs become the
/// inputs), and are removed again if the start is refused, so a refusal leaves nothing.
async fn start_with_form(
    ctx: &WebContext,
    (namespace, id): (&str, &str),
    request: Request,
    labels: Vec<Label>,
) -> Result<Execution, Problem> {
    let form = read_form(request).await?;
    if form.uploads.is_empty() {
        return Ok(ctx
            .control
            .start(namespace, id, form.fields, labels)
            .await?);
    }
    let files = ctx.files.as_ref().ok_or_else(|| {
        Problem::unprocessable("this server has no file store: FILE inputs cannot be uploaded")
    })?;
    let upload_id = uuid::Uuid::now_v7().to_string();
    let inputs = store_uploads(files, (namespace, id, &upload_id), &form).await?;
    match ctx.control.start(namespace, id, inputs, labels).await {
        Ok(execution) => Ok(execution),
        Err(e) => {
            if let Err(cleanup) = files.delete_execution(namespace, id, &upload_id).await {
                tracing::warn!(error = %cleanup, "removing the uploads of a refused start");
            }
            Err(e.into())
        }
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
    let execution = if is_multipart(&request) {
        start_with_form(&ctx, (&namespace, &id), request, labels).await?
    } else {
        let inputs = read_json(request).await?;
        ctx.control.start(&namespace, &id, inputs, labels).await?
    };
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

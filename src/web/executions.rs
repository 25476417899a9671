//! The execution webhook trigger endpoint: `GET|POST|PUT
//! /api/v1/executions/webhook/{namespace}/{flowId}/{key}`.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::trigger::webhook::{WebhookCall, WebhookOutcome, handle, query_parameters};

use super::{ApiError, AppState};

/// Starts the flow (200 with the execution, or its outputs with `wait` + `returnOutputs`);
/// 404 for an unknown flow or key, 204 when the trigger's conditions do not hold.
pub async fn webhook(
    State(state): State<AppState>,
    path: Result<Path<(String, String, String)>, PathRejection>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    // axum's own rejection is plain text: a key that is not UTF-8 once decoded gets the
    // JSON error body of every other answer here (found by `hostile_http`).
    let Path((namespace, flow_id, key)) =
        path.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let call = WebhookCall {
        method: method.to_string(),
        headers: header_map(&headers),
        parameters: query_parameters(query.as_deref().unwrap_or_default()),
        body,
    };
    let outcome = handle(
        &state.registry,
        state.store.as_ref(),
        &state.launcher,
        &namespace,
        &flow_id,
        &key,
        call,
    )
    .await?;
    Ok(match outcome {
        WebhookOutcome::NotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no webhook trigger for {namespace}.{flow_id} with this key"),
        )
        .into_response(),
        WebhookOutcome::ConditionsNotMet => StatusCode::NO_CONTENT.into_response(),
        WebhookOutcome::Started {
            execution,
            return_outputs: true,
        } => Json(execution.outputs).into_response(),
        WebhookOutcome::Started { execution, .. } => Json(*execution).into_response(),
    })
}

fn header_map(headers: &HeaderMap) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        out.entry(name.as_str().to_string())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    out
}

//! The execution webhook trigger endpoint: `GET|POST|PUT
//! /api/v1/executions/webhook/{namespace}/{flowId}/{key}`.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::trigger::webhook::{WebhookCall, WebhookOutcome, handle};

use super::{ApiError, AppState};

/// Starts the flow (200 with the execution, or its outputs with `wait` + `returnOutputs`);
/// 404 for an unknown flow or key, 204 when the trigger's conditions do not hold.
pub async fn webhook(
    State(state): State<AppState>,
    Path((namespace, flow_id, key)): Path<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let call = WebhookCall {
        method: method.to_string(),
        headers: header_map(&headers),
        parameters: query_map(query.as_deref().unwrap_or_default()),
        body,
    };
    let outcome = handle(
        &state.registry,
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

fn query_map(query: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.entry(decode(k)).or_default().push(decode(v));
    }
    out
}

/// Percent-decoding of a query component (`+` is a space).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded_and_repeated() {
        let q = query_map("a=1&a=2&name=hello+world%21&flag");
        assert_eq!(q["a"], vec!["1", "2"]);
        assert_eq!(q["name"], vec!["hello world!"]);
        assert_eq!(q["flag"], vec![""]);
    }
}

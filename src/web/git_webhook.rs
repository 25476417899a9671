//! `POST /api/v1/git/webhook`: a GitHub (`X-Hub-Signature-256`) or GitLab (`X-Gitlab-Token`)
//! push event, verified against the configured secret. It only wakes the sync loop, which does
//! the one real fetch; unsigned or badly signed requests get 401 and change nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::source::webhook::{parse_push, verify_github, verify_gitlab};

use super::{ApiError, AppState};

/// 202 and a wake-up for a verified push to the tracked branch (200 without one for another
/// branch); 401 otherwise.
pub async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let unauthorized = |m: String| ApiError::new(StatusCode::UNAUTHORIZED, m);
    let Some(secret) = &state.webhook_secret else {
        return Err(unauthorized(
            "push webhooks are disabled: no webhook secret is configured".into(),
        ));
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let secret = secret.expose().as_bytes();
    let verified = if let Some(token) = header("x-gitlab-token") {
        verify_gitlab(secret, Some(token))
    } else {
        verify_github(secret, &body, header("x-hub-signature-256"))
    };
    verified.map_err(|e| unauthorized(e.to_string()))?;
    let push = parse_push(&body);
    if let Some(p) = &push
        && p.branch != state.branch
    {
        let message = format!("push to {} ignored: tracking {}", p.branch, state.branch);
        return Ok((StatusCode::OK, Json(json!({ "message": message }))));
    }
    state.wake.notify_one();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "message": "sync scheduled" })),
    ))
}

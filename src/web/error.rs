//! `ApiError`: an error answer with a status code and a JSON `{"message": ...}` body.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An HTTP error answer.
#[derive(Debug, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    /// An answer with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

impl From<crate::trigger::TriggerError> for ApiError {
    fn from(e: crate::trigger::TriggerError) -> Self {
        use crate::trigger::TriggerError as E;
        let status = match &e {
            E::FlowNotFound { .. } | E::ExecutionNotFound(_) => StatusCode::NOT_FOUND,
            E::Inputs(_) | E::Engine(_) | E::Render { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            E::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "message": self.message }))).into_response()
    }
}

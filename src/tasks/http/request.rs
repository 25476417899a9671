//! `io.kestra.plugin.core.http.Request`: one request whose response becomes the outputs `uri`,
//! `code`, `headers` and `body`. The body is read up to `MAX_RESPONSE_BYTES`; a larger one fails
//! the task (use `Download` for big responses). A code >= 400 fails it unless `allowFailed`.

use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::multipart::{self, text_of};
use super::options::HttpOptions;
use super::{TaskLog, display_uri, headers_output, method};
use crate::files::FileStore;
use crate::runner::Level;
use crate::spec::kinds::http::Request;
use crate::tasks::error::WorkerTaskError;
use crate::tasks::result::{Ending, TaskResult};

/// Largest response body a `Request` keeps in its outputs (10 MiB).
pub const MAX_RESPONSE_BYTES: usize = 10 * 1024 * 1024;

/// Sends the request and reads the response; file parts of a multipart `formData` come from
/// `files`.
pub(crate) async fn run(
    task: &Request,
    files: &FileStore,
    task_id: &str,
    log: &TaskLog,
    cancel: CancellationToken,
) -> Result<TaskResult, WorkerTaskError> {
    let method = method(task.method.as_deref(), task_id)?;
    let shown = display_uri(&task.uri);
    let http_error = |reason: String| WorkerTaskError::Http {
        task_id: task_id.to_owned(),
        method: method.to_string(),
        uri: shown.clone(),
        reason,
    };
    let options = HttpOptions::parse(task.options.as_ref(), task.allow_failed)
        .map_err(|reason| property(task_id, "options", reason))?;
    let client = options.client().map_err(|e| http_error(e.to_string()))?;
    let mut request = options.authenticate(client.request(method.clone(), &task.uri));
    for (name, value) in &task.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| property(task_id, "headers", format!("{name:?}: {e}")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|e| property(task_id, "headers", format!("{name}: {e}")))?;
        request = request.header(name, value);
    }
    request = body(request, task, files, task_id).await?;
    let response = tokio::select! {
        response = request.send() => response.map_err(|e| http_error(describe(&e)))?,
        () = cancel.cancelled() => return Ok(killed()),
    };
    let code = response.status().as_u16();
    let headers = headers_output(response.headers());
    let body = tokio::select! {
        body = read_limited(response) => body.map_err(http_error)?,
        () = cancel.cancelled() => return Ok(killed()),
    };
    log.line(
        Level::Info,
        format!("{method} {shown} -> {code} ({} bytes)", body.len()),
    )
    .await;
    let mut outputs = Map::new();
    outputs.insert("uri".to_owned(), Value::String(task.uri.clone()));
    outputs.insert("code".to_owned(), Value::from(code));
    outputs.insert("headers".to_owned(), headers);
    outputs.insert(
        "body".to_owned(),
        Value::String(String::from_utf8_lossy(&body).into_owned()),
    );
    let failed = code >= 400 && !options.allow_failed;
    Ok(TaskResult {
        ending: if failed {
            Ending::Failed
        } else {
            Ending::Success
        },
        outputs,
        message: failed.then(|| format!("{method} {shown} failed with response code {code}")),
    })
}

/// Adds `body` (text as is, other JSON serialized), or `formData` (multipart when the content
/// type says so, else url-encoded), and the content type.
async fn body(
    mut request: reqwest::RequestBuilder,
    task: &Request,
    files: &FileStore,
    task_id: &str,
) -> Result<reqwest::RequestBuilder, WorkerTaskError> {
    if let Some(form) = &task.form_data {
        if multipart::is_multipart(task.content_type.as_deref()) {
            // reqwest sets `multipart/form-data; boundary=...` itself: the boundary is needed.
            let form = multipart::form(files, form, task_id).await?;
            return Ok(request.multipart(form));
        }
        let pairs: Vec<(String, String)> =
            form.iter().map(|(k, v)| (k.clone(), text_of(v))).collect();
        request = request.form(&pairs);
    } else if let Some(body) = &task.body {
        let is_text = body.is_string();
        request = request.body(text_of(body));
        if !is_text && task.content_type.is_none() {
            request = request.header(CONTENT_TYPE, "application/json");
        }
    }
    if let Some(content_type) = &task.content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    Ok(request)
}

/// The body, refusing to read beyond `MAX_RESPONSE_BYTES`.
async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let too_large = || {
        format!(
            "response body is larger than {} MiB; use io.kestra.plugin.core.http.Download for large responses",
            MAX_RESPONSE_BYTES / (1024 * 1024)
        )
    };
    if response
        .content_length()
        .is_some_and(|length| length > MAX_RESPONSE_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A reqwest error with its cause chain (reqwest's own message is often just "error sending
/// request").
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    // The URL (with any credentials) is shown separately, stripped.
    text.replace(error.url().map_or("", |u| u.as_str()), "<uri>")
}

pub(crate) fn property(task_id: &str, property: &str, reason: String) -> WorkerTaskError {
    WorkerTaskError::Property {
        task_id: task_id.to_owned(),
        property: property.to_owned(),
        reason,
    }
}

pub(crate) fn killed() -> TaskResult {
    TaskResult {
        ending: Ending::Killed,
        outputs: Map::new(),
        message: Some("killed".to_owned()),
    }
}

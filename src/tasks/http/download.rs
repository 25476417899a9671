//! `io.kestra.plugin.core.http.Download`: the response body streams chunk by chunk to a file in
//! the task run's working directory, which is then stored in the file store; outputs `uri`,
//! `code`, `length` and `headers`. A code >= 400, or an empty body with `failOnEmptyResponse`
//! (the default), fails the task.

use std::path::Path;

use reqwest::header::{CONTENT_DISPOSITION, HeaderName, HeaderValue};
use serde_json::{Map, Value};
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use super::options::HttpOptions;
use super::request::{describe, killed, property};
use super::{TaskLog, display_uri, headers_output, method};
use crate::runner::Level;
use crate::spec::kinds::http::Download;
use crate::tasks::error::WorkerTaskError;
use crate::tasks::invocation::{Facilities, Invocation};
use crate::tasks::result::{Ending, TaskResult};

/// Downloads the body into the file store.
pub(crate) async fn run(
    task: &Download,
    invocation: &Invocation,
    facilities: &Facilities,
    log: &TaskLog,
    cancel: CancellationToken,
) -> Result<TaskResult, WorkerTaskError> {
    let key = &invocation.key;
    let task_id = key.task_id.as_str();
    let method = method(task.method.as_deref(), task_id)?;
    let shown = display_uri(&task.uri);
    let http_error = |reason: String| WorkerTaskError::Http {
        task_id: task_id.to_owned(),
        method: method.to_string(),
        uri: shown.clone(),
        reason,
    };
    let options = HttpOptions::parse(task.options.as_ref(), None)
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
    if let Some(body) = &task.body {
        request = request.body(match body {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    let response = tokio::select! {
        response = request.send() => response.map_err(|e| http_error(describe(&e)))?,
        () = cancel.cancelled() => return Ok(killed()),
    };
    let code = response.status().as_u16();
    if code >= 400 {
        return Ok(TaskResult::failed(format!(
            "{method} {shown} failed with response code {code}"
        )));
    }
    let name = file_name(&response);
    let headers = headers_output(response.headers());
    let dir = facilities.work_root.join(&key.task_run_id);
    let path = dir.join(&name);
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WorkerTaskError::Io {
            task_id: task_id.to_owned(),
            path,
            source,
        }
    };
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(io_error(&dir))?;
    let written = tokio::select! {
        written = stream_to(response, &path) => written,
        () = cancel.cancelled() => {
            let _ = tokio::fs::remove_dir_all(&dir).await;
            return Ok(killed());
        }
    };
    let stored = match written {
        Ok(length) if length > 0 || !task.fail_on_empty_response.unwrap_or(true) => facilities
            .files
            .put(key, &name, &path)
            .await
            .map(|uri| (uri, length))
            .map_err(|source| WorkerTaskError::Files {
                task_id: task_id.to_owned(),
                source,
            }),
        Ok(_) => Err(http_error(
            "the response is empty (failOnEmptyResponse)".to_owned(),
        )),
        Err(StreamError::Http(reason)) => Err(http_error(reason)),
        Err(StreamError::Io(source)) => Err(io_error(&path)(source)),
    };
    let _ = tokio::fs::remove_dir_all(&dir).await;
    let (uri, length) = stored?;
    log.line(
        Level::Info,
        format!("{method} {shown} -> {code}, {length} bytes stored as {uri}"),
    )
    .await;
    let mut outputs = Map::new();
    outputs.insert("uri".to_owned(), Value::String(uri));
    outputs.insert("code".to_owned(), Value::from(code));
    outputs.insert("length".to_owned(), Value::from(length));
    outputs.insert("headers".to_owned(), headers);
    Ok(TaskResult {
        ending: Ending::Success,
        outputs,
        message: None,
    })
}

/// Why streaming the body stopped.
enum StreamError {
    Http(String),
    Io(std::io::Error),
}

/// Writes the body to `path` chunk by chunk; returns its length.
async fn stream_to(mut response: reqwest::Response, path: &Path) -> Result<u64, StreamError> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(StreamError::Io)?;
    let mut length = 0u64;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| StreamError::Http(describe(&e)))?
    {
        file.write_all(&chunk).await.map_err(StreamError::Io)?;
        length += chunk.len() as u64;
    }
    file.flush().await.map_err(StreamError::Io)?;
    Ok(length)
}

/// The file name: `Content-Disposition`'s `filename`, else the last path segment of the URL,
/// else `download`; reduced to one safe path segment.
fn file_name(response: &reqwest::Response) -> String {
    let from_header = response
        .headers()
        .get(CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(';')
                .filter_map(|part| part.trim().strip_prefix("filename="))
                .next()
                .map(|name| name.trim_matches('"').to_owned())
        });
    let from_url = response
        .url()
        .path_segments()
        .and_then(|mut segments| segments.next_back().map(str::to_owned));
    let name = from_header
        .or(from_url)
        .unwrap_or_default()
        .replace(['/', '\\'], "_");
    if name.is_empty() || name == "." || name == ".." {
        "download".to_owned()
    } else {
        name
    }
}

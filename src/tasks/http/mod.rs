//! HTTP tasks: `Request` (`formData` url-encoded or multipart with file parts; the response
//! becomes outputs `code`, `headers`, `body`, with a bounded body size) and `Download` (the body streams to a file stored in the file store, output `uri`).

mod download;
mod multipart;
mod options;
mod request;

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::error::WorkerTaskError;
use super::invocation::{Facilities, Invocation};
use super::masking::masked_logs;
use super::rendering::render_task;
use super::result::TaskResult;
use crate::runner::{Level, LogLine};
use crate::spec::TaskKind;

pub use request::MAX_RESPONSE_BYTES;

/// Runs an HTTP task to its result.
pub(crate) async fn run(
    invocation: &Invocation,
    facilities: &Facilities,
    logs: mpsc::Sender<LogLine>,
    cancel: CancellationToken,
) -> Result<TaskResult, WorkerTaskError> {
    let rendered = render_task(
        &facilities.renderer,
        &facilities.services,
        invocation.vars.clone(),
        &invocation.task,
    )
    .await?;
    let (logs, forwarder) = masked_logs(logs, rendered.secrets.clone());
    let log = TaskLog(logs);
    let result = match &rendered.value.kind {
        TaskKind::HttpRequest(request) => {
            request::run(
                request,
                &facilities.files,
                &invocation.key.task_id,
                &log,
                cancel,
            )
            .await
        }
        TaskKind::HttpDownload(download) => {
            download::run(download, invocation, facilities, &log, cancel).await
        }
        _ => Err(WorkerTaskError::NotWorkerTask {
            task_id: invocation.key.task_id.clone(),
            type_name: rendered.value.type_name.to_owned(),
        }),
    };
    drop(log);
    let _ = forwarder.await;
    result.map_err(|error| match rendered.secrets.is_empty() {
        true => error,
        false => WorkerTaskError::Masked {
            message: crate::template::mask(&error.to_string(), &rendered.secrets),
        },
    })
}

/// The log channel of an HTTP task.
pub(crate) struct TaskLog(mpsc::Sender<LogLine>);

impl TaskLog {
    /// Sends one line (dropped if nobody listens any more).
    pub(crate) async fn line(&self, level: Level, message: String) {
        let _ = self
            .0
            .send(LogLine {
                level,
                message,
                timestamp: chrono::Utc::now(),
            })
            .await;
    }
}

/// The method of a task, `GET` by default.
pub(crate) fn method(text: Option<&str>, task_id: &str) -> Result<Method, WorkerTaskError> {
    let text = text.unwrap_or("GET").to_ascii_uppercase();
    Method::from_bytes(text.as_bytes()).map_err(|_| WorkerTaskError::Property {
        task_id: task_id.to_owned(),
        property: "method".to_owned(),
        reason: format!("`{text}` is not an HTTP method"),
    })
}

/// The URI without credentials, for logs and errors.
pub(crate) fn display_uri(uri: &str) -> String {
    match reqwest::Url::parse(uri) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) => uri.to_owned(),
    }
}

/// Response headers as Kestra shows them: name -> list of values.
pub(crate) fn headers_output(headers: &reqwest::header::HeaderMap) -> Value {
    let mut grouped: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (name, value) in headers {
        grouped
            .entry(name.as_str().to_owned())
            .or_default()
            .push(Value::String(
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            ));
    }
    Value::Object(
        grouped
            .into_iter()
            .map(|(k, v)| (k, Value::Array(v)))
            .collect::<Map<_, _>>(),
    )
}

//! `formData` sent as `multipart/form-data` (when `contentType` says so), as Kestra does: a
//! value that is a `kestra://` URI becomes a file part (named after the URI's last segment), a
//! map `{name, content}` a file part named `name` (content a URI, or inline text), anything
//! else a text part. Stored files are streamed, not read into memory.

use std::collections::BTreeMap;

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use super::request::property;
use crate::files::FileStore;
use crate::tasks::error::WorkerTaskError;

const URI_SCHEME: &str = "kestra://";
const FILE_MIME: &str = "application/octet-stream";

/// True when `content_type` asks for a multipart body.
pub(crate) fn is_multipart(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("multipart/"))
}

/// The multipart form of `form_data`, reading file parts from `files`.
pub(crate) async fn form(
    files: &FileStore,
    form_data: &BTreeMap<String, Value>,
    task_id: &str,
) -> Result<Form, WorkerTaskError> {
    let mut form = Form::new();
    for (key, value) in form_data {
        let part = match value {
            Value::String(text) if text.starts_with(URI_SCHEME) => {
                stored_part(files, text, last_segment(text), task_id).await?
            }
            Value::Object(map) if map.contains_key("name") && map.contains_key("content") => {
                let name = text_of(&map["name"]);
                match &map["content"] {
                    Value::String(uri) if uri.starts_with(URI_SCHEME) => {
                        stored_part(files, uri, name, task_id).await?
                    }
                    inline => Part::text(text_of(inline))
                        .file_name(name)
                        .mime_str(FILE_MIME)
                        .map_err(|e| property(task_id, "formData", e.to_string()))?,
                }
            }
            other => Part::text(text_of(other)),
        };
        form = form.part(key.clone(), part);
    }
    Ok(form)
}

/// A file part streaming the stored file at `uri`.
async fn stored_part(
    files: &FileStore,
    uri: &str,
    file_name: String,
    task_id: &str,
) -> Result<Part, WorkerTaskError> {
    let files_error = |source| WorkerTaskError::Files {
        task_id: task_id.to_owned(),
        source,
    };
    let file = files.open(uri).await.map_err(files_error)?;
    let length = file
        .metadata()
        .await
        .map_err(|e| property(task_id, "formData", format!("{uri}: {e}")))?
        .len();
    let body = reqwest::Body::from(file);
    Part::stream_with_length(body, length)
        .file_name(file_name)
        .mime_str(FILE_MIME)
        .map_err(|e| property(task_id, "formData", e.to_string()))
}

/// The last path segment of a URI (the stored file's name).
fn last_segment(uri: &str) -> String {
    uri.rsplit('/').next().unwrap_or(uri).to_owned()
}

/// A JSON value as form text: strings as they are, the rest serialized.
pub(crate) fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_content_types_are_recognised() {
        assert!(is_multipart(Some("multipart/form-data")));
        assert!(is_multipart(Some(" Multipart/Form-Data; charset=utf-8")));
        assert!(!is_multipart(Some("application/x-www-form-urlencoded")));
        assert!(!is_multipart(None));
    }

    #[test]
    fn file_parts_are_named_after_the_uri() {
        assert_eq!(last_segment("kestra:///ns/f/e/t/tr/data.csv"), "data.csv");
    }
}

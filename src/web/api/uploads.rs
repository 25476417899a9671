//! The inputs of `POST /executions/{ns}/{id}` as `multipart/form-data`: text fields are input
//! values, file parts are FILE inputs. Files are streamed to a private temporary directory while
//! the body is read, then copied into the file store under Kestra's URI
//! (`kestra:///<ns>/<flow>/executions/<upload id>/inputs/<input>/<file name>`), which becomes the
//! input's value. If the start is refused, the stored files are removed again.

use std::path::{Path, PathBuf};

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use serde_json::{Map, Value};
use tokio::io::AsyncWriteExt;

use super::problem::Problem;
use crate::files::FileStore;

/// One uploaded file, waiting in the temporary directory.
pub struct Upload {
    /// The input it is the value of.
    pub input: String,
    /// The client's file name (last path component only).
    pub file_name: String,
    path: PathBuf,
}

/// A temporary directory removed on drop, whatever happens to the request.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The parts of a multipart start: text fields, and files kept until they are stored.
pub struct Form {
    /// Text fields, by input id.
    pub fields: Map<String, Value>,
    /// File parts.
    pub uploads: Vec<Upload>,
    _dir: Option<TempDir>,
}

fn internal(detail: String) -> Problem {
    Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "upload-failed", detail)
}

fn multipart_problem(err: MultipartError) -> Problem {
    Problem::new(err.status(), "bad-body", err.body_text())
}

/// The last component of a client file name (`C:\a\b.csv` and `../b.csv` give `b.csv`).
fn base_name(raw: &str) -> Result<String, Problem> {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if name.is_empty() || name == "." || name == ".." || name.contains('\0') {
        return Err(Problem::bad_request(format!(
            "file name `{raw}` cannot be stored"
        )));
    }
    Ok(name.to_string())
}

async fn save(mut field: Field<'_>, to: &Path) -> Result<(), Problem> {
    let io = |e: std::io::Error| internal(format!("storing an upload: {e}"));
    let mut out = tokio::fs::File::create(to).await.map_err(io)?;
    while let Some(chunk) = field.chunk().await.map_err(multipart_problem)? {
        out.write_all(&chunk).await.map_err(io)?;
    }
    out.flush().await.map_err(io)
}

/// Reads every part; the body limit of the route bounds the files (413 beyond it).
pub async fn read_form(request: Request) -> Result<Form, Problem> {
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| Problem::new(e.status(), "bad-body", e.body_text()))?;
    let mut form = Form {
        fields: Map::new(),
        uploads: Vec::new(),
        _dir: None,
    };
    while let Some(field) = multipart.next_field().await.map_err(multipart_problem)? {
        let input = field.name().unwrap_or_default().to_string();
        if input.is_empty() {
            return Err(Problem::bad_request("a form part has no name"));
        }
        let Some(raw_name) = field.file_name().map(str::to_string) else {
            let text = field.text().await.map_err(multipart_problem)?;
            form.fields.insert(input, Value::String(text));
            continue;
        };
        let file_name = base_name(&raw_name)?;
        let dir = match &form._dir {
            Some(dir) => dir.0.clone(),
            None => {
                let dir =
                    std::env::temp_dir().join(format!("baton-upload-{}", uuid::Uuid::new_v4()));
                std::fs::create_dir_all(&dir)
                    .map_err(|e| internal(format!("creating an upload directory: {e}")))?;
                form._dir = Some(TempDir(dir.clone()));
                dir
            }
        };
        let path = dir.join(form.uploads.len().to_string());
        save(field, &path).await?;
        form.uploads.push(Upload {
            input,
            file_name,
            path,
        });
    }
    Ok(form)
}

/// Copies the uploads into `files` for the execution-to-be `upload_id` of `namespace.flow_id`;
/// returns the inputs with each file's URI added. On failure nothing stays stored.
pub async fn store_uploads(
    files: &FileStore,
    (namespace, flow_id, upload_id): (&str, &str, &str),
    form: &Form,
) -> Result<Map<String, Value>, Problem> {
    let mut inputs = form.fields.clone();
    for upload in &form.uploads {
        let stored = files
            .put_input(
                (namespace, flow_id, upload_id),
                &upload.input,
                &upload.file_name,
                &upload.path,
            )
            .await;
        match stored {
            Ok(uri) => {
                inputs.insert(upload.input.clone(), Value::String(uri));
            }
            Err(e) => {
                let _ = files.delete_execution(namespace, flow_id, upload_id).await;
                return Err(Problem::bad_request(format!(
                    "input `{}`: the file cannot be stored: {e}",
                    upload.input
                )));
            }
        }
    }
    Ok(inputs)
}

//! `POST /api/v1/executions/{ns}/{id}` with multipart/form-data: FILE inputs are stored in the
//! file store and passed as their `kestra://` URI; an oversized file, a missing required file
//! or an unknown flow get a clear 4xx and leave neither an execution nor a stored file.

use std::path::Path;
use std::sync::Arc;

use baton::files::FileStore;
use baton::store::model::NewRevision;
use baton::store::sqlite::SqliteStore;
use baton::store::{ExecutionFilter, Store};
use baton::web::api::{self, Access, WebContext};
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use tempfile::TempDir;

const FLOW: &str = include_str!("../fixtures/web/upload.yaml");
const TOKEN: &str = "upload-token";

struct Server {
    base: String,
    store: Arc<dyn Store>,
    files: FileStore,
    _dir: TempDir,
}

async fn serve(max_upload_bytes: usize) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("baton.db").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.expect("open store"));
    store
        .deploy_revision(NewRevision {
            namespace: "company.team".into(),
            id: "upload".into(),
            source: FLOW.into(),
            commit: None,
            path: None,
            author: None,
        })
        .await
        .expect("deploy");
    let files = FileStore::new(dir.path().join("files"));
    let ctx = WebContext::new(Arc::clone(&store))
        .with_access(Access {
            api_token: Some(TOKEN.into()),
            ..Access::default()
        })
        .with_files(files.clone(), max_upload_bytes);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, api::standalone_router(ctx)).await;
    });
    Server {
        base,
        store,
        files,
        _dir: dir,
    }
}

impl Server {
    async fn start(&self, flow: &str, form: Form) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!(
                "{}/api/v1/executions/company.team/{flow}",
                self.base
            ))
            .bearer_auth(TOKEN)
            .multipart(form)
            .send()
            .await
            .expect("answer")
    }

    async fn executions(&self) -> i64 {
        self.store
            .count_executions(&ExecutionFilter::default())
            .await
            .expect("count")
    }

    /// Regular files anywhere under the file store root.
    fn stored_files(&self) -> Vec<String> {
        fn walk(dir: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path.display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.files.root, &mut out);
        out
    }
}

fn file(bytes: Vec<u8>, name: &str) -> Part {
    Part::bytes(bytes).file_name(name.to_string())
}

async fn problem(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await.expect("problem JSON");
    body["detail"].as_str().expect("detail").to_string()
}

#[tokio::test]
async fn a_file_input_is_stored_and_passed_as_its_kestra_uri() {
    let server = serve(api::context::MAX_UPLOAD_BYTES).await;
    let csv = b"city,trips\nParis,3\n".to_vec();
    let form = Form::new()
        .text("name", "Ann")
        .part("data", file(csv.clone(), "../../trips.csv"));
    let response = server.start("upload", form).await;
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.expect("execution JSON");
    let uri = body["inputs"]["data"].as_str().expect("data is a URI");
    let prefix = "kestra:///company/team/upload/executions/";
    assert!(uri.starts_with(prefix), "{uri}");
    assert!(uri.ends_with("/inputs/data/trips.csv"), "{uri}");
    assert_eq!(body["inputs"]["name"], "Ann");
    let stored = server.files.path_of(uri).await.expect("stored file");
    assert_eq!(std::fs::read(stored).expect("read"), csv);
    let id = body["id"].as_str().expect("id");
    let execution = server
        .store
        .execution(id)
        .await
        .expect("read")
        .expect("created");
    assert_eq!(execution.inputs["data"], uri);
}

#[tokio::test]
async fn an_oversized_file_is_refused_with_413_and_nothing_is_created() {
    let server = serve(4096).await;
    let form = Form::new()
        .text("name", "Ann")
        .part("data", file(vec![b'x'; 64 * 1024], "big.bin"));
    let detail = problem(server.start("upload", form).await, 413).await;
    assert!(!detail.is_empty());
    assert_eq!(server.executions().await, 0);
    assert_eq!(server.stored_files(), Vec::<String>::new());
}

#[tokio::test]
async fn a_missing_required_file_is_refused_with_422_and_nothing_is_created() {
    let server = serve(api::context::MAX_UPLOAD_BYTES).await;
    // `extra` is uploaded, `data` (required) is not: the stored `extra` is removed again.
    let form = Form::new()
        .text("name", "Ann")
        .part("extra", file(b"more".to_vec(), "extra.txt"));
    let detail = problem(server.start("upload", form).await, 422).await;
    assert!(detail.contains("data"), "{detail}");
    assert_eq!(server.executions().await, 0);
    assert_eq!(server.stored_files(), Vec::<String>::new());
}

#[tokio::test]
async fn a_file_for_an_unknown_flow_is_refused_with_404_and_not_kept() {
    let server = serve(api::context::MAX_UPLOAD_BYTES).await;
    let form = Form::new().part("data", file(b"x".to_vec(), "x.txt"));
    problem(server.start("nope", form).await, 404).await;
    assert_eq!(server.executions().await, 0);
    assert_eq!(server.stored_files(), Vec::<String>::new());
}

//! HTTP tasks run by a real worker against a real HTTP server on 127.0.0.1: requests with
//! bodies and headers, failures and `allowFailed`, the response size bound, and downloads
//! streamed into the file store and read by a later script task.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{any, get};
use baton::store::model::State;
use baton::tasks::http::MAX_RESPONSE_BYTES;
use serde_json::{Value, json};

use crate::worker::{Harness, output, vars_with_outputs};

/// Serves `router` on an ephemeral port of 127.0.0.1 for the rest of the test process.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// A server with the routes the tests use.
async fn test_server() -> String {
    let router = Router::new()
        .route(
            "/json",
            get(|| async { axum::Json(json!({"ok": true, "items": [1, 2]})) }),
        )
        .route(
            "/echo",
            any(|headers: HeaderMap, request: Request| async move {
                let method = request.method().to_string();
                let bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
                    .await
                    .unwrap_or_default();
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                axum::Json(json!({
                    "method": method,
                    "body": String::from_utf8_lossy(&bytes),
                    "contentType": header("content-type"),
                    "custom": header("x-custom"),
                    "auth": header("authorization"),
                }))
            }),
        )
        .route(
            "/missing",
            get(|| async { (StatusCode::NOT_FOUND, "no such thing") }),
        )
        .route(
            "/big",
            get(|| async { Body::from(vec![b'x'; MAX_RESPONSE_BYTES + 1]) }),
        )
        .route(
            "/files/data.csv",
            get(|| async { "id,name\n1,alpha\n2,beta\n" }),
        )
        .route("/empty", get(|| async { "" }));
    format!("http://{}", serve(router).await)
}

fn request(id: &str, uri: &str) -> Value {
    json!({"id": id, "type": "io.kestra.plugin.core.http.Request", "uri": uri})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_returns_code_headers_and_body() {
    let base = test_server().await;
    let h = Harness::start().await;
    let run = h
        .run(request("get", &format!("{base}/json")), json!({}))
        .await;
    assert_eq!(run.state, State::Success, "error: {:?}", run.error);
    assert_eq!(output(&run, "/code"), &json!(200));
    let body: Value =
        serde_json::from_str(output(&run, "/body").as_str().expect("text")).expect("JSON body");
    assert_eq!(body["items"], json!([1, 2]));
    assert_eq!(
        output(&run, "/headers/content-type"),
        &json!(["application/json"])
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_post_sends_rendered_body_headers_form_and_auth() {
    let base = test_server().await;
    let h = Harness::start().await;
    let mut post = request("post", &format!("{base}/echo"));
    post["method"] = json!("POST");
    post["body"] = json!({"name": "{{ inputs.name }}"});
    post["headers"] = json!({"X-Custom": "{{ inputs.name }}-header"});
    post["options"] = json!({"auth": {"type": "BEARER", "token": "tok"}});
    let run = h.run(post, json!({"inputs": {"name": "baton"}})).await;
    assert_eq!(run.state, State::Success, "error: {:?}", run.error);
    let echo: Value =
        serde_json::from_str(output(&run, "/body").as_str().expect("text")).expect("echo");
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["body"], r#"{"name":"baton"}"#);
    assert_eq!(echo["contentType"], "application/json");
    assert_eq!(echo["custom"], "baton-header");
    assert_eq!(echo["auth"], "Bearer tok");
    let mut form = request("form", &format!("{base}/echo"));
    form["method"] = json!("POST");
    form["formData"] = json!({"a": "1", "b": "x y"});
    let run = h.run(form, json!({})).await;
    let echo: Value =
        serde_json::from_str(output(&run, "/body").as_str().expect("text")).expect("echo");
    assert_eq!(echo["body"], "a=1&b=x+y");
    assert_eq!(echo["contentType"], "application/x-www-form-urlencoded");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_error_code_fails_the_request_unless_allow_failed() {
    let base = test_server().await;
    let h = Harness::start().await;
    let failed = h
        .run(request("strict", &format!("{base}/missing")), json!({}))
        .await;
    assert_eq!(failed.state, State::Failed);
    assert!(
        failed.error.as_deref().is_some_and(|e| e.contains("404")),
        "{:?}",
        failed.error
    );
    let mut lenient = request("lenient", &format!("{base}/missing"));
    lenient["allowFailed"] = json!(true);
    let lenient = h.run(lenient, json!({})).await;
    assert_eq!(lenient.state, State::Success, "error: {:?}", lenient.error);
    assert_eq!(output(&lenient, "/code"), &json!(404));
    assert_eq!(output(&lenient, "/body"), &json!("no such thing"));
    let mut refused = request("refused", "http://127.0.0.1:1/nothing");
    refused["options"] = json!({"timeout": {"connectTimeout": "PT2S"}});
    let refused = h.run(refused, json!({})).await;
    assert_eq!(refused.state, State::Failed);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_response_beyond_the_size_bound_fails_clearly() {
    let base = test_server().await;
    let h = Harness::start().await;
    let run = h
        .run(request("big", &format!("{base}/big")), json!({}))
        .await;
    assert_eq!(run.state, State::Failed);
    let error = run.error.unwrap_or_default();
    assert!(
        error.contains("larger than 10 MiB") && error.contains("Download"),
        "{error}"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_download_is_stored_and_read_by_a_later_script() {
    let base = test_server().await;
    let h = Harness::start().await;
    let download = json!({
        "id": "fetch",
        "type": "io.kestra.plugin.core.http.Download",
        "uri": format!("{base}/files/data.csv"),
    });
    let fetched = h.run(download, json!({})).await;
    assert_eq!(fetched.state, State::Success, "error: {:?}", fetched.error);
    assert_eq!(output(&fetched, "/code"), &json!(200));
    assert_eq!(output(&fetched, "/length"), &json!(23));
    let uri = output(&fetched, "/uri").as_str().expect("uri").to_owned();
    assert!(
        uri.starts_with("kestra://") && uri.ends_with("data.csv"),
        "{uri}"
    );
    let stored = h.files.path_of(&uri).await.expect("stored file");
    assert_eq!(
        std::fs::read_to_string(stored).expect("read"),
        "id,name\n1,alpha\n2,beta\n"
    );
    let count = json!({
        "id": "count",
        "type": "io.kestra.plugin.scripts.shell.Commands",
        "inputFiles": {"data.csv": "{{ outputs.fetch.uri }}"},
        "commands": ["echo lines=$(wc -l < data.csv)"],
    });
    let count = h
        .run(count, vars_with_outputs(json!({"fetch": fetched.outputs})))
        .await;
    assert_eq!(count.state, State::Success, "error: {:?}", count.error);
    assert!(h.log_text(&count.id).await.contains("lines=3"));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_empty_download_fails_unless_allowed() {
    let base = test_server().await;
    let h = Harness::start().await;
    let mut download = json!({
        "id": "empty",
        "type": "io.kestra.plugin.core.http.Download",
        "uri": format!("{base}/empty"),
    });
    let failed = h.run(download.clone(), json!({})).await;
    assert_eq!(failed.state, State::Failed);
    assert!(
        failed.error.as_deref().is_some_and(|e| e.contains("empty")),
        "{:?}",
        failed.error
    );
    download["failOnEmptyResponse"] = json!(false);
    let allowed = h.run(download, json!({})).await;
    assert_eq!(allowed.state, State::Success, "error: {:?}", allowed.error);
    assert_eq!(output(&allowed, "/length"), &json!(0));
    let missing = json!({
        "id": "gone",
        "type": "io.kestra.plugin.core.http.Download",
        "uri": format!("{base}/missing"),
    });
    assert_eq!(h.run(missing, json!({})).await.state, State::Failed);
    h.stop().await;
}

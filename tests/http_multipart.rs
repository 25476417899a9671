//! `http.Request` with `formData` and `contentType: multipart/form-data`, run by a real worker
//! against a real axum server on 127.0.0.1 that parses the multipart body: text fields, a file
//! field from an earlier task's output file URI, and a `{name, content}` file field.

use axum::Router;
use axum::extract::Multipart;
use axum::http::HeaderMap;
use axum::routing::post;
use baton::store::model::State;
use serde_json::{Value, json};

use crate::http_tasks::serve;
use crate::worker::{Harness, output, vars_with_outputs};

/// Answers with every part it parsed: name, file name, content type and text.
async fn parts_server() -> String {
    let router = Router::new().route(
        "/upload",
        post(|headers: HeaderMap, mut multipart: Multipart| async move {
            let mut parts = Vec::new();
            while let Ok(Some(field)) = multipart.next_field().await {
                let name = field.name().map(str::to_owned);
                let file_name = field.file_name().map(str::to_owned);
                let content_type = field.content_type().map(str::to_owned);
                let text = field.text().await.unwrap_or_default();
                parts.push(json!({
                    "name": name, "fileName": file_name, "contentType": content_type, "text": text,
                }));
            }
            let content_type = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            axum::Json(json!({"contentType": content_type, "parts": parts}))
        }),
    );
    format!("http://{}", serve(router).await)
}

fn part<'a>(echo: &'a Value, name: &str) -> &'a Value {
    echo["parts"]
        .as_array()
        .and_then(|parts| parts.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no part {name} in {echo}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn multipart_form_data_sends_text_fields_and_files_of_earlier_tasks() {
    let base = parts_server().await;
    let h = Harness::start().await;
    let make = json!({
        "id": "make", "type": "io.kestra.plugin.scripts.shell.Commands",
        "commands": ["printf 'a,b\\n1,2\\n' > {{ outputDir }}/data.csv"],
    });
    let make = h.run(make, json!({})).await;
    assert_eq!(make.state, State::Success, "error: {:?}", make.error);
    let upload = json!({
        "id": "upload", "type": "io.kestra.plugin.core.http.Request",
        "uri": format!("{base}/upload"), "method": "POST",
        "contentType": "multipart/form-data",
        "formData": {
            "title": "{{ inputs.title }}",
            "count": 3,
            "file": "{{ outputs.make.outputFiles['data.csv'] }}",
            "renamed": {"name": "report.csv", "content": "{{ outputs.make.outputFiles['data.csv'] }}"},
            "inline": {"name": "note.txt", "content": "written inline"},
        },
    });
    let mut vars = vars_with_outputs(json!({"make": make.outputs}));
    vars["inputs"] = json!({"title": "monthly"});
    let run = h.run(upload, vars).await;
    assert_eq!(run.state, State::Success, "error: {:?}", run.error);
    let echo: Value =
        serde_json::from_str(output(&run, "/body").as_str().expect("text")).expect("echo");
    let content_type = echo["contentType"].as_str().expect("content type");
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    assert_eq!(part(&echo, "title")["text"], "monthly");
    assert_eq!(part(&echo, "title")["fileName"], Value::Null);
    assert_eq!(part(&echo, "count")["text"], "3");
    let file = part(&echo, "file");
    assert_eq!(file["fileName"], "data.csv");
    assert_eq!(file["text"], "a,b\n1,2\n");
    assert_eq!(file["contentType"], "application/octet-stream");
    let renamed = part(&echo, "renamed");
    assert_eq!(renamed["fileName"], "report.csv");
    assert_eq!(renamed["text"], "a,b\n1,2\n");
    assert_eq!(part(&echo, "inline")["fileName"], "note.txt");
    assert_eq!(part(&echo, "inline")["text"], "written inline");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn multipart_with_a_missing_stored_file_fails_the_task() {
    let base = parts_server().await;
    let h = Harness::start().await;
    let upload = json!({
        "id": "upload", "type": "io.kestra.plugin.core.http.Request",
        "uri": format!("{base}/upload"), "method": "POST",
        "contentType": "multipart/form-data",
        "formData": {"file": "kestra:///ns/flow/exec/task/run/missing.csv"},
    });
    let run = h.run(upload, json!({})).await;
    assert_eq!(run.state, State::Failed);
    let error = run.error.unwrap_or_default();
    assert!(error.contains("missing.csv"), "{error}");
    h.stop().await;
}
